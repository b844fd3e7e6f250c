// The study page's header and definition: what the study is, its status, counts and best
// trial, from GET /v1/studies/<id>.

import { STATES, badge, duration, el, fill, num, param, time, whenText } from "./format.js";

const $ = (id) => document.getElementById(id);

export function renderHeader(study) {
  $("study-name").textContent = study.name;
  document.title = `${study.name} · optimizer-api`;
  fill($("study-status"), badge(study.status));
  $("study-reason").textContent = study.status_reason || "";
  renderNotes(study);
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
  const several = (study.objectives || []).length >= 2;
  if (several) {
    fill(
      $("best"),
      el("h3", {}, `${study.objectives.length} objectives`),
      el("p", { class: "params-inline" }, study.objectives.map((o) => el("span", {}, el("code", {}, o.name), ` ${o.direction}`))),
      el("p", { class: "muted" }, "No one best trial: see the Pareto front below."),
    );
    return;
  }
  const feasible = study.constraints?.length ? "feasible " : "";
  fill(
    $("best"),
    el("h3", {}, `Best ${feasible}value (${study.direction})`),
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

// The parent studies a study learns from, each a link to its page; "none" without.
function warmStart(spec) {
  const ids = (spec && spec.studies) || [];
  if (!ids.length) return "none";
  const span = el("span", { class: "warm-start" });
  ids.forEach((id, i) => {
    if (i) span.append(", ");
    span.append(el("a", { href: `/studies/${id}` }, `study ${id}`));
  });
  return span;
}

export function renderDefinition(study) {
  const algorithm = study.algorithm || {};
  const rule = study.early_stopping;
  const { rule: ruleName, ...ruleOptions } = rule || {};
  const objectives = (study.objectives || []).map((o) => `${o.name} (${o.direction})`);
  const constraints = (study.constraints || []).map((c) => `${c.name} ${c.op} ${param(c.bound)}`);
  const rows = [
    objectives.length ? ["Objectives", objectives.join(", ")] : ["Direction", study.direction],
    ...(constraints.length ? [["Constraints", constraints.join(", ")]] : []),
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
    ["Warm start from", warmStart(study.warm_start)],
    ["Created", time(study.created_at)],
  ];
  fill(
    $("definition"),
    rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v instanceof Node ? v : String(v))]),
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
        el("td", {}, spec.when ? whenText(spec.when) : "always"),
      ),
    ),
  );
}

/** The study's description and free-form metadata (PATCH /v1/studies/<id> sets them). */
function renderNotes(study) {
  const description = $("study-description");
  description.textContent = study.description || "";
  description.hidden = !study.description;
  const entries = Object.entries(study.metadata || {});
  const metadata = $("study-metadata");
  fill(
    metadata,
    entries.flatMap(([k, v]) => [
      el("dt", {}, k),
      el("dd", {}, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)),
    ]),
  );
  metadata.hidden = entries.length === 0;
}
