// ECharts options built from the API's study and trials: pure functions, no DOM, no fetch.
// Each builder returns {option, empty}: `empty` is the reason to show instead of data.

import { COLORS, count, html, num, param, whenText } from "./format.js";
import { LABEL_GAP, axisTicks, categoryInterval, niceStep } from "./ticks.js";

const BASE = { animation: false, textStyle: { fontFamily: "system-ui, sans-serif" } };
const AXIS_LABEL = { formatter: (v) => num(v), hideOverlap: true };

// The band under a history chart where trials without a value (failed) are drawn.
const NO_VALUE_AXIS = {
  type: "value",
  gridIndex: 1,
  min: 0,
  max: 1,
  name: "no value",
  nameLocation: "middle",
  nameRotate: 0,
  nameGap: 8,
  nameTextStyle: { color: "#656d76", align: "right" },
  axisLabel: { show: false },
  axisTick: { show: false },
  splitLine: { show: false },
};
const TOOLTIP = { trigger: "item", confine: true, appendTo: "body" };
// Past 500 points a scatter is drawn as one path: 2,000 points in ~30 ms instead of ~150.
// Its points are arrays ([x, y, trial number]); per-point styles would be ignored.
const LARGE = { large: true, largeThreshold: 500 };

/** Is a better than b in this study's direction? */
export function better(direction, a, b) {
  return direction === "maximize" ? a > b : a < b;
}

function hasValue(t) {
  return t.value != null && (t.state === "completed" || t.state === "pruned");
}

/** A log axis needs every value above 0. */
export function canLog(trials) {
  const values = trials.filter(hasValue).map((t) => t.value);
  return values.length > 0 && values.every((v) => v > 0);
}

function point(t, x, y) {
  return { value: [x, y], trial: t.number, state: t.state };
}

function curveTooltip(params) {
  const d = params.data;
  if (!d || d.trial == null) return "";
  return `trial ${d.trial} · ${d.state}<br>step ${d.step}: ${num(d.value[1])}`;
}

/** A history point is [trial number, value, trial number]; its series is its state. */
function historyTooltip(params) {
  const [trial, value] = params.value;
  const state = params.seriesId;
  return `trial ${trial} · ${state}<br>${state === "failed" ? "no value" : num(value)}`;
}

// -- optimization history ------------------------------------------------------------
// Trials with a value are drawn against their number; failed ones, which have none, sit in
// a band under the plot (a second grid sharing the trial-number axis).
const CROSS = "path://M0,0L10,10M10,0L0,10";

function scatter(id, data, color, symbol, extra = {}) {
  return {
    id,
    name: id,
    type: "scatter",
    data,
    symbol,
    symbolSize: 8,
    itemStyle: { color },
    ...LARGE,
    ...extra,
  };
}

function bestSoFar(direction, completed) {
  let best = null;
  return completed.map((t) => {
    if (best === null || better(direction, t.value, best)) best = t.value;
    return [t.number, best];
  });
}

export function historyOption(study, trials, { log = false } = {}) {
  const valued = (state) => trials.filter((t) => t.state === state && hasValue(t));
  const at = (t, y) => [t.number, y, t.number];
  const band = (state) =>
    trials.filter((t) => t.state === state && t.value == null).map((t) => at(t, 0.5));
  const inBand = { xAxisIndex: 1, yAxisIndex: 1 };
  const numbers = trials.map((t) => t.number);
  const [lo, hi] = numbers.length ? [Math.min(...numbers), Math.max(...numbers)] : [0, 1];
  const trialAxis = { type: "value", minInterval: 1, min: lo, max: Math.max(hi, lo + 1) };
  const option = {
    ...BASE,
    legend: { top: 0, itemGap: 16 },
    tooltip: { ...TOOLTIP, formatter: historyTooltip },
    // Fixed margins (no room made for labels) keep the two grids' trial numbers aligned.
    grid: [
      { left: 72, right: 24, top: 36, bottom: 86, outerBoundsMode: "none" },
      { left: 72, right: 24, height: 18, bottom: 40, outerBoundsMode: "none" },
    ],
    xAxis: [
      { ...trialAxis, gridIndex: 0, axisLabel: { show: false } },
      { ...trialAxis, gridIndex: 1, name: "trial number", nameLocation: "middle", nameGap: 26 },
    ],
    yAxis: [
      {
        type: log ? "log" : "value",
        gridIndex: 0,
        scale: true,
        name: "value",
        axisLabel: AXIS_LABEL,
      },
      { ...NO_VALUE_AXIS },
    ],
    series: [
      scatter(
        "completed",
        valued("completed").map((t) => at(t, t.value)),
        COLORS.completed,
        "circle",
      ),
      scatter(
        "pruned",
        valued("pruned").map((t) => at(t, t.value)),
        COLORS.pruned,
        "triangle",
      ),
      {
        id: "best",
        name: "best so far",
        type: "line",
        step: "end",
        z: 3,
        data: bestSoFar(study.direction, valued("completed")),
        showSymbol: false,
        lineStyle: { color: COLORS.best, width: 2 },
        itemStyle: { color: COLORS.best },
        tooltip: { show: false },
      },
      scatter("failed", band("failed"), COLORS.failed, CROSS, {
        ...inBand,
        itemStyle: { color: "transparent", borderColor: COLORS.failed, borderWidth: 2 },
      }),
    ],
  };
  let empty = null;
  if (!trials.some(hasValue)) {
    const failed = trials.filter((t) => t.state === "failed").length;
    empty = "No trial has finished yet: each finished trial's value appears here, in trial order.";
    if (failed) empty += ` (${failed} failed, without a value.)`;
  }
  return { option, empty };
}

// -- optimization history of several objectives ---------------------------------------
// A best-so-far line means nothing when no trial is best: each objective gets its own
// chart of every trial's value (infeasible ones marked apart), and the hypervolume of the
// feasible front so far, against the trial number, says whether the search still gains.

/** A trial's value of one objective, or null. */
function objectiveValue(t, name) {
  const v = t.values ? t.values[name] : null;
  return v == null ? null : v;
}

/** A log axis needs every value of the objective above 0. */
export function canLogObjective(trials, name) {
  const values = trials.map((t) => objectiveValue(t, name)).filter((v) => v != null);
  return values.length > 0 && values.every((v) => v > 0);
}

/** The volume the points (minimization form, each strictly below `ref` in every column)
 * dominate up to `ref`: a sweep in two columns, slices along the last column above. */
export function hypervolume(points, ref) {
  const k = ref.length;
  if (!points.length) return 0;
  if (k === 1) return ref[0] - Math.min(...points.map((p) => p[0]));
  const sorted = [...points].sort((a, b) => a[k - 1] - b[k - 1]);
  let total = 0;
  if (k === 2) {
    // Along column 1 from the best: each step's width is the best column 0 seen so far.
    let best = ref[0];
    sorted.forEach((p, i) => {
      best = Math.min(best, p[0]);
      const next = i + 1 < sorted.length ? sorted[i + 1][1] : ref[1];
      total += (next - p[1]) * (ref[0] - best);
    });
    return total;
  }
  if (k === 3) return hypervolume3(sorted, ref);
  sorted.forEach((p, i) => {
    const next = i + 1 < sorted.length ? sorted[i + 1][k - 1] : ref[k - 1];
    if (next > p[k - 1]) {
      const below = sorted.slice(0, i + 1).map((q) => q.slice(0, k - 1));
      total += (next - p[k - 1]) * hypervolume(below, ref.slice(0, k - 1));
    }
  });
  return total;
}

/** Three columns, the points sorted by the third: up the third column, the points below
 * kept as a staircase in the first two (x rising, y falling, none dominated), its area
 * times the height to the next point. O(m^2), no sort per slice. */
function hypervolume3(sorted, ref) {
  const xs = [];
  const ys = [];
  let total = 0;
  sorted.forEach((p, i) => {
    const [x, y] = p;
    let at = 0; // the first step with xs >= x
    for (let hi = xs.length; at < hi; ) {
      const mid = (at + hi) >> 1;
      if (xs[mid] < x) at = mid + 1;
      else hi = mid;
    }
    const dominated = (at > 0 && ys[at - 1] <= y) || (at < xs.length && xs[at] === x && ys[at] <= y);
    if (!dominated) {
      let end = at;
      while (end < xs.length && ys[end] >= y) end += 1; // x no smaller, y no smaller
      xs.splice(at, end - at, x);
      ys.splice(at, end - at, y);
    }
    const next = i + 1 < sorted.length ? sorted[i + 1][2] : ref[2];
    if (next > p[2]) {
      let area = 0;
      for (let j = 0; j < xs.length; j++) {
        area += ((j + 1 < xs.length ? xs[j + 1] : ref[0]) - xs[j]) * (ref[1] - ys[j]);
      }
      total += (next - p[2]) * area;
    }
  });
  return total;
}

// What the hypervolume curve may cost the browser, in units of hvCost: ~0.1 s (measured
// in Chromium on 2,000 trials all on the front, in 2 to 4 objectives).
const HV_BUDGET = 1e7;

/** The rough work of one hypervolume of m points in k objectives (a sorted sweep in two,
 * m^2 in three, m slices of three in four). */
function hvCost(m, k) {
  return k <= 2 ? 6 * m * Math.log2(m + 2) : m ** (k - 1);
}

/** The feasible trials that grew the front's hypervolume up to `reference` (in the
 * objectives' units), in trial order, and the hypervolume after each: {steps: [[trial
 * number, hypervolume]], gains}. `trials` are completed trials with values.
 *
 * Where computing it after every gain would cost more than HV_BUDGET (a front of
 * thousands, or hundreds in 4 objectives), it is computed after every s-th gain and the
 * last; `finalValue` (the service's, for the same front) stands for a last one past the
 * budget by itself. `gains` counts them all. */
export function hypervolumeHistory(objectives, trials, reference, { finalValue = null } = {}) {
  const k = objectives.length;
  const sign = objectives.map((o) => (o.direction === "maximize" ? -1 : 1));
  const ref = reference.map((r, i) => sign[i] * r);
  const rows = trials
    .filter((t) => t.feasible !== false)
    .sort((a, b) => a.number - b.number);
  // Replays the trials: calls visit(trial number, front) after each that grew the front.
  const points = rows
    .map((t) => [t.number, objectives.map((o, i) => sign[i] * objectiveValue(t, o.name))])
    .filter(([, p]) => p.every((x, i) => Number.isFinite(x) && x < ref[i])); // else adds nothing
  const weaklyBelow = (a, b) => {
    for (let i = 0; i < k; i++) if (a[i] > b[i]) return false;
    return true;
  };
  const replay = (visit) => {
    let front = [];
    for (const [number, p] of points) {
      let covered = false; // by a point of the front as good in every objective
      for (const q of front) if ((covered = weaklyBelow(q, p))) break;
      if (covered) continue;
      front = front.filter((q) => !weaklyBelow(p, q));
      front.push(p);
      visit(number, front);
    }
  };
  const sizes = [];
  replay((_, front) => sizes.push(front.length));
  const affordable = (m) => hvCost(m, k) <= HV_BUDGET / 2;
  const total = sizes.filter(affordable).reduce((sum, m) => sum + hvCost(m, k), 0);
  const stride = Math.max(1, Math.ceil(total / HV_BUDGET));
  const steps = [];
  let i = 0;
  replay((number, front) => {
    const lastOne = i === sizes.length - 1;
    if (lastOne && finalValue != null && !affordable(front.length)) {
      steps.push([number, finalValue]);
    } else if (lastOne || (i % stride === 0 && affordable(front.length))) {
      steps.push([number, hypervolume(front, ref)]);
    }
    i += 1;
  });
  return { steps, gains: sizes.length };
}

/** History's trials, with the front's (from /pareto) added where the subset lacks them. */
function withFront(trials, front) {
  const seen = new Set(trials.map((t) => t.id));
  return trials.concat((front?.trials || []).filter((t) => !seen.has(t.id)));
}

export function hypervolumeOption(study, trials, front) {
  const objectives = study.objectives || [];
  const rows = withFront(trials, front).filter((t) => t.state === "completed" && t.values);
  const ref = front?.reference_point;
  const { steps, gains } = ref
    ? hypervolumeHistory(objectives, rows, ref, { finalValue: front.hypervolume })
    : { steps: [], gains: 0 };
  const numbers = trials.map((t) => t.number);
  const last = Math.max(0, ...numbers, ...rows.map((t) => t.number));
  // The curve holds from each gain to the next, and to the last finished trial.
  const line = steps.length ? [...steps, [last, steps[steps.length - 1][1]]] : [];
  const at = ref ? `up to (${ref.map(num).join(", ")})` : "";
  const option = {
    ...BASE,
    title: {
      text: "Hypervolume of the feasible front so far",
      subtext: ref
        ? `${at}, the reference point of the Pareto front above` +
          (steps.length < gains
            ? `; computed after ${count(steps.length)} of the ${count(gains)} trials that grew it`
            : "")
        : "",
      left: 0,
      top: 0,
      itemGap: 12,
      textStyle: { fontSize: 13, fontWeight: 600 },
      subtextStyle: { fontSize: 11, color: "#656d76" },
    },
    legend: { top: 4, right: 24, itemGap: 16 },
    tooltip: {
      ...TOOLTIP,
      formatter: (p) =>
        p.seriesId === "gains"
          ? `trial ${p.value[0]} grew the front<br>hypervolume ${num(p.value[1])}`
          : "",
    },
    grid: { left: 72, right: 24, top: 56, bottom: 48 },
    xAxis: {
      type: "value",
      min: Math.min(0, ...numbers),
      max: Math.max(last, 1),
      minInterval: 1,
      name: "trial number",
      nameLocation: "middle",
      nameGap: 30,
      axisLabel: { margin: 16 }, // clear of the value axis's lowest label
    },
    yAxis: { type: "value", scale: true, axisLabel: AXIS_LABEL },
    series: [
      {
        id: "hypervolume",
        name: "hypervolume so far",
        type: "line",
        step: "end",
        data: line,
        showSymbol: false,
        lineStyle: { color: COLORS.best, width: 2 },
        itemStyle: { color: COLORS.best },
        tooltip: { show: false },
      },
      {
        id: "gains",
        name: "a trial that grew the front",
        type: "scatter",
        data: steps,
        symbolSize: 7,
        z: 3,
        itemStyle: { color: COLORS.best, borderColor: "#fff", borderWidth: 1 },
      },
    ],
  };
  const empty = steps.length
    ? null
    : "No feasible completed trial yet: the hypervolume grows from the first one.";
  return { option, empty, steps };
}

function objectiveTooltip(name) {
  return (params) => {
    const [trial, value] = params.value;
    const what = { feasible: "completed", infeasible: "completed, infeasible" }[params.seriesId];
    const state = what || params.seriesId.replace(/-band$/, "");
    const shown = params.seriesId.endsWith("-band") ? "no value" : `${html(name)} ${num(value)}`;
    return `trial ${trial} · ${state}<br>${shown}`;
  };
}

/** One objective's value of every finished trial against its number: feasible trials as
 * dots, infeasible ones as hollow crosses, pruned ones with a value as triangles; trials
 * without a value (failed, pruned before one) in the band under the plot. */
export function objectiveHistoryOption(study, trials, name, { log = false } = {}) {
  const objective = (study.objectives || []).find((o) => o.name === name);
  const direction = objective?.direction === "maximize" ? "maximize" : "minimize";
  const at = (t, y) => [t.number, y, t.number];
  const valued = trials.filter((t) => objectiveValue(t, name) != null);
  const points = (keep) => valued.filter(keep).map((t) => at(t, objectiveValue(t, name)));
  const band = (state) =>
    trials
      .filter((t) => t.state === state && objectiveValue(t, name) == null)
      .map((t) => at(t, 0.5));
  const inBand = { xAxisIndex: 1, yAxisIndex: 1 };
  const numbers = trials.map((t) => t.number);
  const [lo, hi] = numbers.length ? [Math.min(...numbers), Math.max(...numbers)] : [0, 1];
  const trialAxis = { type: "value", minInterval: 1, min: lo, max: Math.max(hi, lo + 1) };
  const hollow = (color) => ({ color: "transparent", borderColor: color, borderWidth: 1.5 });
  const option = {
    ...BASE,
    title: {
      text: `${name} ${direction === "maximize" ? "↑" : "↓"} (${direction})`,
      left: 0,
      top: 0,
      textStyle: { fontSize: 13, fontWeight: 600 },
    },
    legend: { top: 2, right: 8, itemGap: 10, itemWidth: 14, textStyle: { fontSize: 11 } },
    tooltip: { ...TOOLTIP, formatter: objectiveTooltip(name) },
    grid: [
      { left: 64, right: 16, top: 40, bottom: 86, outerBoundsMode: "none" },
      { left: 64, right: 16, height: 18, bottom: 40, outerBoundsMode: "none" },
    ],
    xAxis: [
      { ...trialAxis, gridIndex: 0, axisLabel: { show: false } },
      { ...trialAxis, gridIndex: 1, name: "trial number", nameLocation: "middle", nameGap: 26 },
    ],
    yAxis: [
      { type: log ? "log" : "value", gridIndex: 0, scale: true, axisLabel: AXIS_LABEL },
      { ...NO_VALUE_AXIS },
    ],
    series: [
      scatter(
        "feasible",
        points((t) => t.state === "completed" && t.feasible !== false),
        COLORS.completed,
        "circle",
        { name: "completed" },
      ),
      scatter(
        "infeasible",
        points((t) => t.state === "completed" && t.feasible === false),
        COLORS.failed,
        CROSS,
        { itemStyle: hollow(COLORS.failed) },
      ),
      scatter("pruned", points((t) => t.state === "pruned"), COLORS.pruned, "triangle"),
      scatter("failed-band", band("failed"), COLORS.failed, CROSS, {
        ...inBand,
        name: "failed (no value)",
        itemStyle: { ...hollow(COLORS.failed), borderWidth: 2 },
      }),
      scatter("pruned-band", band("pruned"), COLORS.pruned, "triangle", {
        ...inBand,
        name: "pruned",
      }),
    ],
  };
  const empty = valued.length ? null : `No finished trial has a value of ${name} yet.`;
  return { option, empty };
}

// -- intermediate values ------------------------------------------------------------
/** The name of the objective the early-stopping rule judges (null: one objective). */
export function judgedObjective(study) {
  if (!study.objectives) return null;
  return study.early_stopping?.objective ?? study.objectives[0].name;
}

/** A trial's intermediate values about the judged objective (all: one objective). */
export function judgedCurve(study, t) {
  const name = judgedObjective(study);
  return name == null
    ? t.intermediate_values
    : t.intermediate_values.filter((iv) => (iv.objective ?? name) === name);
}

export function curvesOption(study, trials, { showPruned = true } = {}) {
  const bestId = study.best_trial?.id;
  const curveOf = new Map(trials.map((t) => [t.id, judgedCurve(study, t)]));
  const withCurve = trials
    .filter((t) => curveOf.get(t.id).length > 0)
    .filter((t) => showPruned || t.state !== "pruned");
  const rank = (t) =>
    t.id === bestId ? 3 : t.state === "running" ? 2 : t.state === "completed" ? 1 : 0;
  withCurve.sort((a, b) => rank(a) - rank(b) || a.number - b.number);
  const series = withCurve.map((t) => {
    const isBest = t.id === bestId;
    const color = isBest ? COLORS.best : COLORS[t.state] || COLORS.expired;
    const data = curveOf.get(t.id).map((iv) => ({
      ...point(t, iv.step, iv.value),
      step: iv.step,
    }));
    return {
      id: `trial-${t.number}`,
      name: `trial ${t.number}`,
      type: "line",
      data,
      showSymbol: data.length === 1,
      symbolSize: 4,
      z: isBest ? 4 : 2,
      lineStyle: {
        color,
        width: isBest ? 3 : 1.2,
        opacity: isBest ? 1 : t.state === "pruned" ? 0.55 : 0.7,
        type: t.state === "pruned" ? "dashed" : "solid",
      },
      itemStyle: { color },
      emphasis: { focus: "series", lineStyle: { width: 3, opacity: 1 } },
    };
  });
  const stops = withCurve
    .filter((t) => t.state === "pruned")
    .map((t) => {
      const last = curveOf.get(t.id).at(-1);
      return { ...point(t, last.step, last.value), step: last.step };
    });
  series.push({
    id: "pruned-stops",
    name: "stopped here",
    type: "scatter",
    data: stops,
    symbol: "triangle",
    symbolSize: 9,
    itemStyle: { color: COLORS.pruned },
    z: 5,
  });
  const option = {
    ...BASE,
    tooltip: { ...TOOLTIP, formatter: curveTooltip },
    grid: { left: 72, right: 24, top: 24, bottom: 48 },
    xAxis: {
      type: "value",
      name: "step",
      nameLocation: "middle",
      nameGap: 28,
      minInterval: 1,
      scale: true,
    },
    yAxis: {
      type: "value",
      scale: true,
      name: judgedObjective(study) ?? "value",
      axisLabel: AXIS_LABEL,
    },
    series,
  };
  const anyCurve = withCurve.length > 0;
  const empty = anyCurve
    ? null
    : "No trial has reported an intermediate value yet (observe with a step, e.g. once per epoch).";
  return { option, empty };
}

// -- parameters against the value ---------------------------------------------------
function axisFor(spec) {
  if (spec.type === "categorical") return { type: "category", data: spec.choices.map(String) };
  if (spec.log) return { type: "log", min: spec.low, max: spec.high, logBase: 10 };
  return { type: "value", min: spec.low, max: spec.high, minInterval: spec.type === "int" ? 1 : 0 };
}

// An inactive parameter (conditional, absent from the trial) is null: a parallel line
// skips its axis, a slice chart leaves the trial out.
function paramValue(spec, value) {
  if (value === undefined || value === null) return null;
  return spec.type === "categorical" ? String(value) : value;
}

function completed(trials) {
  return trials.filter((t) => t.state === "completed" && t.value != null);
}

const NO_COMPLETED =
  "No completed trial yet: parameters are drawn against the value once a trial completes.";

// The parallel chart's margins: room for the first axis's labels and name on the left,
// the colour scale on the right, the names above.
const PARALLEL = { left: 56, right: 110, top: 48, bottom: 28 };

/** One parallel axis's labels, for an axis `length` pixels long whose neighbours stand
 * `spacing` pixels away: ticks that fit (ticks.js), labels cut to the room beside it. */
function parallelLabels(spec, lo, hi, length, spacing) {
  // Labels on a white ground stay readable where the lines cross them; one longer than
  // the room to the next axis is cut (~7 px a character at 12 px).
  const label = { backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 3] };
  const room = Math.max(5, Math.floor((spacing - 16) / 7));
  const cut = (text) => (text.length > room ? `${text.slice(0, room - 1)}…` : text);
  if (spec.type === "categorical") {
    const interval = categoryInterval(spec.choices.length, length);
    return { axisLabel: { ...label, interval, formatter: cut }, axisTick: { interval } };
  }
  const values = axisTicks(lo, hi, length, { log: spec.log, int: spec.type === "int" });
  return {
    axisLabel: { ...label, formatter: (v) => cut(num(v)), customValues: values },
    axisTick: { customValues: values },
  };
}

/** [lo, hi] widened to multiples of the step axisTicks will label them with, so that
 * the ticks are even from end to end. */
function roundedRange(lo, hi, length) {
  let span = hi > lo ? hi - lo : Math.max(Math.abs(lo) * 0.2, 1e-9);
  let out = [lo, hi];
  for (let i = 0; i < 4; i++) {
    const step = niceStep((span * LABEL_GAP) / length);
    const a = Number((Math.floor(lo / step) * step).toPrecision(12));
    out = [a, Math.max(Number((Math.ceil(hi / step) * step).toPrecision(12)), a + step)];
    if (niceStep(((out[1] - out[0]) * LABEL_GAP) / length) === step) break;
    span = out[1] - out[0]; // wider now: its ticks may take a longer step
  }
  return out;
}

/** What parallel coordinates draw after the parameters: [{label, of(trial)}], the value,
 * or each objective of a study of several (the first is study.direction's and value's). */
function outcomeColumns(study) {
  const several = objectiveNames(study);
  if (!several.length) return [{ label: "value", of: (t) => t.value }];
  return study.objectives.map((o) => ({
    label: `${o.name} ${o.direction === "maximize" ? "↑" : "↓"}`,
    of: (t) => objectiveValue(t, o.name),
  }));
}

export function parallelOption(study, trials, { width = 1200, height = 400 } = {}) {
  const names = Object.keys(study.space);
  // The best drawn last, on top of the others.
  const rows = completed(trials).sort((a, b) =>
    better(study.direction, a.value, b.value) ? 1 : -1,
  );
  // A hundred lines stay distinct at 0.7; thousands would be one block of colour.
  const opacity = Math.min(0.7, Math.max(0.15, 70 / Math.max(rows.length, 1)));
  const values = rows.map(outcomeColumns(study)[0].of).filter((v) => v != null);
  const [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  // Dark for the best values, pale for the worst, whichever the direction.
  const ramp = ["#08306b", "#2f6fdf", "#8fb3ea", "#c3ccd9"];
  const length = height - PARALLEL.top - PARALLEL.bottom;
  const nAxes = names.length + outcomeColumns(study).length;
  const spacing = (width - PARALLEL.left - PARALLEL.right) / Math.max(nAxes - 1, 1);
  // A name wider than the room between two axes is cut (the slices below show it whole).
  const nameWidth = Math.max(40, Math.min(spacing - 8, 160));
  const axes = names.map((name, dim) => {
    const spec = study.space[name];
    return {
      id: `axis-${dim}`,
      dim,
      name,
      ...axisFor(spec),
      ...parallelLabels(spec, spec.low, spec.high, length, spacing),
      nameTruncate: { maxWidth: dim === 0 ? Math.min(nameWidth, 2 * PARALLEL.left - 8) : nameWidth },
    };
  });
  // The outcome axes after the parameters: the value, or each objective (named with its
  // direction) for a study of several; lines are coloured by the first.
  const outcomes = outcomeColumns(study);
  outcomes.forEach((outcome, i) => {
    const column = rows.map((t) => outcome.of(t)).filter((v) => v != null);
    const [a, b] = column.length ? [Math.min(...column), Math.max(...column)] : [0, 1];
    const [vlo, vhi] = roundedRange(a, b, length);
    axes.push({
      id: `axis-${names.length + i}`,
      dim: names.length + i,
      name: outcome.label,
      type: "value",
      min: vlo,
      max: vhi,
      ...parallelLabels({ type: "float" }, vlo, vhi, length, i < outcomes.length - 1 ? spacing : 99),
      nameTextStyle: { fontWeight: "bold" },
    });
  });
  const option = {
    ...BASE,
    parallel: {
      ...PARALLEL,
      parallelAxisDefault: {
        nameLocation: "end",
        nameGap: 16,
        nameTextStyle: { fontSize: 12 },
        areaSelectStyle: { width: 18 },
      },
    },
    parallelAxis: axes,
    visualMap: {
      type: "continuous",
      dimension: names.length,
      min: lo,
      max: Math.max(hi, lo + 1e-12),
      inRange: { color: study.direction === "maximize" ? [...ramp].reverse() : ramp },
      right: 8,
      top: "middle",
      itemHeight: 160,
      calculable: false,
      text: [outcomeColumns(study)[0].label, ""],
      formatter: (v) => num(v),
      textStyle: { fontSize: 11 },
    },
    series: [
      {
        id: "trials",
        type: "parallel",
        inactiveOpacity: 0.04,
        activeOpacity: 0.9,
        lineStyle: { width: 1.4, opacity },
        data: rows.map((t) => ({
          value: [
            ...names.map((n) => paramValue(study.space[n], t.params[n])),
            ...outcomeColumns(study).map((o) => o.of(t)),
          ],
          trial: t.number,
        })),
      },
    ],
  };
  return { option, empty: rows.length ? null : NO_COMPLETED };
}

/** A slice's parameter axis, `pixels` wide: the range's ends and round values between,
 * ~60 px apart (numbers side by side need more room than stacked ones). */
function sliceLabels(spec, pixels) {
  // margin: clear of the value axis's lowest label, which ends level with the corner.
  const margin = 16;
  if (spec.type === "categorical") return { axisLabel: { interval: 0, hideOverlap: true, margin } };
  const opts = { log: spec.log, int: spec.type === "int", gap: 60 };
  const values = axisTicks(spec.low, spec.high, pixels, opts);
  return {
    axisLabel: { formatter: (v) => num(v), customValues: values, hideOverlap: true, margin },
    axisTick: { customValues: values },
  };
}

export function sliceOption(study, trials, name, { width = 300 } = {}) {
  const spec = study.space[name];
  const bestId = study.best_trial?.id;
  const done = completed(trials);
  // A conditional parameter is drawn for the trials where it is active.
  const rows = done.filter((t) => t.params[name] !== undefined);
  const at = (t) => [paramValue(spec, t.params[name]), t.value, t.number];
  const data = rows.map(at);
  const none = spec.when && done.length && !rows.length ? `inactive so far: needs ${whenText(spec.when)}` : "";
  const option = {
    ...BASE,
    title: {
      text: name,
      subtext: none,
      left: "center",
      top: 0,
      textStyle: { fontSize: 13, fontWeight: 600, width: width - 16, overflow: "truncate" },
      subtextStyle: { fontSize: 11, width: width - 16, overflow: "truncate" },
    },
    tooltip: {
      ...TOOLTIP,
      formatter: ({ value: [x, y, trial] }) =>
        `trial ${trial}<br>${html(name)} = ${html(param(x))}<br>value ${num(y)}`,
    },
    grid: { left: 60, right: 24, top: 32, bottom: 38 },
    xAxis: { ...axisFor(spec), ...sliceLabels(spec, width - 84) },
    yAxis: { type: "value", scale: true, axisLabel: AXIS_LABEL },
    series: [
      {
        id: "points",
        type: "scatter",
        data,
        symbolSize: 7,
        itemStyle: { color: COLORS.completed, opacity: 0.75 },
        ...LARGE,
      },
      {
        id: "best",
        type: "scatter",
        data: rows.filter((t) => t.id === bestId).map(at),
        symbolSize: 11,
        z: 3,
        itemStyle: { color: COLORS.best },
      },
    ],
  };
  return { option, empty: done.length ? null : NO_COMPLETED };
}

// -- one trial ---------------------------------------------------------------------------
export function trialCurveOption(t, study) {
  const data = judgedCurve(study, t).map((iv) => [iv.step, iv.value]);
  const option = {
    ...BASE,
    tooltip: { trigger: "axis", confine: true },
    grid: { left: 60, right: 16, top: 12, bottom: 30 },
    xAxis: {
      type: "value",
      minInterval: 1,
      scale: true,
      name: "step",
      nameLocation: "middle",
      nameGap: 22,
    },
    yAxis: { type: "value", scale: true, axisLabel: AXIS_LABEL },
    series: [
      {
        id: "curve",
        type: "line",
        data,
        showSymbol: true,
        symbolSize: 5,
        itemStyle: { color: COLORS[t.state] || COLORS.expired },
      },
    ],
  };
  return { option, empty: data.length ? null : "This trial reported no intermediate value." };
}

// -- importance --------------------------------------------------------------------------
/** [[parameter, share]] from the importance answer, the largest first. */
export function importancePairs(answer) {
  return Object.entries(answer.importances).sort((a, b) => b[1] - a[1]);
}

function importanceEmpty(answer, pairs) {
  if (answer.n_trials < 2)
    return (
      `Needs at least 2 completed trials (${answer.n_trials} so far): importance compares ` +
      "the best completed trials with all of them."
    );
  if (pairs.every(([, share]) => share === 0))
    return (
      `Every share is 0: no parameter sets the best ${answer.n_top} of the ` +
      `${answer.n_trials} completed trials apart from the others.`
    );
  return null;
}

export function importanceOption(answer) {
  const empty = importanceEmpty(answer, importancePairs(answer));
  const pairs = empty ? [] : importancePairs(answer); // no row of zeros behind the reason
  const percent = (v) => `${Number((100 * v).toPrecision(3))} %`;
  const option = {
    ...BASE,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: percent },
    grid: { left: 16, right: 64, top: 8, bottom: 24 },
    xAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => `${v * 100} %` } },
    // The largest share first, at the top.
    yAxis: { type: "category", inverse: true, data: pairs.map((p) => p[0]) },
    series: [
      {
        id: "importance",
        type: "bar",
        data: pairs.map((p) => p[1]),
        barMaxWidth: 22,
        itemStyle: { color: COLORS.completed },
        label: { show: true, position: "right", formatter: (p) => percent(p.value) },
      },
    ],
  };
  return { option, empty };
}

// -- Pareto front ------------------------------------------------------------------------
/** The objective names of a study that declares several (else []). */
export function objectiveNames(study) {
  const declared = study.objectives || [];
  return declared.length >= 2 ? declared.map((o) => o.name) : [];
}

function paretoTooltip(x, y) {
  return (params) => {
    const d = params.data;
    if (!d || d.trial == null) return "";
    const tag = d.kind === "front" ? "on the front" : d.kind;
    return `trial ${d.trial} · ${tag}<br>${html(x)} ${num(d.value[0])}<br>${html(y)} ${num(d.value[1])}`;
  };
}

/** The completed trials with values, x against y: the front (from /pareto, whose trials
 * are added where /history's subset lacks them) highlighted and joined in x order, the
 * feasible trials it dominates faint, the infeasible ones as hollow crosses.
 *
 * Returns {option, empty, counts: {front, dominated, infeasible}}. */
export function paretoOption(study, trials, front, { x, y }) {
  const onFront = new Set(front.trials.map((t) => t.id));
  const seen = new Set(trials.map((t) => t.id));
  const all = trials.concat(front.trials.filter((t) => !seen.has(t.id)));
  const rows = all.filter((t) => t.state === "completed" && t.values);
  const at = (t, kind) => ({ value: [t.values[x], t.values[y]], trial: t.number, kind });
  const kindOf = (t) =>
    onFront.has(t.id) ? "front" : t.feasible === false ? "infeasible" : "dominated";
  const of = (kind) => rows.filter((t) => kindOf(t) === kind).map((t) => at(t, kind));
  const points = { front: of("front"), dominated: of("dominated"), infeasible: of("infeasible") };
  const direction = Object.fromEntries((study.objectives || []).map((o) => [o.name, o.direction]));
  // With more than two objectives, a front point may be beaten on the two shown: the line
  // joins those that are not (the front as these two axes see it), in x order.
  const sign = [x, y].map((name) => (direction[name] === "maximize" ? -1 : 1));
  const beats = (a, b) =>
    [0, 1].every((i) => sign[i] * a.value[i] <= sign[i] * b.value[i]) &&
    [0, 1].some((i) => sign[i] * a.value[i] < sign[i] * b.value[i]);
  const line = points.front
    .filter((p) => !points.front.some((q) => beats(q, p)))
    .sort((a, b) => a.value[0] - b.value[0] || a.value[1] - b.value[1]);
  const axis = (name) => ({
    type: "value",
    scale: true,
    name: `${name} (${direction[name] === "maximize" ? "max" : "min"})`,
    nameLocation: "middle",
    nameGap: 30,
    axisLabel: AXIS_LABEL,
  });
  const option = {
    ...BASE,
    legend: { top: 0, itemGap: 16 },
    tooltip: { ...TOOLTIP, formatter: paretoTooltip(x, y) },
    grid: { left: 72, right: 24, top: 36, bottom: 48 },
    xAxis: axis(x),
    yAxis: { ...axis(y), nameGap: 52 },
    series: [
      {
        id: "dominated",
        name: "dominated",
        type: "scatter",
        data: points.dominated,
        symbolSize: 7,
        itemStyle: { color: COLORS.completed, opacity: 0.25 },
      },
      {
        id: "infeasible",
        name: "infeasible",
        type: "scatter",
        data: points.infeasible,
        symbol: CROSS,
        symbolSize: 8,
        itemStyle: { color: "transparent", borderColor: COLORS.failed, borderWidth: 1.5, opacity: 0.7 },
      },
      {
        id: "front-line",
        name: "Pareto front",
        type: "line",
        data: line.map((p) => p.value),
        showSymbol: false,
        z: 2,
        lineStyle: { color: COLORS.best, width: 1.5 },
        itemStyle: { color: COLORS.best },
        tooltip: { show: false },
      },
      {
        id: "front",
        name: "Pareto front",
        type: "scatter",
        data: points.front,
        symbolSize: 10,
        z: 3,
        itemStyle: { color: COLORS.best, borderColor: "#fff", borderWidth: 1 },
      },
    ],
  };
  const counts = Object.fromEntries(Object.entries(points).map(([k, v]) => [k, v.length]));
  const empty = rows.length ? null : "No completed trial with values yet.";
  return { option, empty, counts };
}
