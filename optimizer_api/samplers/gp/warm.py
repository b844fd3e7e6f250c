"""Warm start: the completed trials of earlier studies as extra data of this study's GP.

Notation (shapes in trailing comments):
    X, y    this study's rows and model-scale values (as in sampler.py)       # (n, d), (n,)
    P, yP   the parents' rows in this study's encoding and their values, each parent
            warped and standardized on its own (offsets and scales differ between
            studies), minimized in this study's direction                    # (m, d), (m,)
    t       a task column appended to every row: 0 for this study, 1 for the parents

The GP is fitted on [X, 0; P, 1] with the task column a categorical one, so the kernel is
k(x, x') * (1 if t = t' else rho), rho = m52(1 / l_t^2): a two-task intrinsic
coregionalization kernel whose task correlation rho is fitted (MAP, with the others'
lengthscale prior) with the rest. Related parents keep rho near 1 and the model knows the
landscape before this study has seen it; unrelated ones drive rho toward 0 as this study's
own values disagree with theirs, leaving the model this study's alone (the negative-
transfer check of benchmarks/results/warm_start.md). Predictions and the acquisition are
for t = 0. Only the kernel's existing categorical code is used: nothing new to fit.

A parent row's columns that the parent lacks: a numeric one sits at 0.5 (the middle of
the range), a categorical one at -1, a category equal to none (the kernel then counts it
as different from every value). The parents' best configuration (their best trial, the
other columns from this study's Sobol point) opens the study; then WARM_N_INITIAL - 1
Sobol points, then the model.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...domain import Direction, Trial
from ...space import CategoricalParam, Space
from ...space.unit import to_unit
from . import kernel
from .encoding import Encoding
from .warp import Warp

log = logging.getLogger(__name__)

MAX_PRIOR_POINTS = 100  # the parents' points in the fit (which is O((n + m)^3)): the best
WARM_N_INITIAL = 3  # suggestions before the model: the parents' best, then Sobol points
TASK = CategoricalParam("(task)", (0, 1))  # not a valid parameter name: no clash
# Below this fitted task correlation the parents are dropped from the model: the kernel's
# lengthscales and noise are shared by both tasks, so data of an unrelated function
# (rougher, or noisier) would still distort this study's fit (see warm_start.md).
MIN_CORRELATION = 0.5


def related(theta: np.ndarray, d: int) -> bool:
    """Whether the fitted task correlation rho = m52(1 / l_t^2) / sf2 is MIN_CORRELATION
    or more (theta over d + 1 columns, the task column last)."""
    inv_ls2_task = float(np.exp(-2.0 * theta[d]))
    rho, _ = kernel.matern52(np.array([inv_ls2_task]), 1.0, grad=False)
    return bool(rho[0] >= MIN_CORRELATION)


@dataclass(frozen=True)
class Prior:
    """The parents' data in this study's encoding, with the task column."""

    P: np.ndarray  # (m, d + 1), task column 1
    yP: np.ndarray  # (m,)
    best: dict  # the best parent trial's params (shared parameters only)
    enc: Encoding  # this study's encoding plus the task column (for the fit's starts)

    @property
    def cat(self) -> np.ndarray:
        return self.enc.cat

    def augment(self, X: np.ndarray, y: np.ndarray, n_noisy: int | None = None):
        """[X[:n], 0; P, 1; X[n:], 0] and values, and the rows with noise: the observed
        rows then the parents' (noisy), then this study's pending rows (believed)."""
        n = len(X) if n_noisy is None else n_noisy
        Xt = np.hstack([X, np.zeros((len(X), 1))])
        X_aug = np.vstack([Xt[:n], self.P, Xt[n:]])
        y_aug = np.concatenate([y[:n], self.yP, y[n:]])
        return X_aug, y_aug, n + len(self.P)


def fit_prior(trials: Sequence[Trial], enc: Encoding, direction: Direction) -> Prior | None:
    """The parents' data, or None when no prior trial shares a parameter."""
    sign = 1.0 if direction is Direction.MINIMIZE else -1.0
    return prior_of(trials, sign * np.array([float(t.value) for t in trials]), enc)


def prior_of(trials: Sequence[Trial], y: np.ndarray, enc: Encoding) -> Prior | None:
    """The parents' data for one column, `y` (m,) its minimized values, NaN where a trial
    has none (left out); None when no trial with a value shares a parameter."""
    has = np.isfinite(y)
    trials, y = [t for t, ok in zip(trials, has, strict=True) if ok], y[has]
    shared = {p.name for p in enc.params if trials and any(p.name in t.params for t in trials)}
    if not shared:
        return None
    z = np.empty(len(y))
    groups = defaultdict(list)
    for i, t in enumerate(trials):
        groups[t.study_id].append(i)
    for idx in groups.values():  # each parent on its own scale
        z[idx] = Warp.fit(y[idx]).forward(y[idx])
    keep = np.argsort(z, kind="stable")[:MAX_PRIOR_POINTS]  # the best: where it matters
    trials, z = [trials[i] for i in keep], z[keep]
    P = np.empty((len(trials), enc.d + 1))
    for j, p in enumerate(enc.params):
        have = [p.name in t.params for t in trials]
        values = [t.params[p.name] for t in trials if p.name in t.params]
        col = np.full(len(trials), -1.0 if enc.cat[j] else 0.5)
        if values:
            col[np.array(have)] = p.indices_of(values) if enc.cat[j] else to_unit(p, values)
        P[:, j] = col
    P[:, -1] = 1.0
    best = {k: v for k, v in trials[0].params.items() if k in shared}
    return Prior(P, z, best, Encoding(Space([*enc.params, TASK])))


def first_row(prior: Prior, enc: Encoding, sobol_row: np.ndarray) -> np.ndarray:
    """The parents' best configuration as a row of this space, the other columns from
    `sobol_row`."""
    return enc.encode({**enc.decode(sobol_row), **prior.best})


@dataclass(frozen=True)
class TaskPosterior:
    """A posterior over [x, t] answered at t = 0: Posterior's interface over x."""

    base: object  # model.Posterior over d + 1 columns

    @property
    def X(self) -> np.ndarray:
        return self.base.X

    def predict(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.base.predict(_task0(Xq))

    def predict_grad(self, Xq: np.ndarray):
        mean, var, dmean, dvar = self.base.predict_grad(_task0(Xq))
        return mean, var, dmean[:, :-1], dvar[:, :-1]


def _task0(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.zeros((len(X), 1))])
