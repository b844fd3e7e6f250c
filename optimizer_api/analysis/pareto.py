"""Pareto fronts and hypervolumes of several objectives.

Every array is in minimization form: row i of `Y`, shape (n, k), holds the k objective
values of one trial, and smaller is better in every column (callers negate the columns
of maximized objectives first). Values must be finite.

Row a dominates row b when a <= b in every column and a < b in at least one; equal rows
do not dominate each other, so duplicates on the front are all kept.
"""

from __future__ import annotations

import numpy as np

# The share of the observed range the default reference point lies beyond the worst value.
REFERENCE_MARGIN = 0.1


def non_dominated(Y: np.ndarray) -> np.ndarray:
    """Mask (n,) of the rows of Y (n, k) that no other row dominates."""
    Y = np.asarray(Y, dtype=float)
    n, k = Y.shape
    if n == 0:
        return np.zeros(0, dtype=bool)
    if k == 1:
        return Y[:, 0] == Y[:, 0].min()
    if k == 2:
        return _non_dominated_2d(Y)
    return _non_dominated_cull(Y)


def _non_dominated_2d(Y: np.ndarray) -> np.ndarray:
    """One sort: a row is dominated by a row of strictly smaller y0 and y1 no larger, or
    by a row of equal y0 and strictly smaller y1."""
    order = np.lexsort((Y[:, 1], Y[:, 0]))  # by y0, then y1
    y0, y1 = Y[order, 0], Y[order, 1]
    group_start = np.r_[0, np.flatnonzero(np.diff(y0) != 0) + 1]
    starts = np.repeat(group_start, np.diff(np.r_[group_start, len(y0)]))
    running_min = np.minimum.accumulate(y1)
    before = np.where(starts > 0, running_min[np.maximum(starts - 1, 0)], np.inf)
    dominated = (before <= y1) | (y1[starts] < y1)
    mask = np.empty(len(y0), dtype=bool)
    mask[order] = ~dominated
    return mask


def _non_dominated_cull(Y: np.ndarray) -> np.ndarray:
    """Each surviving row, best sum first, removes every row it dominates: the work
    grows with n times the size of the front, not n squared."""
    alive = np.argsort(Y.sum(axis=1), kind="stable")  # maybe non-dominated, best sum first
    cols = [np.ascontiguousarray(Y[alive, j]) for j in range(Y.shape[1])]
    i = 0
    while i < len(alive):
        le = np.ones(len(alive), dtype=bool)
        lt = np.zeros(len(alive), dtype=bool)
        for c in cols:  # column by column: faster than reducing a (n, k) array
            le &= c[i] <= c
            lt |= c[i] < c
        keep = ~(le & lt)
        alive = alive[keep]
        cols = [c[keep] for c in cols]
        i = int(np.count_nonzero(keep[:i])) + 1  # row i itself always stays
    mask = np.zeros(len(Y), dtype=bool)
    mask[alive] = True
    return mask


def hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    """The volume of the points each dominated by some row of Y and bounded by ref.

    Args:
        Y: (n, k) objective values, 1 <= k <= 4 (exact; k > 4 works but slowly).
        ref: (k,) the reference point; rows not strictly below it in every column add
            nothing.
    """
    Y = np.asarray(Y, dtype=float)
    ref = np.asarray(ref, dtype=float)
    Y = Y[np.all(Y < ref, axis=1)]
    if len(Y) == 0:
        return 0.0
    Y = np.unique(Y[non_dominated(Y)], axis=0)
    return float(_hv(Y, ref))


def _hv(Y: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of rows all strictly below ref: slices along the last column down
    to three columns, which are done at once."""
    k = Y.shape[1]
    if k == 1:
        return float(ref[0] - Y[:, 0].min())
    if k == 2:
        return _hv_2d(Y, ref)
    if k == 3:
        return _hv_3d(Y, ref)
    order = np.argsort(Y[:, -1], kind="stable")
    Y = Y[order]
    depths = np.diff(np.r_[Y[:, -1], ref[-1]])
    total = 0.0
    for i in np.flatnonzero(depths > 0):
        total += depths[i] * _hv(Y[: i + 1, :-1], ref[:-1])  # dominated rows add nothing
    return total


def _hv_2d(Y: np.ndarray, ref: np.ndarray) -> float:
    """Sweep along y0: each step's height is the best y1 seen so far."""
    order = np.argsort(Y[:, 0], kind="stable")
    x, y = Y[order, 0], np.minimum.accumulate(Y[order, 1])
    widths = np.diff(np.r_[x, ref[0]])
    return float(np.sum(widths * (ref[1] - y)))


def _hv_3d(Y: np.ndarray, ref: np.ndarray) -> float:
    """Slices along y2, every slice's 2-D sweep in one (m, m) array: slice i holds the
    rows of the i smallest y2, and row j's y1 counts in it only if j is among them."""
    by_x = np.argsort(Y[:, 0], kind="stable")
    Y = Y[by_x]
    rank = np.empty(len(Y), dtype=int)
    rank[np.argsort(Y[:, 2], kind="stable")] = np.arange(len(Y))
    z = np.sort(Y[:, 2])
    active = rank[None, :] <= np.arange(len(Y))[:, None]  # (slice, row by x)
    heights = np.minimum.accumulate(np.where(active, Y[None, :, 1], ref[1]), axis=1)
    widths = np.diff(np.r_[Y[:, 0], ref[0]])
    areas = (ref[1] - heights) @ widths  # (slice,)
    return float(np.diff(np.r_[z, ref[2]]) @ areas)


def reference_point(Y: np.ndarray) -> np.ndarray:
    """The default reference point: per column the worst (largest) observed value plus
    10% of the observed range, or, where the range is 0, plus 10% of max(|worst|, 1)."""
    Y = np.asarray(Y, dtype=float)
    worst, best = Y.max(axis=0), Y.min(axis=0)
    spread = worst - best
    spread = np.where(spread > 0, spread, np.maximum(np.abs(worst), 1.0))
    return worst + REFERENCE_MARGIN * spread
