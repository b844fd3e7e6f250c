"""Which trials a chart of a big study shows: a bounded, faithful subset.

A history of 50,000 trials cannot go to a browser whole, but a plain even sample
would hide what a person looks for: when the best value improved, and where the best
trials lie. So the subset keeps every best-so-far change, the top trials, and an even
sample of the rest; it is deterministic, and the same trials give the same subset.
"""

from __future__ import annotations

import numpy as np

from ..domain import Direction


def best_so_far_changes(values: np.ndarray, direction: Direction) -> np.ndarray:
    """Indices at which the running best improves (NaN values never do), in order."""
    scores = _scores(values, direction)
    if scores.size == 0:
        return np.array([], dtype=int)
    running = np.minimum.accumulate(scores)
    prior = np.concatenate(([np.inf], running[:-1]))
    return np.flatnonzero(scores < prior)


def sample(
    values: np.ndarray, direction: Direction, limit: int, top: int | None = None
) -> np.ndarray:
    """Sorted indices of at most `limit` entries (all when there are fewer).

    Args:
        values: (n,) the value of each entry in order; NaN where it has none (failed).
        direction: which values are better.
        limit: the most indices to return.
        top: how many of the best entries to keep (default: a tenth of `limit`).

    Every best-so-far change is kept while they fit in `limit` (beyond, an even sample
    of them that includes the last); then the `top` best; then an even sample of the rest.
    """
    n = len(values)
    if n <= limit:
        return np.arange(n)
    keep = _even(best_so_far_changes(values, direction), limit, keep_last=True)
    if len(keep) < limit:
        order = np.argsort(_scores(values, direction), kind="stable")
        finite = order[np.isfinite(values[order])]
        best = np.setdiff1d(finite[: top if top is not None else limit // 10], keep)
        keep = np.union1d(keep, best[: limit - len(keep)])
    rest = np.setdiff1d(np.arange(n), keep)
    keep = np.union1d(keep, _even(rest, limit - len(keep)))
    return keep.astype(int)


def _even(indices: np.ndarray, k: int, keep_last: bool = False) -> np.ndarray:
    """k of `indices` evenly spread (the first always, the last too if keep_last)."""
    if k <= 0:
        return np.array([], dtype=int)
    if len(indices) <= k:
        return indices
    if keep_last and k > 1:
        picks = np.round(np.linspace(0, len(indices) - 1, k)).astype(int)
    else:
        picks = (np.arange(k) * len(indices)) // k
    return indices[np.unique(picks)]


def _scores(values: np.ndarray, direction: Direction) -> np.ndarray:
    """Lower is better; NaN becomes +inf so that it never counts as an improvement."""
    scores = np.asarray(values, dtype=float)
    if direction is Direction.MAXIMIZE:
        scores = -scores
    return np.where(np.isnan(scores), np.inf, scores)
