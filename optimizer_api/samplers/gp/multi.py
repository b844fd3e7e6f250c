"""The `bayesian` algorithm for several objectives, constraints, or both.

What the trials mean to it (as to the single-objective round, column by column):
- a finished trial with every objective value is an observation of each objective;
  each of its finite constraint values is an observation of that constraint;
- running trials are pending: every column's GP believes them at its predicted mean,
  and a pending point believed feasible joins the front (or the incumbent), so the
  next worker looks elsewhere.

The acquisition, maximized like the single-objective one but with one L-BFGS-B per
start (optimize.maximize's `separate`; log scale throughout):
- 1 objective: log EI below the best feasible value;
- 2-3 objectives: log EHVI over the feasible front (ehvi.py), its reference point
  from the feasible observations alone (as Optuna's constrained EHVI): infeasible
  trials often lie far beyond the front (C2-DTLZ2: up to 2 against 1.1), and a reference
  point pushed out by them made EHVI pay for the front's far ends, where the hypervolume
  that matters gains nothing (C2-DTLZ2 median regret 0.09 -> 0.033, mo_quality.md);
- 4 or more: log EI of a random augmented Chebyshev scalarization, on its own GP
  (ParEGO; scalarize.py), new weights for each suggestion;
- plus, with constraints, the log probability that all hold (feasibility.py); before
  any observation is feasible, that log probability alone.

Warm start: the parents' trials (SamplerContext.prior_trials) carry their outcomes by
this study's objective and constraint names (service/warm.py). Each column's GP whose
name some parent reports is fitted with those parents' values through warm.py's two-task
kernel (each parent on its own scale, the best warm.MAX_PRIOR_POINTS of them, dropped
again when the fitted task correlation says they are unrelated); a column no parent
reports is fitted on this study's trials alone. With 4 or more objectives the
scalarization's own GP (ParEGO) learns from this study alone.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from ...analysis.pareto import non_dominated, reference_point
from ...domain import ConstraintOp
from ..base import SamplerContext, Suggestion
from . import acquisition, ehvi, scalarize, warm
from .columns import Column, predict
from .encoding import Encoding
from .feasibility import log_pof
from .fitstate import STATE_VERSION
from .observations import Observations, load, signs
from .optimize import maximize

log = logging.getLogger(__name__)

EHVI_MAX_OBJECTIVES = 3

__all__ = ["MultiRound", "applies", "ehvi_region", "load", "priors"]  # load: the history read


def ehvi_region(front: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The boxes (lower, upper) log EHVI integrates over: the region below the
    reference point that the rows of `front` do not dominate. `front` holds the feasible
    rows only (observed, and pending ones believed feasible), and so does the reference
    point: an infeasible observation must not move it."""
    return ehvi.boxes(front, reference_point(front))


def applies(ctx: SamplerContext) -> bool:
    """Whether a study needs this round rather than the single-objective one."""
    return len(ctx.objectives) > 1 or bool(ctx.constraints)


def priors(ctx: SamplerContext, enc: Encoding) -> list[warm.Prior | None]:
    """Each column's parents' data (objectives, then constraints, as load() orders them),
    from the prior trials' outcomes by name; None where no parent reports the column."""
    trials = list(ctx.prior_trials)
    if not trials:
        return []
    sign, cons = signs(ctx), list(ctx.constraints)
    k = len(sign)
    c_signs = np.array([1.0 if c.op is ConstraintOp.AT_MOST else -1.0 for c in cons])
    V = np.array([_row(t, k, len(cons)) for t in trials], dtype=float).reshape(-1, k + len(cons))
    V *= np.r_[sign, c_signs]
    return [warm.prior_of(trials, V[:, j], enc) for j in range(V.shape[1])]


def _row(t, k: int, c: int) -> list[float]:
    """A prior trial's objective then constraint values, NaN where it has none."""
    values = t.values if t.values is not None and len(t.values) == k else (
        (t.value,) if k == 1 else (None,) * k)
    cv = t.constraint_values or ()
    raw = [*values, *(cv[i] if i < len(cv) else None for i in range(c))]
    return [x if x is not None and math.isfinite(x) else np.nan for x in raw]


class MultiRound:
    """One call's model-based suggestions: fit every column once, then pick, believe,
    repeat."""

    def __init__(self, ctx: SamplerContext, enc: Encoding, hist: Observations, opts, rng,
                 priors: list[warm.Prior | None] | None = None):
        self.ctx, self.enc, self.hist, self.opts, self.rng = ctx, enc, hist, opts, rng
        self.signs = signs(ctx)
        self.names = [o.name for o in ctx.objectives] or ["value"]
        self.priors = priors or [None] * hist.V.shape[1]  # warm start, by column

    def run(self, count: int) -> tuple[list[Suggestion], dict[str, Any]]:
        objectives, constraints = self._fit()
        state = {
            "version": STATE_VERSION,
            "names": list(self.enc.space.names),
            "deterministic": self.opts["deterministic"],
            "theta": objectives[0].theta.tolist(),
            "columns": [None if c is None else c.theta.tolist() for c in objectives + constraints],
            # A column fitted with its parents' data has a task column (warm.py).
            "column_names": [None if c is None else c.names for c in objectives + constraints],
        }
        out = []
        X_pending = self.hist.X_pending
        for _ in range(count):
            try:
                row, info = self._pick(objectives, constraints, X_pending)
            except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
                row, info = self.hist.fallback(self.enc, self.rng, exc)
            self.hist.take(row, self.enc)
            X_pending = np.vstack([X_pending, row[None, :]])
            out.append(Suggestion(self.enc.decode(row), info))
        return out, state

    def _fit(self) -> tuple[list[Column], list[Column | None]]:
        """One GP per objective (on the rows with every objective) and per constraint
        (on the rows that report it; None when none does).

        Under EHVI (2-3 objectives) the values are only standardized, not power-warped:
        EHVI measures hypervolume in the model's scale, and a per-objective Yeo-Johnson
        warp stretches some parts of the front and shrinks others (DTLZ2's f0 had lambda
        -0.57), so the volume it maximized was not the user's. Standardized, it is the
        user's up to one scale per objective, as in Optuna's. Measured on 8 seeds with
        the other fixes: C2-DTLZ2 median 0.031 -> 0.027, DTLZ2 0.39 -> 0.38 (mo_quality.md).
        One objective (constrained) and ParEGO keep the warp."""
        h, fixed = self.hist, self.opts["deterministic"]
        full = h.full
        power = not 2 <= h.k <= EHVI_MAX_OBJECTIVES
        out: list[Column | None] = []
        for j in range(h.V.shape[1]):
            rows = full if j < h.k else np.isfinite(h.V[:, j])
            if not rows.any():
                out.append(None)
                continue
            out.append(
                Column.fit(h.R[rows], h.V[rows, j], self.enc, self._state(j), fixed,
                           self.ctx.seed, self.rng, self.priors[j], power)
            )
        return out[: h.k], out[h.k :]  # type: ignore[return-value]

    def _state(self, j: int):
        """The stored fit of column j, in the form fitstate.starts reads."""
        state = self.ctx.state
        cols = state.get("columns") if isinstance(state, dict) else None
        if not isinstance(cols, list) or len(cols) != self.hist.V.shape[1] or cols[j] is None:
            return None
        names = state.get("column_names")
        if isinstance(names, list) and len(names) == len(cols) and names[j] is not None:
            return {**state, "theta": cols[j], "names": names[j]}  # a warm column's fit
        return {**state, "theta": cols[j]}

    def _pick(self, objectives, constraints, X_pending):
        h = self.hist
        obj_posts = [c.posterior(X_pending) for c in objectives]
        live = [(i, c) for i, c in enumerate(constraints) if c is not None]
        con_posts = [c.posterior(X_pending) for _, c in live]
        t = np.array([c.warp.forward(np.array([h.bounds[i]]))[0] for i, c in live])
        Y = np.column_stack([c.y for c in objectives])  # (n_full, k), model scale
        feasible = self._feasible_rows()
        believed_ok = np.ones(len(X_pending), dtype=bool)
        for (_, b), ti in zip(con_posts, t, strict=True):
            believed_ok &= b <= ti
        Y_pend = np.column_stack([b for _, b in obj_posts]).reshape(len(X_pending), h.k)
        front = np.vstack([Y[feasible], Y_pend[believed_ok]])
        posts = [p for p, _ in obj_posts]
        kind, objective = self._objective(front, Y, posts, X_pending, feasible)
        c_posts = [p for p, _ in con_posts]

        def acq(X, with_grad):
            value, grad = (np.zeros(len(X)), np.zeros(X.shape)) if objective is None else \
                objective(X, with_grad)
            if c_posts:
                mu, s, dmu, ds = predict(c_posts, X, with_grad)
                v, g = log_pof(mu, s, t, dmu, ds)
                value = value + v
                grad = None if g is None else grad + g
            return value, grad

        n_cand = 2048 if len(h.R) <= 100 else 1024 if len(h.R) <= 400 else 512
        X_best = self._best_rows(Y, feasible)
        with np.errstate(all="ignore"):
            C, _ = maximize(acq, self.enc, self.rng, X_best, n_cand, separate=True)
        row = h.first_apart(C, self.enc, X_pending)
        with np.errstate(all="ignore"):
            value = float(acq(row[None, :], False)[0][0])
        if c_posts:
            kind = "log_pof" if objective is None else kind + "+log_pof"
        return row, self._explain(row, objectives, posts, live, c_posts, t, kind, value)

    def _feasible_rows(self) -> np.ndarray:
        """(n_full,) which objective observations satisfy every constraint."""
        h = self.hist
        C = h.V[h.full, h.k :]
        return np.all(C <= h.bounds, axis=1)  # NaN (not reported) is not feasible

    def _objective(self, front, Y, posts, X_pending, feasible):
        """(name, acq(X, with_grad)) of the objectives' part; (name, None) when nothing
        is feasible yet and only feasibility counts."""
        if len(front) == 0:
            return "log_pof", None
        k = self.hist.k
        if k == 1:
            f_best = float(front[:, 0].min())
            post = posts[0]

            def log_ei(X, with_grad):
                mu, s, dmu, ds = predict([post], X, with_grad)
                dvar = None if ds is None else 2.0 * s[:, 0, None] * ds[:, 0]
                return acquisition.log_ei(
                    mu[:, 0], s[:, 0] ** 2, f_best, None if dmu is None else dmu[:, 0], dvar
                )

            return "log_ei", log_ei
        if k <= EHVI_MAX_OBJECTIVES:
            lower, upper = ehvi_region(front)

            def log_ehvi(X, with_grad):
                mu, s, dmu, ds = predict(posts, X, with_grad)
                return ehvi.log_ehvi(mu, s, lower, upper, dmu, ds)

            return "log_ehvi", log_ehvi
        return "parego_log_ei", self._parego(Y, X_pending, feasible)

    def _parego(self, Y, X_pending, feasible):
        """log EI of a random scalarization, on a GP fitted to its observed values."""
        w = scalarize.random_weights(self.hist.k, self.rng)
        s = scalarize.augmented_chebyshev(Y, w)
        col = Column.fit(self.hist.X, s, self.enc, None, self.opts["deterministic"],
                         self.ctx.seed, self.rng)
        post, believed = col.posterior(X_pending)
        f_best = float(np.min(np.r_[col.y[feasible], believed]))

        def log_ei(X, with_grad):
            if with_grad:
                mean, var, dm, dv = post.predict_grad(X)
            else:
                (mean, var), dm, dv = post.predict(X), None, None
            return acquisition.log_ei(mean, var, f_best, dm, dv)

        return log_ei

    def _best_rows(self, Y, feasible) -> np.ndarray:
        """Up to 5 rows to search around: feasible Pareto rows, else the least violating."""
        h = self.hist
        if feasible.any():
            idx = np.flatnonzero(feasible)
            idx = idx[non_dominated(Y[idx])]
            return h.X[self.rng.permutation(idx)[:5]]
        C = h.V[:, h.k :]
        violation = np.nansum(np.maximum(C - h.bounds, 0.0), axis=1)
        violation[~np.isfinite(C).all(axis=1)] = np.inf
        return h.R[np.argsort(violation, kind="stable")[:5]]

    def _explain(self, row, objectives, posts, live, c_posts, t, kind, value) -> dict[str, Any]:
        """Each objective's predicted mean and std in the user's units, each constraint's
        too with the probability it holds, and the probability that all do."""
        x = row[None, :]
        objs = []
        for name, sign, col, post in zip(self.names, self.signs, objectives, posts, strict=True):
            mean, var = post.predict(x)
            m, sd = col.to_user(float(mean[0]), float(np.sqrt(var[0])))
            objs.append({"name": name, "predicted_mean": float(sign * m), "predicted_std": sd})
        info: dict[str, Any] = {"source": "model", "objectives": objs}
        if len(objs) == 1:
            info["predicted_mean"] = objs[0]["predicted_mean"]
            info["predicted_std"] = objs[0]["predicted_std"]
        if self.ctx.constraints:
            cons, log_p = [], 0.0
            for (i, col), post, ti in zip(live, c_posts, t, strict=True):
                mean, var = post.predict(x)
                lp = float(log_pof(mean[:, None], np.sqrt(var)[:, None], [ti])[0][0])
                c = self.ctx.constraints[i]
                m, sd = col.to_user(float(mean[0]), float(np.sqrt(var[0])))
                sign = 1.0 if c.op is ConstraintOp.AT_MOST else -1.0
                cons.append({"name": c.name, "predicted_mean": float(sign * m), "predicted_std": sd,
                             "probability": math.exp(lp)})
                log_p += lp
            info["constraints"] = cons
            info["probability_of_feasibility"] = math.exp(log_p)
        info["acquisition"] = {"name": kind, "value": value}
        return info
