// Small helpers shared by the pages: building DOM, formatting numbers, times and states.

export const STATES = [
  "running",
  "completed",
  "pruned",
  "failed",
  "expired",
  "queued",
  "cancelled",
];

// One colour per trial state, the same in every chart, table and badge (dashboard.css).
export const COLORS = {
  completed: "#2f6fdf",
  pruned: "#e07b00",
  failed: "#d63b30",
  running: "#15917f",
  expired: "#7d8590",
  best: "#7b2fd6",
};

/** el("td", {class: "num"}, "1.5", child, ...): an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child != null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c != null));
}

/** Text made safe for the HTML that chart tooltips render (names and choices are users'). */
export function html(text) {
  const map = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return String(text).replace(/[&<>"']/g, (c) => map[c]);
}

/** A number as people read it: up to 6 significant digits, no trailing zeros. */
export function num(value) {
  if (value == null) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return Number(value.toPrecision(4)).toExponential();
  return String(Number(value.toPrecision(6)));
}

/** A count with thousands separators: 50,000. */
export function count(n) {
  return n == null ? "–" : n.toLocaleString("en-US");
}

/** A parameter value: numbers as num(), others as given. */
export function param(value) {
  return typeof value === "number" ? num(value) : String(value);
}

/** A conditional parameter's `when` in words: "optimizer is sgd or nesterov and ...". */
export function whenText(when) {
  return Object.entries(when)
    .map(([parent, values]) => `${parent} is ${values.map(param).join(" or ")}`)
    .join(" and ");
}

/** An ISO timestamp in the reader's local time, to the second. */
export function time(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** A duration in seconds as "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
export function duration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const [big, small] =
    s < 3600
      ? [
          [Math.floor(s / 60), "min"],
          [s % 60, "s"],
        ]
      : s < 86400
        ? [
            [Math.floor(s / 3600), "h"],
            [Math.floor((s % 3600) / 60), "min"],
          ]
        : [
            [Math.floor(s / 86400), "d"],
            [Math.floor((s % 86400) / 3600), "h"],
          ];
  return small[0] ? `${big.join(" ")} ${small.join(" ")}` : big.join(" ");
}

/** Seconds between two ISO timestamps (or from one to `nowMs`). */
export function secondsBetween(fromIso, toIso, nowMs) {
  if (!fromIso) return null;
  const end = toIso ? Date.parse(toIso) : nowMs;
  return (end - Date.parse(fromIso)) / 1000;
}

/** How long ago an ISO timestamp was, as "3 min 5 s ago" (`nowMs` the server's now). */
export function ago(iso, nowMs) {
  return iso ? `${duration(secondsBetween(iso, null, nowMs))} ago` : "–";
}

/** A state badge. */
export function badge(state) {
  return el("span", { class: `badge state-${state}` }, state);
}

/** Show or hide the page's error banner. */
export function banner(message) {
  const node = document.getElementById("banner");
  node.hidden = !message;
  node.textContent = message || "";
}
