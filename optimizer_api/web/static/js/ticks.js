// Tick values for an axis whose length in pixels is known, chosen so that no two labels
// sit closer than a label's height: pure functions, no DOM.
//
// ECharts labels a value axis with fixed ends at both ends and at its nice steps, so an
// end close to a step draws two labels on top of each other (0.8 and 0.81, 0.99 and 0.999),
// and its hideOverlap does not act on parallel axes. These lists go to axisLabel and
// axisTick customValues instead.

/** Pixels kept between two labels' centres on a vertical axis (12 px text, padding). */
export const LABEL_GAP = 24;

/** Rounded to 12 significant digits: 0.30000000000000004 is 0.3. */
function clean(v) {
  return Number(v.toPrecision(12));
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`. */
export function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw * (1 - 1e-9));
  return clean(step * power);
}

/** Keep candidates, in the order given (the most wanted first), that lie at least `gap`
 * pixels from every value kept so far; returned in increasing order. */
function spread(candidates, position, gap) {
  const kept = [];
  for (const v of candidates) {
    const at = position(v);
    if (kept.every((k) => Math.abs(position(k) - at) >= gap)) kept.push(v);
  }
  return kept.sort((a, b) => a - b);
}

/** Multiples of `step` strictly inside (lo, hi). */
function multiples(lo, hi, step) {
  const out = [];
  for (let k = Math.ceil(lo / step); k * step <= hi && out.length < 1000; k++) {
    const v = clean(k * step);
    if (v > lo && v < hi) out.push(v);
  }
  return out;
}

/** Ticks for a numeric axis from `lo` to `hi` drawn over `pixels`: both ends (the range
 * the values can take), then round values as far as they fit `gap` apart. On a log axis
 * (lo > 0) the round values are powers of ten first, then their 2 and 5 multiples, then
 * even steps of the range; `int` keeps integer steps. */
export function axisTicks(lo, hi, pixels, { log = false, int = false, gap = LABEL_GAP } = {}) {
  if (!(hi > lo) || !(pixels > 0)) return [lo];
  const usable = log && lo > 0;
  const position = usable
    ? (v) => ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * pixels
    : (v) => ((v - lo) / (hi - lo)) * pixels;
  const candidates = [lo, hi];
  if (usable) {
    const [a, b] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
    const decades = [];
    for (let e = a; e <= b; e++) decades.push(e);
    for (const m of [1, 2, 5]) {
      candidates.push(...decades.map((e) => clean(m * 10 ** e)).filter((v) => v > lo && v < hi));
    }
    // Inside one decade: even steps, placed on the log scale.
    candidates.push(...multiples(lo, hi, niceStep((hi - lo) / 4)));
  } else {
    // The smallest round step whose ticks stand `gap` apart.
    let step = niceStep(((hi - lo) * gap) / pixels);
    // Integer steps only: 2.5 becomes 5, as round as 2.5 and as far apart.
    if (int) step = step < 1 ? 1 : Number.isInteger(step) ? step : niceStep(step * 1.5);
    candidates.push(...multiples(lo, hi, step));
  }
  return spread(candidates, position, gap);
}

/** ECharts' axisLabel.interval for a category axis of `n` values over `pixels`: how many
 * labels to skip between two shown (0 shows every one). */
export function categoryInterval(n, pixels, gap = LABEL_GAP) {
  if (n <= 1 || !(pixels > 0)) return 0;
  return Math.max(0, Math.ceil(gap / (pixels / n)) - 1);
}
