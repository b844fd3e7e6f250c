"""The study's trials as the GP sees them: observations, pending points, taken configs."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from ...domain import Direction, Trial, TrialState
from .encoding import Encoding

log = logging.getLogger(__name__)

_OBSERVED = (TrialState.COMPLETED, TrialState.PRUNED)
ENUMERATE_FREE_UP_TO = 100_000
# A point this close to a pending one (unit-cube distance over the numeric columns, the
# categories equal) is not suggested while another candidate is free: late in a run,
# believed exactly at the incumbent, a pending point keeps EI = 0.4 std right next to
# it, which beats every other point and sent up to 4 workers within 1e-4 of each other.
PENDING_RADIUS = 1e-2


class History:
    """Observed rows X with values y (minimized), pending rows, and taken keys."""

    def __init__(self, X, y, X_pending, taken: set[bytes]):
        self.X: np.ndarray = X  # (n, d)
        self.y: np.ndarray = y  # (n,), in the user's units, sign flipped to minimize
        self.X_pending: np.ndarray = X_pending  # (p, d)
        self.taken = taken

    @property
    def n_obs(self) -> int:
        return len(self.y)

    def best_rows(self, k: int) -> np.ndarray:
        """The k best observed rows, best first."""
        return self.X[np.argsort(self.y, kind="stable")[:k]]

    def take(self, row: np.ndarray, enc: Encoding) -> None:
        self.taken.add(enc.key(row))

    def first_apart(self, rows: np.ndarray, enc: Encoding, X_pending: np.ndarray) -> np.ndarray:
        """The first free row at least PENDING_RADIUS from every pending row; the first
        free one if none is."""
        if len(X_pending):
            num = ~enc.cat
            diff = rows[:, None, num] - X_pending[None, :, num]  # (m, p, d_num)
            same_cat = (rows[:, None, enc.cat] == X_pending[None, :, enc.cat]).all(-1)
            near = (same_cat & ((diff**2).sum(-1) < PENDING_RADIUS**2)).any(1)  # (m,)
            apart = rows[~near]
            for row, k in zip(apart, enc.keys(apart), strict=True):
                if k not in self.taken:
                    return row
        return self.first_free(rows, enc)

    def first_free(self, rows: np.ndarray, enc: Encoding) -> np.ndarray:
        """The first row whose configuration is not taken; if every configuration of the
        space is taken, rows[0]; if only these rows are, a free one found elsewhere."""
        for row, k in zip(rows, enc.keys(rows), strict=True):
            if k not in self.taken:
                return row
        size = enc.size()
        if size is not None and size <= len(self.taken):
            return rows[0]  # the space is exhausted: repeats are allowed
        if size is not None and size <= ENUMERATE_FREE_UP_TO:
            every = enc.enumerate()
            for row, k in zip(every, enc.keys(every), strict=True):
                if k not in self.taken:
                    return row
        rng = np.random.default_rng(len(self.taken))
        for _ in range(10):
            rows2 = enc.sobol(1024, rng)
            for row, k in zip(rows2, enc.keys(rows2), strict=True):
                if k not in self.taken:
                    return row
        return rows[0]


def load_history(trials: Sequence[Trial], enc: Encoding, direction: Direction) -> History:
    """Split trials by what they mean to the model; trials that do not encode are skipped."""
    sign = 1.0 if direction is Direction.MINIMIZE else -1.0
    kept = sorted(trials, key=lambda t: t.number)
    d = enc.d
    try:
        R = enc.encode_many([t.params for t in kept]).reshape(-1, d)
    except (KeyError, ValueError, TypeError):  # some trial does not fit: find it, skip it
        R, kept = _encode_one_by_one(kept, enc)
    taken = set(enc.keys(R))
    X, y, pending = [], [], []
    for row, t in zip(R, kept, strict=True):
        if t.state in _OBSERVED and t.value is not None and math.isfinite(t.value):
            X.append(row)
            y.append(sign * float(t.value))
        elif t.state is TrialState.RUNNING:
            pending.append(row)
    return History(
        np.array(X, dtype=float).reshape(-1, d),
        np.array(y, dtype=float),
        np.array(pending, dtype=float).reshape(-1, d),
        taken,
    )


def _encode_one_by_one(trials: list[Trial], enc: Encoding) -> tuple[np.ndarray, list[Trial]]:
    rows, kept = [], []
    for t in trials:
        try:
            rows.append(enc.encode(t.params))
            kept.append(t)
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("trial %s skipped: its params do not fit the space (%s)", t.number, exc)
    return np.array(rows, dtype=float).reshape(-1, enc.d), kept
