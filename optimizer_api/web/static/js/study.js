// The study page: polls the public API and redraws the header, charts, tables and the
// open trial. Data comes from api.js only; chart options from charts.js.

import * as api from "./api.js";
import * as charts from "./charts.js";
import { trialsTable } from "./trials_table.js";
import {
  STATES,
  badge,
  banner,
  duration,
  el,
  fill,
  num,
  param,
  secondsBetween,
  time,
} from "./format.js";

const POLL_MS = 3000;
const root = document.getElementById("study");
const studyId = root.dataset.studyId;
const $ = (id) => document.getElementById(id);

const page = {
  study: null,
  trials: [],
  studyKey: "",
  trialsKey: null, // null: nothing drawn yet
  completedKey: null,
  openTrialId: null,
  importanceMissing: false,
  refreshes: 0,
};

// -- charts --------------------------------------------------------------------------
const instances = new Map();

function chartOf(node) {
  if (!instances.has(node)) {
    const chart = window.echarts.init(node);
    new ResizeObserver(() => chart.resize()).observe(node);
    instances.set(node, chart);
  }
  return instances.get(node);
}

/** Draw a {option, empty} pair into a chart box, with the reason shown when empty. */
function draw(node, { option, empty }) {
  chartOf(node).setOption(option, { notMerge: true });
  const note = node.parentElement.querySelector(".chart-empty");
  note.hidden = !empty;
  note.textContent = empty || "";
}

function drawHistory() {
  const logBox = $("history-log");
  logBox.disabled = !charts.canLog(page.trials);
  logBox.parentElement.title = logBox.disabled ? "a log scale needs every value above 0" : "";
  const log = logBox.checked && !logBox.disabled;
  draw($("chart-history"), charts.historyOption(page.study, page.trials, { log }));
}

function drawCurves() {
  const showPruned = $("curves-pruned").checked;
  draw($("chart-curves"), charts.curvesOption(page.study, page.trials, { showPruned }));
}

/** Parallel coordinates and slices draw completed trials only: they are redrawn (and a
 * brushed selection dropped) only when those change, not at each report of a running one. */
function drawCompleted() {
  const key = page.trials
    .filter((t) => t.state === "completed")
    .map((t) => t.id)
    .join();
  if (key === page.completedKey) return;
  page.completedKey = key;
  draw($("chart-parallel"), charts.parallelOption(page.study, page.trials));
  parallelSelection.reset();
  const box = $("slices");
  const names = Object.keys(page.study.space);
  if (box.children.length !== names.length) {
    fill(
      box,
      names.map((name) =>
        el("div", { class: "chart-box" }, el("div", { class: "chart slice", "data-param": name })),
      ),
    );
  }
  let empty = null;
  for (const node of box.querySelectorAll(".slice")) {
    const slice = charts.sliceOption(page.study, page.trials, node.dataset.param);
    chartOf(node).setOption(slice.option, { notMerge: true });
    empty = slice.empty;
  }
  $("slices-empty").hidden = !empty;
  $("slices-empty").textContent = empty || "";
}

// Brushing on the parallel axes: count the trials inside every selected range.
const parallelSelection = {
  ranges: new Map(),
  reset() {
    this.ranges.clear();
    this.show();
  },
  update(event) {
    const dim = Number(String(event.parallelAxisId).replace(/\D+/g, ""));
    if (event.intervals.length) this.ranges.set(dim, event.intervals);
    else this.ranges.delete(dim);
    this.show();
  },
  show() {
    const option = chartOf($("chart-parallel")).getOption();
    const rows = option.series[0]?.data || [];
    const axes = option.parallelAxis;
    const inside = rows.filter((row) =>
      [...this.ranges].every(([dim, intervals]) => {
        let v = row.value[dim];
        if (axes[dim].type === "category") v = axes[dim].data.indexOf(v);
        return intervals.some(([lo, hi]) => v >= lo && v <= hi);
      }),
    );
    if (!this.ranges.size || !rows.length) {
      $("parallel-selected").textContent = `${rows.length} completed trials.`;
      return;
    }
    const best = inside.reduce(
      (b, r) => (b && !charts.better(page.study.direction, r.value.at(-1), b.value.at(-1)) ? b : r),
      null,
    );
    $("parallel-selected").textContent =
      `${inside.length} of ${rows.length} trials selected` +
      (best ? `; best of them: trial ${best.trial}, value ${num(best.value.at(-1))}.` : ".");
  },
};

// -- header ----------------------------------------------------------------------------
function renderHeader(study) {
  $("study-name").textContent = study.name;
  document.title = `${study.name} · optimizer-api`;
  fill($("study-status"), badge(study.status));
  $("study-reason").textContent = study.status_reason || "";
  const counts = study.trial_counts;
  const total = STATES.reduce((sum, s) => sum + (counts[s] || 0), 0);
  fill(
    $("counts"),
    el("h3", {}, `${total} trials`),
    el(
      "ul",
      { class: "counts" },
      STATES.map((s) =>
        el("li", { class: `count state-${s}` }, el("b", {}, counts[s] || 0), ` ${s}`),
      ),
    ),
  );
  const best = study.best_trial;
  fill(
    $("best"),
    el("h3", {}, `Best value (${study.direction})`),
    best
      ? [
          el(
            "p",
            { class: "best-value" },
            num(best.value),
            el("span", { class: "muted" }, ` trial ${best.number}`),
          ),
          el(
            "p",
            { class: "params-inline" },
            Object.entries(best.params).map(([k, v]) =>
              el("span", {}, el("code", {}, k), ` ${param(v)}`),
            ),
          ),
        ]
      : el("p", { class: "muted" }, "No completed trial yet."),
  );
}

function options(obj) {
  const entries = Object.entries(obj || {});
  return entries.length
    ? entries
        .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : param(v)}`)
        .join(", ")
    : "";
}

function renderDefinition(study) {
  const algorithm = study.algorithm || {};
  const rule = study.early_stopping;
  const { rule: ruleName, ...ruleOptions } = rule || {};
  const rows = [
    ["Direction", study.direction],
    ["Algorithm", [algorithm.name, options(algorithm.options)].filter(Boolean).join(": ")],
    ["Early stopping", rule ? [ruleName, options(ruleOptions)].filter(Boolean).join(": ") : "none"],
    ["Max trials", study.max_trials ?? "no limit"],
    ["Max failed trials", study.max_failed_trials ?? "no limit"],
    ["Target value", study.target_value ?? "none"],
    [
      "Stop after no improvement for",
      study.no_improvement_trials != null ? `${study.no_improvement_trials} trials` : "never",
    ],
    [
      "Max duration",
      study.max_duration_seconds != null ? duration(study.max_duration_seconds) : "no limit",
    ],
    ["Lease", study.lease_seconds != null ? duration(study.lease_seconds) : "–"],
    ["Seed", study.seed ?? "none"],
    ["Created", time(study.created_at)],
  ];
  fill(
    $("definition"),
    rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]),
  );
  fill(
    document.querySelector("#space tbody"),
    Object.entries(study.space).map(([name, spec]) =>
      el(
        "tr",
        {},
        el("td", {}, el("code", {}, name)),
        el("td", {}, spec.type),
        el(
          "td",
          {},
          spec.type === "categorical"
            ? spec.choices.map(param).join(", ")
            : `${param(spec.low)} … ${param(spec.high)}${spec.step ? `, step ${param(spec.step)}` : ""}`,
        ),
        el("td", {}, spec.log ? "log" : spec.type === "categorical" ? "–" : "linear"),
      ),
    ),
  );
}

// -- running trials ----------------------------------------------------------------------
function renderRunning(running) {
  const now = api.serverNow();
  const lease = page.study.lease_seconds;
  const rows = running.map((t) => {
    const expiresIn = secondsBetween(new Date(now).toISOString(), t.lease_expires_at);
    const age = lease != null && expiresIn != null ? lease - expiresIn : null;
    const last = t.intermediate_values.at(-1);
    return el(
      "tr",
      {
        class: age != null && age > lease / 2 ? "clickable stale" : "clickable",
        "data-trial-id": t.id,
        onclick: () => openTrial(t.id),
      },
      el("td", { class: "num" }, t.number),
      el("td", {}, t.worker_id || "–"),
      el("td", {}, duration(secondsBetween(t.created_at, null, now))),
      el("td", {}, duration(age)),
      el(
        "td",
        {},
        expiresIn == null
          ? "–"
          : expiresIn >= 0
            ? duration(expiresIn)
            : `lapsed ${duration(-expiresIn)} ago`,
      ),
      el("td", { class: "num" }, t.intermediate_values.length),
      el("td", { class: "num" }, last ? num(last.value) : "–"),
    );
  });
  fill(
    document.querySelector("#running tbody"),
    rows.length
      ? rows
      : el("tr", {}, el("td", { colspan: 7, class: "muted" }, "No trial is running.")),
  );
}

// -- one trial ---------------------------------------------------------------------------
function openTrial(trialId) {
  page.openTrialId = trialId;
  $("trial-detail").hidden = false;
  renderTrial().catch((err) => banner(`Could not load the trial: ${err.message}`));
}

function closeTrial() {
  page.openTrialId = null;
  $("trial-detail").hidden = true;
}

function flatten(obj, prefix = "") {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? flatten(v, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v]],
  );
}

async function renderTrial() {
  const t = await api.trial(studyId, page.openTrialId);
  const now = api.serverNow();
  $("trial-title").textContent = `Trial ${t.number}`;
  const fields = [
    ["State", [badge(t.state), t.reason ? ` ${t.reason}` : ""]],
    ["Value", num(t.value)],
    ["Created", time(t.created_at)],
    ["Finished", time(t.finished_at)],
    ["Duration", duration(secondsBetween(t.created_at, t.finished_at, now))],
    ["Worker", t.worker_id || "–"],
    ["Origin", t.external ? "reported from outside (params chosen by the user)" : "suggested"],
  ];
  if (t.state === "running") fields.push(["Lease expires", time(t.lease_expires_at)]);
  fill(
    $("trial-fields"),
    fields.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]),
  );
  fill(
    document.querySelector("#trial-params tbody"),
    Object.entries(t.params).map(([k, v]) =>
      el("tr", {}, el("td", {}, el("code", {}, k)), el("td", { class: "num" }, param(v))),
    ),
  );
  draw($("chart-trial"), charts.trialCurveOption(t));
  fill(
    $("trial-info"),
    t.info
      ? el(
          "dl",
          { class: "info" },
          flatten(t.info).flatMap(([k, v]) => [
            el("dt", {}, k),
            el("dd", {}, typeof v === "number" ? num(v) : String(v)),
          ]),
        )
      : el("p", { class: "muted" }, "Nothing recorded."),
  );
}

// -- importance ------------------------------------------------------------------------
async function renderImportance() {
  if (page.importanceMissing) return;
  const box = $("importance");
  const answer = await api.importance(studyId);
  if (answer === null) {
    page.importanceMissing = true;
    fill(
      box,
      el("p", { class: "muted" }, "Not available: this service has no importance endpoint yet."),
    );
    return;
  }
  if (!box.querySelector(".chart")) {
    fill(
      box,
      el(
        "div",
        { class: "chart-box" },
        el("div", { class: "chart short" }),
        el("p", { class: "chart-empty", hidden: true }),
      ),
    );
  }
  draw(box.querySelector(".chart"), charts.importanceOption(answer));
}

// -- the polling loop ----------------------------------------------------------------------
const table = trialsTable({ studyId, onOpen: openTrial });

function trialsKey(trials) {
  return trials.map((t) => `${t.id}:${t.state}:${t.value}:${t.intermediate_values.length}`).join();
}

async function refresh() {
  const study = await api.study(studyId);
  const first = page.study === null;
  page.study = study;
  if (first) renderDefinition(study);
  renderHeader(study);
  // Running trials report intermediate values without changing the study's counts.
  const studyKey = JSON.stringify([study.trial_counts, study.status, study.best_trial?.id]);
  const changed = studyKey !== page.studyKey || study.trial_counts.running > 0;
  page.studyKey = studyKey;
  if (changed) {
    page.trials = await api.history(studyId);
    const key = trialsKey(page.trials);
    if (key !== page.trialsKey) {
      page.trialsKey = key;
      drawHistory();
      drawCurves();
      drawCompleted();
      await renderImportance();
    }
    await table.refresh(study);
  }
  renderRunning(await api.running(studyId));
  if (page.openTrialId !== null) await renderTrial();
  page.refreshes += 1;
  root.dataset.refreshes = page.refreshes;
  $("updated").textContent = `updated ${time(new Date().toISOString())}`;
}

async function poll() {
  try {
    await refresh();
    banner(null);
  } catch (err) {
    if (err.status === 404) {
      banner("This study no longer exists (the API answers 404).");
      return; // nothing more to poll
    }
    banner(`Could not load the study: ${err.message}. Trying again every ${POLL_MS / 1000} s.`);
  }
  setTimeout(
    () =>
      document.hidden
        ? document.addEventListener("visibilitychange", poll, { once: true })
        : poll(),
    POLL_MS,
  );
}

$("history-log").addEventListener("change", drawHistory);
$("curves-pruned").addEventListener("change", drawCurves);
$("trial-close").addEventListener("click", closeTrial);
document.addEventListener("keydown", (e) => e.key === "Escape" && closeTrial());
chartOf($("chart-parallel")).on("axisareaselected", (e) => parallelSelection.update(e));
poll();
