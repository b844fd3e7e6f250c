// The trials table's filter on parameters: a min and a max box for each number, a
// multi-select for each categorical. Read as the API's `params` query:
// {lr: {min: 0.001, max: 0.01}, optimizer: {in: ["adam"]}}.

import { el, fill, param } from "./format.js";

const DEBOUNCE_MS = 400;

/** Build the inputs for `space` into `node`; `onChange()` runs after the reader's edits. */
export function paramFilter(node, space, onChange) {
  const fields = new Map(); // name -> {min, max} boxes, or {select, choices}
  let timer = null;
  const changed = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(onChange, delay);
  };

  const box = (name, end, spec) =>
    el("input", {
      type: "number",
      step: "any",
      placeholder: end === "min" ? param(spec.low) : param(spec.high),
      "aria-label": `${name} ${end}`,
      "data-param": name,
      "data-end": end,
      oninput: () => changed(DEBOUNCE_MS),
    });

  const rows = Object.entries(space).map(([name, spec]) => {
    let inputs;
    if (spec.type === "categorical") {
      const select = el(
        "select",
        {
          multiple: true,
          size: Math.min(spec.choices.length, 4),
          "aria-label": name,
          "data-param": name,
          title: "none selected: every choice; Ctrl or Shift to pick several",
          onchange: () => changed(0),
        },
        spec.choices.map((c, i) => el("option", { value: i }, param(c))),
      );
      fields.set(name, { select, choices: spec.choices });
      inputs = [select];
    } else {
      const field = { min: box(name, "min", spec), max: box(name, "max", spec) };
      fields.set(name, field);
      inputs = [field.min, el("span", { class: "muted" }, "to"), field.max];
    }
    return el("div", { class: "param-filter" }, el("code", {}, name), inputs);
  });
  fill(node, rows);

  /** The filter as the API's `params` object (parameters left open are absent). */
  function value() {
    const out = {};
    for (const [name, f] of fields) {
      if (f.select) {
        const picked = [...f.select.selectedOptions].map((o) => f.choices[Number(o.value)]);
        if (picked.length) out[name] = { in: picked };
        continue;
      }
      const range = {};
      for (const end of ["min", "max"]) {
        const text = f[end].value.trim();
        if (text !== "" && Number.isFinite(Number(text))) range[end] = Number(text);
      }
      if (Object.keys(range).length) out[name] = range;
    }
    return out;
  }

  /** Show `params` (as value() gives it) in the inputs, replacing what they held. */
  function set(params) {
    for (const [name, f] of fields) {
      const given = params[name] || {};
      if (f.select) {
        for (const o of f.select.options)
          o.selected = (given.in || []).includes(f.choices[o.value]);
      } else {
        for (const end of ["min", "max"]) f[end].value = given[end] ?? "";
      }
    }
    changed(0);
  }

  /** Mark the inputs of the parameters a 422 named (`params.<name>`); none when empty. */
  function markInvalid(names) {
    for (const input of node.querySelectorAll("[data-param]")) {
      input.classList.toggle("invalid", names.includes(input.dataset.param));
    }
  }

  return { value, set, clear: () => set({}), markInvalid };
}

/** A short text of a params filter: "lr 0.001 to 0.01, optimizer adam or sgd". */
export function describe(params) {
  return Object.entries(params)
    .map(([name, f]) =>
      f.in
        ? `${name} ${f.in.map(param).join(" or ")}`
        : `${name} ${f.min != null ? param(f.min) : "…"} to ${f.max != null ? param(f.max) : "…"}`,
    )
    .join(", ");
}
