"""A study's trials as the models of several objectives and constraints see them."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ...domain import ConstraintOp, Direction, Trial, TrialState
from ..base import SamplerContext
from .encoding import Encoding
from .history import History, _encode_one_by_one

_OBSERVED = (TrialState.COMPLETED, TrialState.PRUNED)


class Observations(History):
    """The history, plus every column's values: objectives (minimized) then constraints
    (as c <= bound; a ">=" constraint negated), NaN where a trial has none."""

    def __init__(self, X, y, X_pending, taken, R, V, k, bounds):
        super().__init__(X, y, X_pending, taken)
        self.R: np.ndarray = R  # (n, d): rows of trials with any observed column
        self.V: np.ndarray = V  # (n, k + c)
        self.k: int = k
        self.bounds: np.ndarray = bounds  # (c,)

    @property
    def full(self) -> np.ndarray:
        """(n,) which rows have every objective: the objectives' observations."""
        return np.isfinite(self.V[:, : self.k]).all(axis=1)


def signs(ctx: SamplerContext) -> np.ndarray:
    dirs = [o.direction for o in ctx.objectives] or [ctx.direction]
    return np.array([1.0 if d is Direction.MINIMIZE else -1.0 for d in dirs])


def _objective_values(t: Trial, k: int) -> Sequence[float | None]:
    if t.values is not None and len(t.values) == k:
        return t.values
    return (t.value,) if k == 1 else (None,) * k


def load(ctx: SamplerContext, enc: Encoding) -> Observations:
    """Split trials by what they mean to the models; trials that do not encode are skipped."""
    sign = signs(ctx)
    k, cons = len(sign), list(ctx.constraints)
    c_signs = np.array([1.0 if c.op is ConstraintOp.AT_MOST else -1.0 for c in cons])
    kept = sorted(ctx.trials, key=lambda t: t.number)
    try:
        R = enc.encode_many([t.params for t in kept]).reshape(-1, enc.d)
    except (KeyError, ValueError, TypeError):
        R, kept = _encode_one_by_one(kept, enc)
    taken = set(enc.keys(R))
    rows, V, pending = [], [], []
    for row, t in zip(R, kept, strict=True):
        if t.state is TrialState.RUNNING:
            pending.append(row)
            continue
        if t.state not in _OBSERVED:
            continue
        cv = t.constraint_values if t.constraint_values is not None else ()
        raw = list(_objective_values(t, k)) + [
            cv[i] if i < len(cv) else None for i in range(len(cons))
        ]
        v = np.array([x if x is not None and math.isfinite(x) else np.nan for x in raw])
        if np.isfinite(v).any():
            rows.append(row)
            V.append(v * np.r_[sign, c_signs])
    R = np.array(rows, dtype=float).reshape(-1, enc.d)
    V = np.array(V, dtype=float).reshape(-1, k + len(cons))
    full = np.isfinite(V[:, :k]).all(axis=1)
    return Observations(
        R[full], V[full, 0], np.array(pending, dtype=float).reshape(-1, enc.d), taken,
        R, V, k, c_signs * np.array([c.bound for c in cons], dtype=float),
    )
