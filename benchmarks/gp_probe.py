"""Instruments for gp_diagnose.py: watch every acquisition maximization of a run.

`Probe` replaces the sampler's `maximize` for the length of a `with` block and records,
for every model suggestion: the chosen row, its acquisition value, the gradient there,
and a *reference* maximum of the same acquisition found by a far more thorough search
(every category combination separately, 4096 Sobol points each, 16 independent
L-BFGS-B runs with tight tolerances, then +-1 moves on discrete columns). A chosen value
well below the reference is the optimizer's fault; a reference that agrees with the
choice puts the blame on the model.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import minimize

from optimizer_api.samplers.gp import optimize as gp_optimize
from optimizer_api.samplers.gp import sampler as gp_sampler


def _polish(acq, x0: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """One start's L-BFGS-B on columns `cols`, alone, to tight tolerances."""

    def f(z):
        x = x0.copy()
        x[cols] = z
        v, g = acq(x[None, :], True)
        if not np.isfinite(v[0]):
            return 1e10, np.zeros(len(z))
        return -float(v[0]), -g[0, cols]

    res = minimize(
        f,
        x0[cols],
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * int(cols.sum()),
        options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-10},
    )
    x = x0.copy()
    x[cols] = res.x
    return x


def reference_max(acq, enc, rng, per_combo: int = 4096, starts: int = 16):
    """(best row, its value, {category combination: best value}) by thorough search."""
    cat_cols = np.flatnonzero(enc.cat)
    combos = list(itertools.product(*[range(enc.n_values[j]) for j in cat_cols])) or [()]
    best_row, best_v, per = None, -np.inf, {}
    for combo in combos:
        C = enc.sobol(per_combo, rng)
        C[:, cat_cols] = combo
        v = np.nan_to_num(acq(C, False)[0], nan=-np.inf)
        S = C[np.argsort(-v)[:starts]]
        S = enc.round(np.array([_polish(acq, s, enc.relaxed) for s in S]))
        S, sv = gp_optimize._local_search(acq, S, enc)
        i = int(np.argmax(sv))
        per[combo] = float(sv[i])
        if sv[i] > best_v:
            best_row, best_v = S[i], float(sv[i])
    return best_row, best_v, per


class Probe:
    """Context manager: records every maximize() call of the GP sampler."""

    def __init__(self, reference: bool = True, watch: np.ndarray | None = None):
        self.reference, self.watch = reference, watch  # watch: a row to predict at, (d,)
        self.calls: list[dict] = []
        self._orig = gp_sampler.maximize
        self._orig_posterior = gp_sampler._ModelRound._posterior
        self._last = None

    def __enter__(self):
        probe = self

        def posterior(round_, theta, X_pending):
            post, f_best = probe._orig_posterior(round_, theta, X_pending)
            probe._last = (post, f_best, theta)
            return post, f_best

        def wrapped(acq, enc, rng, X_best, n_candidates=1024, n_starts=8):
            C, values = self._orig(acq, enc, rng, X_best, n_candidates, n_starts)
            rec = {"row": C[0].copy(), "value": float(values[0])}
            _, g = acq(C[:1], True)
            rec["grad"] = g[0]
            post, f_best, theta = self._last
            rec.update(theta=np.asarray(theta), f_best=f_best)
            rows = C[:1] if self.watch is None else np.vstack([C[:1], self.watch])
            m, v = post.predict(rows)
            rec.update(pick_mean=m[0], pick_std=v[0] ** 0.5)
            if self.watch is not None:
                rec.update(watch_mean=m[1], watch_std=v[1] ** 0.5)
                rec["watch_acq"] = float(acq(self.watch[None, :], False)[0][0])
            if self.reference:
                rrow, rv, per = reference_max(acq, enc, np.random.default_rng(0))
                rec.update(ref_row=rrow, ref_value=rv, per_combo=per)
            self.calls.append(rec)
            return C, values

        gp_sampler.maximize = wrapped
        gp_sampler._ModelRound._posterior = posterior
        return self

    def __exit__(self, *exc):
        gp_sampler.maximize = self._orig
        gp_sampler._ModelRound._posterior = self._orig_posterior
        return False


def on_bound(row: np.ndarray, enc) -> np.ndarray:
    """Which continuous or relaxed columns of a row sit exactly on 0 or 1."""
    return enc.relaxed & ((row == 0.0) | (row == 1.0))


def stuck_on_bound(row: np.ndarray, grad: np.ndarray, enc) -> np.ndarray:
    """Bound columns where the acquisition still rises inwards (not a KKT point)."""
    return enc.relaxed & (((row == 0.0) & (grad > 1e-6)) | ((row == 1.0) & (grad < -1e-6)))
