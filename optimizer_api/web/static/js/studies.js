// The study list: every study from GET /v1/studies, newest first (or latest activity
// first), filtered in the page. The filter lives in the URL (?name=&status=&sort=) so a
// filtered list can be shared.

import * as api from "./api.js";
import { serverNow } from "./api.js";
import { STATES, ago, badge, banner, el, fill, num, time } from "./format.js";

const POLL_MS = 5000;
const nameBox = document.getElementById("filter-name");
const statusBox = document.getElementById("filter-status");
const sortBox = document.getElementById("sort");
// The filters apply as they change; Enter in the name box must not reload the page.
document.getElementById("filters").addEventListener("submit", (e) => e.preventDefault());
const body = document.querySelector("#studies tbody");
let studies = null;

function counts(study) {
  const states = STATES.filter((s) => study.trial_counts[s]);
  if (!states.length) return el("span", { class: "muted" }, "no trial yet");
  return el(
    "span",
    { class: "counts-inline" },
    states.map((s) =>
      el("span", { class: `count state-${s}` }, el("b", {}, study.trial_counts[s]), ` ${s}`),
    ),
  );
}

function row(study) {
  const best = study.best_trial;
  const several = (study.objectives || []).length >= 2; // no one best value
  return el(
    "tr",
    { "data-study-id": study.id },
    el("td", {}, el("a", { href: `/studies/${study.id}` }, study.name)),
    el(
      "td",
      {},
      badge(study.status),
      study.status_reason ? el("div", { class: "reason muted" }, study.status_reason) : null,
    ),
    el("td", {}, study.algorithm?.name ?? "–"),
    el("td", {}, counts(study)),
    el(
      "td",
      { class: "num" },
      several ? el("span", { class: "muted" }, "Pareto front") : best ? num(best.value) : "–",
      best ? el("span", { class: "muted" }, ` #${best.number}`) : null,
    ),
    el("td", {}, several ? study.objectives.map((o) => `${o.name} ${o.direction}`).join(", ") : study.direction),
    el("td", {}, time(study.created_at)),
    el(
      "td",
      { class: "activity", title: time(study.last_activity_at) },
      study.last_activity_at ? ago(study.last_activity_at, serverNow()) : "none yet",
    ),
  );
}

function render() {
  if (studies === null) return;
  const name = nameBox.value.trim().toLowerCase();
  const status = statusBox.value;
  const field = sortBox.value === "activity" ? "last_activity_at" : "created_at";
  const latest = (s) => Date.parse(s[field] || s.created_at);
  const shown = studies
    .filter(
      (s) => (!name || s.name.toLowerCase().includes(name)) && (!status || s.status === status),
    )
    .sort((a, b) => latest(b) - latest(a) || b.id - a.id);
  const why = studies.length
    ? "No study matches the filter."
    : "No study yet: create one with POST /v1/studies (see the API reference).";
  fill(
    body,
    shown.length ? shown.map(row) : el("tr", {}, el("td", { colspan: 8, class: "muted" }, why)),
  );
  document.getElementById("studies-shown").textContent =
    `${shown.length} of ${studies.length} studies`;
}

function keepFilterInUrl() {
  const url = new URL(window.location.href);
  for (const [key, box] of [
    ["name", nameBox],
    ["status", statusBox],
    ["sort", sortBox],
  ]) {
    if (box.value) url.searchParams.set(key, box.value);
    else url.searchParams.delete(key);
  }
  window.history.replaceState(null, "", url);
  render();
}

async function poll() {
  try {
    studies = await api.studies();
    render();
    if (!performance.getEntriesByName("studies-listed").length) performance.mark("studies-listed");
    banner(null);
  } catch (err) {
    banner(`Could not load the studies: ${err.message}. Trying again every ${POLL_MS / 1000} s.`);
  }
  setTimeout(poll, POLL_MS);
}

const query = new URLSearchParams(window.location.search);
nameBox.value = query.get("name") || "";
statusBox.value = query.get("status") || "";
sortBox.value = query.get("sort") || "";
nameBox.addEventListener("input", keepFilterInUrl);
statusBox.addEventListener("change", keepFilterInUrl);
sortBox.addEventListener("change", keepFilterInUrl);
poll();
