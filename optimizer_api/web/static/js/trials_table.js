// The trials table: one page at a time from the API (limit/offset, state filter).
// The API orders by trial number, so that sort (either way) spans every page; sorting by
// another column orders the rows of the page shown, and says so.

import * as api from "./api.js";
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

const $ = (id) => document.getElementById(id);

export function trialsTable({ studyId, onOpen }) {
  const view = {
    state: "",
    limit: 20,
    page: 0,
    sortKey: "number",
    desc: true,
    study: null,
    total: 0,
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
      { key: "value", label: "Value", num: true, get: (t) => t.value, show: (t) => num(t.value) },
      ...params,
      { key: "steps", label: "Steps", num: true, get: (t) => t.intermediate_values.length },
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

  function expectedTotal(study) {
    const counts = study.trial_counts;
    return view.state ? counts[view.state] || 0 : STATES.reduce((s, k) => s + (counts[k] || 0), 0);
  }

  /** The slice of trials by number for this page, newest first when sorting descending. */
  function pageWindow(total) {
    if (!(view.sortKey === "number" && view.desc))
      return { offset: view.page * view.limit, limit: view.limit };
    const end = Math.max(0, total - view.page * view.limit);
    const offset = Math.max(0, end - view.limit);
    return { offset, limit: Math.max(1, end - offset) };
  }

  async function fetchPage(study) {
    const states = view.state ? [view.state] : undefined;
    let total = expectedTotal(study);
    let answer = await api.trialsPage(studyId, { ...pageWindow(total), states });
    if (view.sortKey === "number" && view.desc && answer.total !== total) {
      total = answer.total; // trials came or went between the two reads: ask again
      answer = await api.trialsPage(studyId, { ...pageWindow(total), states });
    }
    return answer;
  }

  function sortRows(rows, cols) {
    const col = cols.find((c) => c.key === view.sortKey) || cols[0];
    const sign = view.desc ? -1 : 1;
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
    fill(
      document.querySelector("#trials thead"),
      el(
        "tr",
        {},
        cols.map((c) =>
          el(
            "th",
            {
              class: [
                c.num ? "num" : "",
                "sortable",
                c.key === view.sortKey ? (view.desc ? "desc" : "asc") : "",
              ]
                .join(" ")
                .trim(),
              "data-key": c.key,
              "aria-sort": c.key === view.sortKey ? (view.desc ? "descending" : "ascending") : null,
              onclick: () => sortBy(c.key),
            },
            c.label,
          ),
        ),
      ),
    );
  }

  function renderBody(cols, rows) {
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
              view.state ? `No ${view.state} trial.` : "No trial yet.",
            ),
          ),
    );
  }

  function renderPager(shown) {
    const first = view.page * view.limit;
    $("trials-range").textContent = view.total
      ? `${first + 1}–${first + shown} of ${view.total}${view.state ? ` ${view.state}` : ""}`
      : "";
    $("trials-prev").disabled = view.page === 0;
    $("trials-next").disabled = first + view.limit >= view.total;
    $("trials-sort-note").textContent =
      view.sortKey === "number"
        ? ""
        : "Sorted within this page: the API orders trials by number only.";
  }

  async function refresh(study = view.study) {
    view.study = study;
    const cols = columns(study);
    const answer = await fetchPage(study);
    view.total = answer.total;
    if (view.page > 0 && view.page * view.limit >= view.total) {
      // the filter left fewer pages
      view.page = Math.max(0, Math.ceil(view.total / view.limit) - 1);
      return refresh(study);
    }
    let rows = answer.trials;
    rows = view.sortKey === "number" ? (view.desc ? rows.reverse() : rows) : sortRows(rows, cols);
    renderHead(cols);
    renderBody(cols, rows);
    renderPager(rows.length);
  }

  /** Apply a change the reader made, then show the page it asks for. */
  function change(update) {
    update();
    refresh().catch((err) => banner(`Could not load the trials: ${err.message}`));
  }

  function sortBy(key) {
    change(() => {
      view.desc = key === view.sortKey ? !view.desc : key === "number";
      view.sortKey = key;
      if (key === "number") view.page = 0;
    });
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

  return { refresh };
}
