// The dashboard's one door to data: the public JSON API (openapi.yaml), nothing private.
// When the API grows the endpoints the pages want (importance, a downsampled history,
// server-side sort and filter, CSV export), only this module changes.

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

async function getJson(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    for (const v of [].concat(value ?? [])) url.searchParams.append(key, v);
  }
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ApiError(0, { detail: `the service did not answer (${err.message})` }, url);
  }
  const date = Date.parse(response.headers.get("Date"));
  if (!Number.isNaN(date)) clockOffsetMs = date - Date.now();
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem, url);
  }
  return response.json();
}

/** Every study, as GET /v1/studies returns them. */
export async function studies() {
  return (await getJson("/v1/studies")).studies;
}

/** One study with its counts, status and best trial. */
export function study(id) {
  return getJson(`/v1/studies/${id}`);
}

/** One page of trials by number: {trials, total}. */
export function trialsPage(id, { limit, offset, states }) {
  return getJson(`/v1/studies/${id}/trials`, { limit, offset, state: states });
}

/** One trial. */
export function trial(studyId, trialId) {
  return getJson(`/v1/studies/${studyId}/trials/${trialId}`);
}

/** The trials the charts draw. Today every trial, a page of 10,000 at a time; a
 * downsampled history endpoint would replace this for big studies. */
export async function history(id) {
  const limit = 10000;
  const all = [];
  for (;;) {
    const page = await trialsPage(id, { limit, offset: all.length });
    all.push(...page.trials);
    if (all.length >= page.total || page.trials.length === 0) return all;
  }
}

/** The running trials (for their leases), at most 1,000. */
export async function running(id) {
  return (await trialsPage(id, { limit: 1000, offset: 0, states: ["running"] })).trials;
}

/** The share of variation each parameter explains, or null where the service has no
 * importance endpoint yet (404 for a study that exists). */
export async function importance(id) {
  try {
    return await getJson(`/v1/studies/${id}/importance`);
  } catch (err) {
    if (err.status === 404) return null;
    throw err;
  }
}
