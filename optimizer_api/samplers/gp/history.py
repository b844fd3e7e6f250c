"""The study's trials as the GP sees them: observations, pending points, taken configs."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ...domain import Direction, Trial, TrialState
from ...trial_columns import TrialColumns
from .encoding import Encoding

log = logging.getLogger(__name__)

_OBSERVED = [TrialState.COMPLETED.value, TrialState.PRUNED.value]
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

    def fallback(self, enc: Encoding, rng: np.random.Generator, exc: Exception
                 ) -> tuple[np.ndarray, dict]:
        """A free Sobol point, and why, when the model failed on numerics (logged)."""
        log.warning("GP suggestion failed (%s); falling back to a random point", exc)
        row = self.first_free(enc.sobol(64, rng), enc)
        return row, {"source": "fallback", "reason": str(exc)[:200]}

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
    """Split trials by what they mean to the model; trials that do not encode are skipped.

    TrialColumns (a long history loaded column-wise) are encoded a column at a time,
    without a Trial object per row.
    """
    sign = 1.0 if direction is Direction.MINIMIZE else -1.0
    cols = _columns(trials, enc) if isinstance(trials, TrialColumns) else None
    if cols is None:
        kept = sorted(trials, key=lambda t: t.number)
        try:
            R = enc.encode_many([t.params for t in kept]).reshape(-1, enc.d)
        except (KeyError, ValueError, TypeError):  # some trial does not fit: find it, skip it
            R, kept = _encode_one_by_one(kept, enc)
        states = np.array([t.state.value for t in kept], dtype=object)
        values = np.array([np.nan if t.value is None else t.value for t in kept], dtype=float)
    else:
        R, states, values = cols
    observed = np.isin(states, _OBSERVED) & np.isfinite(values)
    return History(
        R[observed].reshape(-1, enc.d),
        sign * values[observed],
        R[states == TrialState.RUNNING.value].reshape(-1, enc.d),
        set(enc.keys(R)),
    )


def _columns(trials: TrialColumns, enc: Encoding):
    """(rows, states, values) in number order, or None if some trial does not encode."""
    order = np.argsort(np.asarray(trials.numbers, dtype=np.int64), kind="stable")
    try:
        columns = [trials.params[p.name] for p in enc.params]
        if any(v is None for col in columns for v in col):
            return None
        R = enc.encode_columns(columns)[order]
    except (KeyError, ValueError, TypeError):
        return None
    values = np.array([np.nan if v is None else v for v in trials.values], dtype=float)
    return R, np.asarray(trials.states, dtype=object)[order], values[order]


def _encode_one_by_one(trials: list[Trial], enc: Encoding) -> tuple[np.ndarray, list[Trial]]:
    rows, kept = [], []
    for t in trials:
        try:
            rows.append(enc.encode(t.params))
            kept.append(t)
        except (KeyError, ValueError, TypeError) as exc:
            log.warning("trial %s skipped: its params do not fit the space (%s)", t.number, exc)
    return np.array(rows, dtype=float).reshape(-1, enc.d), kept
