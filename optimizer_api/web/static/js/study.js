// The study page: polls the study (its counts) every few seconds and refetches what the
// counts say changed: the chart subsets (/history, /curves) when trials finish, importance
// when completed trials change (at most every 30 s), the running trials at every poll.
// Data comes from api.js only; chart options from charts.js.

import * as api from "./api.js";
import * as charts from "./charts.js";
import { renderDefinition, renderHeader } from "./study_header.js";
import { trialsTable } from "./trials_table.js";
import {
  badge,
  banner,
  count,
  duration,
  el,
  fill,
  num,
  param,
  secondsBetween,
  time,
} from "./format.js";

const POLL_MS = 3000;
const IMPORTANCE_EVERY_MS = 30_000; // ~1 s of the server's time at 40k completed trials
const RUNNING_CURVES = 25; // running trials' curves drawn beside /curves' subset
const PARETO_BIG = 5000; // candidates past which the front is refetched at most every 30 s
const root = document.getElementById("study");
const studyId = root.dataset.studyId;
const $ = (id) => document.getElementById(id);

const page = {
  study: null,
  history: { trials: [], total: 0 }, // /history: finished trials, a chosen subset of big studies
  pareto: null, // /pareto, for studies of several objectives
  paretoAt: 0, // when it was fetched
  curves: { trials: [], total: 0 }, // /curves: trials with intermediate values, likewise
  running: { trials: [], total: 0 }, // the oldest running trials, fresh at every poll
  finishedKey: null, // what history and curves were fetched for
  countsKey: null, // what the trials table was fetched for
  curvesKey: null, // what the curves chart shows
  completedKey: null, // what parallel coordinates and slices show
  importance: { completed: null, at: 0 }, // completed trials at the last fetch, and when
  openTrialId: null,
  refreshes: 0,
};

/** A performance mark, the first time only: benchmarks/dashboard_load.py reads them. */
function markOnce(name) {
  if (!performance.getEntriesByName(name, "mark").length) performance.mark(name);
}

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

/** "2,000 of 50,000 finished trials shown: ..." when the API sent a subset, else "". */
function sampled(shown, total, what, how) {
  return shown < total ? `${count(shown)} of ${count(total)} ${what} shown: ${how}.` : "";
}

function drawHistory() {
  if (charts.objectiveNames(page.study).length >= 2) {
    drawObjectiveHistories();
    return;
  }
  const { trials, total } = page.history;
  const logBox = $("history-log");
  logBox.disabled = !charts.canLog(trials);
  logBox.parentElement.title = logBox.disabled ? "a log scale needs every value above 0" : "";
  const log = logBox.checked && !logBox.disabled;
  draw($("chart-history"), charts.historyOption(page.study, trials, { log }));
  $("history-shown").textContent = sampled(
    trials.length,
    total,
    "finished trials",
    "every change of the best so far, the best trials and an even sample of the rest",
  );
}

/** Several objectives: the hypervolume so far, then one chart per objective (a log scale
 * where that objective's values are all above 0). */
function drawObjectiveHistories() {
  const { trials, total } = page.history;
  const names = charts.objectiveNames(page.study);
  $("history-single").hidden = true;
  $("history-multi").hidden = false;
  draw($("chart-hypervolume"), charts.hypervolumeOption(page.study, trials, page.pareto));
  const box = $("objective-histories");
  if (box.children.length !== names.length) {
    fill(
      box,
      names.map((name) => {
        const { direction } = page.study.objectives.find((o) => o.name === name);
        return el(
          "div",
          { class: "chart-box" },
          el("div", {
            class: "chart objective-history",
            "data-objective": name,
            role: "img",
            "aria-label": `${name} (${direction}) of each finished trial, by trial number`,
          }),
          el("p", { class: "chart-empty", hidden: true }),
        );
      }),
    );
  }
  const logBox = $("history-log");
  const loggable = names.filter((name) => charts.canLogObjective(trials, name));
  logBox.disabled = !loggable.length;
  logBox.parentElement.title = logBox.disabled
    ? "a log scale needs an objective whose values are all above 0"
    : loggable.length < names.length
      ? `log scale for ${loggable.join(", ")} (the others have values at or below 0)`
      : "";
  for (const node of box.querySelectorAll(".objective-history")) {
    const name = node.dataset.objective;
    const log = logBox.checked && loggable.includes(name);
    draw(node, charts.objectiveHistoryOption(page.study, trials, name, { log }));
  }
  $("history-shown").textContent = sampled(
    trials.length,
    total,
    "finished trials",
    "chosen by the first objective; the hypervolume curve also counts every trial on the front",
  );
}

// -- Pareto front (studies of several objectives) ---------------------------------------
/** Fill the objective selects once: x the first objective, y the second. */
function setUpPareto(study) {
  const names = charts.objectiveNames(study);
  $("pareto-panel").hidden = names.length < 2;
  if (names.length < 2) return;
  for (const [id, chosen] of [["pareto-x", names[0]], ["pareto-y", names[1]]]) {
    fill($(id), names.map((n) => el("option", { value: n, selected: n === chosen }, n)));
    $(`${id}-box`).hidden = names.length === 2; // two objectives: nothing to choose
    $(id).addEventListener("change", drawPareto);
  }
}

function drawPareto() {
  if (!page.pareto) return;
  const axes = { x: $("pareto-x").value, y: $("pareto-y").value };
  const { option, empty, counts } = charts.paretoOption(
    page.study,
    page.history.trials,
    page.pareto,
    axes,
  );
  draw($("chart-pareto"), { option, empty });
  const p = page.pareto;
  const hv = p.hypervolume == null ? "" : `; hypervolume ${num(p.hypervolume)} up to (${p.reference_point.map(num).join(", ")})`;
  const projected = charts.objectiveNames(page.study).length > 2 ? " (the front of every objective, seen on two)" : "";
  $("pareto-shown").textContent =
    `${count(p.trials.length)} on the front of ${count(p.n_candidates)} feasible completed trials${projected}` +
    `${hv}; ${count(counts.infeasible)} infeasible shown.`;
}

/** The front, asked for beside /history (it is drawn over history's trials). It reads
 * every feasible completed trial (~1 s of the server's time at 40,000 of them): past
 * PARETO_BIG candidates, at most every 30 s. */
async function loadParetoData() {
  if (charts.objectiveNames(page.study).length < 2) return;
  const last = page.pareto;
  if (last && last.n_candidates > PARETO_BIG && Date.now() - page.paretoAt < IMPORTANCE_EVERY_MS)
    return;
  page.pareto = await api.pareto(studyId);
  page.paretoAt = Date.now();
}

/** /curves' subset, its running trials replaced by their fresh copies from the running
 * list, and the running trials it did not have added (their curves grow at every poll). */
function curveTrials() {
  const fresh = new Map(page.running.trials.map((t) => [t.id, t]));
  const shown = page.curves.trials.map((t) => fresh.get(t.id) ?? t);
  const ids = new Set(shown.map((t) => t.id));
  const more = page.running.trials.filter((t) => !ids.has(t.id) && t.intermediate_values.length);
  return shown.concat(more.slice(-RUNNING_CURVES));
}

function drawCurves({ force = false } = {}) {
  const trials = curveTrials();
  const key = trials.map((t) => `${t.id}:${t.state}:${t.intermediate_values.length}`).join();
  if (key === page.curvesKey && !force) return;
  page.curvesKey = key;
  const showPruned = $("curves-pruned").checked;
  draw($("chart-curves"), charts.curvesOption(page.study, trials, { showPruned }));
  const total = page.curves.total + trials.length - page.curves.trials.length;
  $("curves-shown").textContent = sampled(
    trials.length,
    total,
    "trials with intermediate values",
    "the best, the latest running and an even sample of the rest",
  );
}

/** Parallel coordinates and slices draw completed trials only: they are redrawn (and a
 * brushed selection dropped) only when those change, not at each report of a running one. */
function drawCompleted() {
  const trials = page.history.trials;
  const key = trials
    .filter((t) => t.state === "completed")
    .map((t) => t.id)
    .join();
  if (key === page.completedKey) return;
  page.completedKey = key;
  const box = $("chart-parallel");
  const size = { width: box.clientWidth, height: box.clientHeight };
  draw(box, charts.parallelOption(page.study, trials, size));
  markOnce("parallel-drawn");
  parallelSelection.reset();
  const slices = $("slices");
  const names = Object.keys(page.study.space);
  if (slices.children.length !== names.length) {
    fill(
      slices,
      names.map((name) =>
        el("div", { class: "chart-box" }, el("div", { class: "chart slice", "data-param": name })),
      ),
    );
  }
  let empty = null;
  for (const node of slices.querySelectorAll(".slice")) {
    const slice = charts.sliceOption(page.study, trials, node.dataset.param, {
      width: node.clientWidth,
    });
    chartOf(node).setOption(slice.option, { notMerge: true });
    empty = slice.empty;
  }
  const first = page.study.objectives?.[0];
  if (charts.objectiveNames(page.study).length) {
    $("slices-what").textContent = `${first.name} (the first objective, ${first.direction})`;
  }
  $("slices-empty").hidden = !empty;
  $("slices-empty").textContent = empty || "";
  const drawn = trials.filter((t) => t.state === "completed").length;
  $("slices-shown").textContent =
    drawn < page.study.trial_counts.completed
      ? `${count(drawn)} of ${count(page.study.trial_counts.completed)} completed trials shown.`
      : "";
}

// Brushing on the parallel axes: count the trials inside every selected range, and offer
// the ranges (of the parameters; the API filters on nothing else) as the table's filter.
const parallelSelection = {
  ranges: new Map(), // axis index -> [[lo, hi], ...]
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
  /** The selected ranges as the trials API's `params` filter (one range per number). */
  asParams() {
    const names = Object.keys(page.study.space);
    const out = {};
    for (const [dim, intervals] of this.ranges) {
      const spec = page.study.space[names[dim]];
      if (!spec) continue; // the value axis
      if (spec.type === "categorical") {
        const inside = (i) => intervals.some(([lo, hi]) => i >= lo && i <= hi);
        out[names[dim]] = { in: spec.choices.filter((_, i) => inside(i)) };
      } else {
        // A brush is drawn by hand: four digits are enough, and ints round inwards.
        const [lo, hi] = [
          Math.min(...intervals.map((r) => r[0])),
          Math.max(...intervals.map((r) => r[1])),
        ];
        const int = spec.type === "int";
        out[names[dim]] = {
          min: int ? Math.ceil(lo) : Number(lo.toPrecision(4)),
          max: int ? Math.floor(hi) : Number(hi.toPrecision(4)),
        };
      }
    }
    return out;
  },
  show() {
    const option = chartOf($("chart-parallel")).getOption();
    const rows = option.series[0]?.data || [];
    const axes = option.parallelAxis;
    $("parallel-filter").hidden = !Object.keys(this.asParams()).length || !rows.length;
    const inside = rows.filter((row) =>
      [...this.ranges].every(([dim, intervals]) => {
        let v = row.value[dim];
        if (v == null) return false; // inactive in this trial: outside every range
        if (axes[dim].type === "category") v = axes[dim].data.indexOf(v);
        return intervals.some(([lo, hi]) => v >= lo && v <= hi);
      }),
    );
    const completed = page.study.trial_counts.completed;
    const of = rows.length < completed ? ` (of ${count(completed)})` : "";
    if (!this.ranges.size || !rows.length) {
      $("parallel-selected").textContent = `${count(rows.length)}${of} completed trials.`;
      return;
    }
    // Several objectives: no one best among them.
    const single = !charts.objectiveNames(page.study).length;
    const best = !single ? null : inside.reduce(
      (b, r) => (b && !charts.better(page.study.direction, r.value.at(-1), b.value.at(-1)) ? b : r),
      null,
    );
    $("parallel-selected").textContent =
      `${count(inside.length)} of ${count(rows.length)}${of} trials selected` +
      (best ? `; best of them: trial ${best.trial}, value ${num(best.value.at(-1))}.` : ".");
  },
};

// -- running trials ----------------------------------------------------------------------
function renderRunning({ trials: running, total }) {
  $("running-shown").textContent =
    total > running.length ? `the oldest ${count(running.length)} of ${count(total)}` : "";
  const now = api.serverNow();
  const lease = page.study.lease_seconds;
  const rows = running.map((t) => {
    const expiresIn = secondsBetween(new Date(now).toISOString(), t.lease_expires_at);
    const age = lease != null && expiresIn != null ? lease - expiresIn : null;
    const last = charts.judgedCurve(page.study, t).at(-1);
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
      el("td", { class: "num" }, charts.judgedCurve(page.study, t).length),
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
    [
      "Origin",
      t.external
        ? "reported from outside (params chosen by the user)"
        : t.info?.source === "queued" || t.state === "queued" || t.state === "cancelled"
          ? "queued by the user"
          : "suggested",
    ],
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
  draw($("chart-trial"), charts.trialCurveOption(t, page.study));
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
  const attrs = flatten(t.user_attrs || {});
  fill(
    $("trial-user-attrs"),
    attrs.length
      ? el(
          "dl",
          { class: "info" },
          attrs.flatMap(([k, v]) => [
            el("dt", {}, k),
            el("dd", {}, Array.isArray(v) ? JSON.stringify(v) : String(v)),
          ]),
        )
      : el("p", { class: "muted" }, "None (set them at observe: user_attrs)."),
  );
}

// -- importance ------------------------------------------------------------------------
/** Importance changes only with the completed trials, and costs the server ~1 s at 40k of
 * them: fetch it when they changed, and not more often than every 30 s. */
function importanceDue(study) {
  const { completed, at } = page.importance;
  if (completed === study.trial_counts.completed) return false;
  return completed === null || Date.now() - at >= IMPORTANCE_EVERY_MS;
}

/** "minimize", or "error (minimize), the first objective" for a study of several. */
function firstObjective(study) {
  if (!charts.objectiveNames(study).length) return study.direction;
  const { name, direction } = study.objectives[0];
  return `${name} (${direction}), the first objective`;
}

async function loadImportance(study) {
  const answer = await api.importance(studyId);
  page.importance = { completed: study.trial_counts.completed, at: Date.now() };
  const { option, empty } = charts.importanceOption(answer);
  const chart = $("chart-importance");
  chart.style.height = `${Math.max(120, 34 * Object.keys(answer.importances).length + 36)}px`;
  chartOf(chart).resize();
  draw(chart, { option, empty });
  const quantile = `${Number((100 * answer.target_quantile).toPrecision(3))} %`;
  $("importance-how").textContent =
    answer.n_trials >= 2
      ? `${answer.method}: how much each parameter's values among the best ${quantile} ` +
        `(${count(answer.n_top)} trials, by ${firstObjective(study)}) differ from all ` +
        `${count(answer.n_trials)} completed trials; refreshed at most every 30 s.`
      : "";
  markOnce("importance-drawn");
}

// -- the polling loop ----------------------------------------------------------------------
const table = trialsTable({ studyId, onOpen: openTrial });

async function loadHistory(asked = api.history(studyId)) {
  const [history] = await Promise.all([asked, loadParetoData()]);
  page.history = history;
  markOnce("history-fetched");
  drawPareto();
  drawHistory();
  markOnce("history-drawn");
  drawCompleted();
  markOnce("parameters-drawn");
}

async function loadCurves(asked = api.curves(studyId)) {
  page.curves = await asked;
  drawCurves();
  markOnce("curves-drawn");
}

async function loadRunning() {
  page.running = await api.running(studyId);
  renderRunning(page.running);
  if (page.finishedKey !== null) drawCurves(); // curves of running trials grow between polls
}

async function refresh() {
  const first = page.study === null;
  // The first time, the charts' data is asked for beside the study (it needs none of it).
  const early = first ? [api.history(studyId), api.curves(studyId)] : [];
  early.forEach((p) => p.catch(() => {})); // awaited below, or dropped if the study fails
  const study = await api.study(studyId);
  page.study = study;
  if (first) {
    renderDefinition(study);
    setUpPareto(study);
  }
  renderHeader(study);
  const { running, ...finished } = study.trial_counts;
  const finishedKey = JSON.stringify([finished, study.best_trial?.id]);
  const countsKey = JSON.stringify([study.trial_counts, study.status]);
  const chartData =
    finishedKey !== page.finishedKey ? [loadHistory(early[0]), loadCurves(early[1])] : [];
  const tasks = [...chartData, loadRunning()];
  if (countsKey !== page.countsKey) tasks.push(table.refresh(study));
  // Importance is the slowest answer: asked for once the charts' data arrived, it does
  // not hold a server worker they wait for.
  if (importanceDue(study)) tasks.push(Promise.all(chartData).then(() => loadImportance(study)));
  if (page.openTrialId !== null) tasks.push(renderTrial());
  await Promise.all(tasks);
  // Only once everything arrived: after a failure, the next poll asks again.
  page.finishedKey = finishedKey;
  page.countsKey = countsKey;
  page.refreshes += 1;
  root.dataset.refreshes = page.refreshes;
  markOnce("first-refresh");
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
$("curves-pruned").addEventListener("change", () => drawCurves({ force: true }));
$("parallel-filter").addEventListener("click", () => {
  table.filterTo(parallelSelection.asParams());
  $("trials-panel").scrollIntoView({ behavior: "smooth" });
});
$("trial-close").addEventListener("click", closeTrial);
document.addEventListener("keydown", (e) => e.key === "Escape" && closeTrial());
chartOf($("chart-parallel")).on("axisareaselected", (e) => parallelSelection.update(e));
poll();
