// The dashboard's one door to data: the public JSON API (openapi.yaml), nothing private.

export class ApiError extends Error {
  constructor(status, problem, url) {
    super(problem?.detail || `${url.pathname} answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// The server's clock minus the browser's, from the Date header: lease ages are the
// server's times compared with "now", and the two machines need not agree.
let clockOffsetMs = 0;
export const serverNow = () => Date.now() + clockOffsetMs;

function urlOf(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    for (const v of [].concat(value ?? [])) url.searchParams.append(key, v);
  }
  return url;
}

// An API token, when the service asks for one (401): kept for this tab only, sent as
// `Authorization: Bearer`. A read token is enough for every page.
const TOKEN_KEY = "optimizer-api-token";
let asking = null; // one question at a time, however many requests were refused

function askToken(problem) {
  asking ??= new Promise((resolve) => {
    const dialog = document.getElementById("token-dialog");
    const note = document.getElementById("token-note");
    note.textContent = sessionStorage.getItem(TOKEN_KEY)
      ? `The service refused that token: ${problem?.detail || "unauthorized"}.`
      : "This service needs an API token (a read token is enough).";
    dialog.querySelector("form").onsubmit = (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, document.getElementById("token-input").value.trim());
      dialog.close();
      asking = null;
      resolve();
    };
    dialog.showModal();
  });
  return asking;
}

async function get(path, params = {}, accept = "application/json") {
  const url = urlOf(path, params);
  for (;;) {
    const headers = { Accept: accept };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(url, { headers });
    } catch (err) {
      throw new ApiError(0, { detail: `the service did not answer (${err.message})` }, url);
    }
    const date = Date.parse(response.headers.get("Date"));
    if (!Number.isNaN(date)) clockOffsetMs = date - Date.now();
    if (response.ok) return response;
    const problem = await response.json().catch(() => null);
    if (response.status !== 401) throw new ApiError(response.status, problem, url);
    await askToken(problem); // then ask again, with the token given
  }
}

const getJson = async (path, params) => (await get(path, params)).json();

/** Every study, as GET /v1/studies returns them (a page of 1,000 at a time). */
export async function studies() {
  const all = [];
  for (;;) {
    const page = await getJson("/v1/studies", { limit: 1000, offset: all.length });
    all.push(...page.studies);
    if (page.studies.length === 0 || all.length >= page.total) return all;
  }
}

/** One study with its counts, status and best trial. */
export function study(id) {
  return getJson(`/v1/studies/${id}`);
}

/** The query of a trials listing: states, a {param: range} filter, a sort. */
function trialsQuery({ states, params, sort, limit, offset }) {
  const filter = params && Object.keys(params).length ? JSON.stringify(params) : undefined;
  return { state: states, params: filter, sort, limit, offset };
}

/** One page of trials: {trials, total}; `sort` is number, -number, value or -value, and
 * `params` filters on the trials' params ({lr: {min, max}, opt: {in: [...]}}). */
export function trialsPage(id, query) {
  return getJson(`/v1/studies/${id}/trials`, trialsQuery(query));
}

/** Every trial matching the states and params filter, as CSV: {blob, filename}. */
export async function trialsCsv(id, { states, params }) {
  const response = await get(
    `/v1/studies/${id}/trials`,
    trialsQuery({ states, params }),
    "text/csv",
  );
  const disposition = response.headers.get("Content-Disposition") || "";
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] || `study-${id}-trials.csv`;
  return { blob: await response.blob(), filename };
}

/** One trial. */
export function trial(studyId, trialId) {
  return getJson(`/v1/studies/${studyId}/trials/${trialId}`);
}

/** Finished trials for the charts, a chosen subset past `limit`: {trials, total}. */
export function history(id, limit = 2000) {
  return getJson(`/v1/studies/${id}/history`, { limit });
}

/** Trials with their intermediate values, a chosen subset past `limit`: {trials, total}. */
export function curves(id, limit = 100) {
  return getJson(`/v1/studies/${id}/curves`, { limit });
}

/** The running trials, oldest first (a stuck worker's trial is old): {trials, total}. */
export function running(id, limit = 100) {
  return trialsPage(id, { states: ["running"], sort: "number", limit });
}

/** The feasible non-dominated trials and their hypervolume (studies of several objectives). */
export function pareto(id) {
  return getJson(`/v1/studies/${id}/pareto`);
}

/** Each parameter's share of what sets the best trials apart (PED-ANOVA). */
export function importance(id) {
  return getJson(`/v1/studies/${id}/importance`);
}
