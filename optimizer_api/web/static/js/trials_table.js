// The trials table: one page at a time from the API, sorted by number or value and filtered
// by state and parameter ranges on the server. Sorting by another column orders the rows of
// the page shown, and says so. "Download CSV" asks the API for every matching trial.

import * as api from "./api.js";
import { judgedCurve } from "./charts.js";
import { describe, paramFilter } from "./param_filter.js";
import { badge, banner, duration, el, fill, num, param, secondsBetween, time } from "./format.js";

const $ = (id) => document.getElementById(id);
const SERVER_SORTS = ["number", "value"];

export function trialsTable({ studyId, onOpen }) {
  const view = {
    state: "",
    limit: 20,
    page: 0,
    server: "-number", // the API's sort: number, -number, value or -value
    local: null, // {key, desc} when a column the API cannot sort by orders the page
    study: null,
    filter: null, // the parameter inputs, built once the space is known
    total: 0,
    asked: 0, // requests made; an answer to an older one is dropped
  };

  function columns(study) {
    const params = Object.keys(study.space).map((name) => ({
      key: `param:${name}`,
      label: name,
      num: study.space[name].type !== "categorical",
      get: (t) => t.params[name],
      show: (t) => (t.params[name] === undefined ? "–" : param(t.params[name])),
    }));
    return [
      { key: "number", label: "#", num: true, get: (t) => t.number },
      { key: "state", label: "State", get: (t) => t.state, show: (t) => badge(t.state) },
      ...outcomeColumns(study),
      ...params,
      {
        key: "steps",
        label: "Steps",
        num: true,
        get: (t) => judgedCurve(study, t).length, // of the objective the rule judges
      },
      {
        key: "created",
        label: "Created",
        get: (t) => t.created_at,
        show: (t) => time(t.created_at),
      },
      {
        key: "duration",
        label: "Duration",
        num: true,
        get: (t) => secondsBetween(t.created_at, t.finished_at, api.serverNow()),
        show: (t) => duration(secondsBetween(t.created_at, t.finished_at, api.serverNow())),
      },
      { key: "worker", label: "Worker", get: (t) => t.worker_id, show: (t) => t.worker_id || "–" },
    ];
  }

  /** Value, or one column per objective (the first keeps the key "value": the API sorts
   * by it), and per constraint with whether the trial is feasible. */
  function outcomeColumns(study) {
    const objectives = study.objectives || [];
    const cols = objectives.length
      ? objectives.map((o, i) => ({
          key: i === 0 ? "value" : `objective:${o.name}`,
          label: `${o.name} ${o.direction === "maximize" ? "↑" : "↓"}`,
          num: true,
          get: (t) => t.values?.[o.name] ?? (i === 0 ? t.value : null),
          show: (t) => num(t.values?.[o.name] ?? (i === 0 ? t.value : null)),
        }))
      : [{ key: "value", label: "Value", num: true, get: (t) => t.value, show: (t) => num(t.value) }];
    for (const c of study.constraints || []) {
      cols.push({
        key: `constraint:${c.name}`,
        label: `${c.name} ${c.op} ${param(c.bound)}`,
        num: true,
        get: (t) => t.constraints?.[c.name],
        show: (t) => num(t.constraints?.[c.name]),
      });
    }
    if ((study.constraints || []).length) {
      cols.push({
        key: "feasible",
        label: "Feasible",
        get: (t) => t.feasible,
        show: (t) => (t.feasible == null ? "–" : t.feasible ? "yes" : el("span", { class: "infeasible" }, "no")),
      });
    }
    return cols;
  }

  /** What the API is asked for: the state and the parameter ranges. */
  function query() {
    return { states: view.state ? [view.state] : undefined, params: view.filter?.value() };
  }

  function sortedBy() {
    if (view.local) return view.local;
    return { key: view.server.replace("-", ""), desc: view.server.startsWith("-") };
  }

  function sortRows(rows, cols) {
    if (!view.local) return rows; // the API's order
    const col = cols.find((c) => c.key === view.local.key);
    const sign = view.local.desc ? -1 : 1;
    const cmp = (a, b) => {
      const [x, y] = [col.get(a), col.get(b)];
      if (x == null || y == null) return (x == null) - (y == null); // blanks last
      return (
        sign *
        (typeof x === "number" && typeof y === "number"
          ? x - y
          : String(x).localeCompare(String(y)))
      );
    };
    return [...rows].sort(cmp);
  }

  function renderHead(cols) {
    const { key, desc } = sortedBy();
    fill(
      document.querySelector("#trials thead"),
      el(
        "tr",
        {},
        cols.map((c) =>
          el(
            "th",
            {
              class: [c.num ? "num" : "", "sortable", c.key === key ? (desc ? "desc" : "asc") : ""]
                .join(" ")
                .trim(),
              "data-key": c.key,
              "aria-sort": c.key === key ? (desc ? "descending" : "ascending") : null,
              title: SERVER_SORTS.includes(c.key)
                ? "sort every trial (by the API)"
                : "sort the rows of this page",
              onclick: () => sortBy(c.key),
            },
            c.label,
          ),
        ),
      ),
    );
  }

  function renderBody(cols, rows) {
    const filtered = view.state || Object.keys(query().params).length;
    fill(
      document.querySelector("#trials tbody"),
      rows.length
        ? rows.map((t) =>
            el(
              "tr",
              {
                class: "clickable",
                "data-trial-id": t.id,
                "data-state": t.state,
                tabindex: 0,
                onclick: () => onOpen(t.id),
                onkeydown: (e) => e.key === "Enter" && onOpen(t.id),
              },
              cols.map((c) =>
                el("td", { class: c.num ? "num" : null }, c.show ? c.show(t) : c.get(t)),
              ),
            ),
          )
        : el(
            "tr",
            {},
            el(
              "td",
              { colspan: cols.length, class: "muted" },
              filtered ? "No trial matches the filter." : "No trial yet.",
            ),
          ),
    );
  }

  function renderPager(shown) {
    const first = view.page * view.limit;
    const params = describe(query().params);
    const what = [view.state, params && `with ${params}`].filter(Boolean).join(" ");
    $("trials-range").textContent = view.total
      ? `${first + 1}–${first + shown} of ${view.total}${what ? ` ${what}` : ""}`
      : "";
    $("trials-prev").disabled = view.page === 0;
    $("trials-next").disabled = first + view.limit >= view.total;
    $("trials-sort-note").textContent = view.local
      ? "Sorted within this page: the API sorts all trials by number or value."
      : "";
    $("trials-filter-count").textContent = params ? `(${Object.keys(query().params).length})` : "";
  }

  async function refresh(study = view.study) {
    view.study = study;
    if (!view.filter) view.filter = paramFilter($("trials-params"), study.space, filterChanged);
    const asked = ++view.asked;
    const cols = columns(study);
    let answer;
    try {
      answer = await api.trialsPage(studyId, {
        ...query(),
        sort: view.server,
        limit: view.limit,
        offset: view.page * view.limit,
      });
    } catch (err) {
      if (err.status !== 422) throw err;
      return showInvalid(err, asked);
    }
    if (asked !== view.asked) return; // the reader changed something meanwhile
    view.filter.markInvalid([]);
    $("trials-filter-error").textContent = "";
    view.total = answer.total;
    if (view.page > 0 && view.page * view.limit >= view.total) {
      view.page = Math.max(0, Math.ceil(view.total / view.limit) - 1); // fewer pages now
      return refresh(study);
    }
    const rows = sortRows(answer.trials, cols);
    renderHead(cols);
    renderBody(cols, rows);
    renderPager(rows.length);
  }

  /** A 422 names the parameters it refused (`params.<name>`): mark them, say why. */
  function showInvalid(err, asked) {
    if (asked !== view.asked) return;
    const fields = Object.keys(err.problem?.errors || {});
    view.filter.markInvalid(fields.map((f) => f.replace(/^params\./, "")));
    $("trials-filter-error").textContent = err.message;
  }

  /** Apply a change the reader made, then show the page it asks for. */
  function change(update) {
    update();
    refresh().catch((err) => banner(`Could not load the trials: ${err.message}`));
  }

  function sortBy(key) {
    change(() => {
      const { key: now, desc } = sortedBy();
      // The first click on the value puts the best first, whatever the direction.
      const bestFirst = view.study.direction === "maximize";
      const nextDesc = key === now ? !desc : key === "value" ? bestFirst : key === "number";
      if (SERVER_SORTS.includes(key)) {
        view.server = `${nextDesc ? "-" : ""}${key}`;
        view.local = null;
        view.page = 0;
      } else {
        view.local = { key, desc: nextDesc };
      }
    });
  }

  function filterChanged() {
    change(() => {
      view.page = 0;
    });
  }

  async function downloadCsv() {
    const button = $("trials-csv");
    button.disabled = true;
    try {
      const { blob, filename } = await api.trialsCsv(studyId, query());
      const link = el("a", { href: URL.createObjectURL(blob), download: filename });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch (err) {
      banner(`Could not download the trials: ${err.message}`);
    } finally {
      button.disabled = false;
    }
  }

  $("trials-state").addEventListener("change", (e) =>
    change(() => {
      view.state = e.target.value;
      view.page = 0;
    }),
  );
  $("trials-limit").addEventListener("change", (e) =>
    change(() => {
      view.limit = Number(e.target.value);
      view.page = 0;
    }),
  );
  $("trials-prev").addEventListener("click", () =>
    change(() => {
      view.page = Math.max(0, view.page - 1);
    }),
  );
  $("trials-next").addEventListener("click", () =>
    change(() => {
      view.page += 1;
    }),
  );
  $("trials-clear").addEventListener("click", () => view.filter?.clear());
  $("trials-csv").addEventListener("click", downloadCsv);

  /** Filter the table to these parameter ranges (from a brushed selection, say). */
  function filterTo(params) {
    view.filter?.set(params);
    $("trials-filter-box").open = true;
  }

  return { refresh, filterTo };
}
