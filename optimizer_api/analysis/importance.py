"""Parameter importance by PED-ANOVA (Watanabe et al., IJCAI 2023, arXiv 2304.10255).

The question answered: which parameters must be set right to reach the best trials?
The top `target_quantile` of the completed trials by value (the best in the study's
direction) is compared, one parameter at a time, with the trials of the region (the
top `region_quantile`; all of them by default). A parameter's importance is the
Pearson divergence of its density among the top trials from its density in the region:

    D_i = sum_b r_i(b) (t_i(b) / r_i(b) - 1)^2 = sum_b (t_i(b) - r_i(b))^2 / r_i(b)

Up to a common factor, D_i is the variance over the region of P(top | x_i), the part of
"being among the best" that x_i explains alone (the paper's Theorem 1, a local fANOVA);
the shares D_i / sum_j D_j are what we return. Densities are kernel density estimates
on the parameter's unit scale (Space.encode: log where the parameter is log), binned
so that every parameter costs O(n + B^2): numeric parameters get a Gaussian kernel of
Scott's bandwidth over at most N_BINS bins (one bin per value when there are fewer);
categorical ones get their category frequencies. Both are mixed with a uniform prior
of weight PRIOR_WEIGHT, so no bin has zero density.

A conditional parameter is judged over the trials where it is active (its NaN
positions left out): how far the best of those trials set it apart from the rest of
those. It gets no share when no top trial has it active: it plays no part in the best.

Notation (n: trials used, d: parameters, B: bins of one parameter)
    U       unit positions of the trials, Space.encode          (n, d)
    loss    the value, negated when maximizing: lower is better (n,)
    top     trials in the top quantile (ties at the cut included) (n,) bool
    K       row b: where a kernel centred on bin b puts its mass  (B, B)
    t, r    densities of one parameter on its bins: top, region  (B,)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..domain import Direction, Trial, TrialState
from ..space import Param, Space

METHOD = "ped-anova"
N_BINS = 50  # bins of a continuous parameter on its unit scale (Optuna uses 50 too)
PRIOR_WEIGHT = 1.0  # the uniform prior counts as this many trials
# Narrowest kernel, in bins: 0.5 / 1.64 puts 90% of a kernel's mass inside its own bin.
MIN_BANDWIDTH_BINS = 0.5 / 1.64


@dataclass(frozen=True)
class ImportanceReport:
    """Each parameter's share, and what it was computed from (for a UI to show)."""

    importances: dict[str, float]  # in the space's order; >= 0, sum 1 unless all are 0
    method: str
    n_trials: int  # completed trials with a finite value
    n_top: int  # of those, how many are in the top quantile
    target_quantile: float
    region_quantile: float


def importance(
    space: Space, trials: Sequence[Trial], direction: Direction, **quantiles: float
) -> dict[str, float]:
    """Each parameter's share alone; the arguments are importance_report's."""
    return importance_report(space, trials, direction, **quantiles).importances


def importance_report(
    space: Space,
    trials: Sequence[Trial],
    direction: Direction,
    *,
    target_quantile: float = 0.1,
    region_quantile: float = 1.0,
) -> ImportanceReport:
    """PED-ANOVA importance of every parameter over the completed trials.

    Args:
        space: the study's space; every used trial's params must fit it.
        trials: any trials; only completed ones with a finite value are used.
        direction: which values are good: the lowest when minimizing, else the highest.
        target_quantile: the share of the used trials that counts as "the best".
        region_quantile: the share the best are compared with (1.0: all of them).

    Returns:
        The shares, in the space's order: non-negative, summing to 1. All are 0 when
        nothing sets the best apart: fewer than 2 trials used, or every trial of the
        region is among the best (a constant value, or ties at the cut).

    Raises:
        ValueError: unless 0 < target_quantile < region_quantile <= 1.
    """
    if not 0.0 < target_quantile < region_quantile <= 1.0:
        raise ValueError(
            "need 0 < target_quantile < region_quantile <= 1, got "
            f"{target_quantile} and {region_quantile}"
        )
    used = [t for t in trials if _usable(t)]
    shares = np.zeros(len(space))
    n_top = 0
    if len(used) >= 2:
        U = space.encode_many([t.params for t in used])
        loss = np.array([t.value for t in used], dtype=float)
        loss = loss if direction is Direction.MINIMIZE else -loss
        region = _top(loss, region_quantile)
        top = _top(loss, target_quantile) & region
        n_top = int(top.sum())
        if n_top < region.sum():
            d = [_divergence_where_active(p, U[:, j], region, top)
                 for j, p in enumerate(space.params)]
            shares = _normalized(np.array(d))
    return ImportanceReport(
        dict(zip(space.names, shares.tolist(), strict=True)),
        METHOD,
        len(used),
        n_top,
        target_quantile,
        region_quantile,
    )


def _usable(trial: Trial) -> bool:
    return (
        trial.state is TrialState.COMPLETED
        and trial.value is not None
        and math.isfinite(trial.value)
    )


def _top(loss: np.ndarray, quantile: float) -> np.ndarray:
    """The trials whose loss is at most the ceil(quantile * n)-th lowest: ties all count."""
    k = max(math.ceil(quantile * loss.size), 1)
    cut = np.partition(loss, k - 1)[k - 1]
    return loss <= cut


def _normalized(d: np.ndarray) -> np.ndarray:
    d = np.maximum(d, 0.0)  # already >= 0 in exact arithmetic
    total = d.sum()
    return d / total if total > 0 else np.zeros_like(d)


def _divergence_where_active(
    param: Param, u: np.ndarray, region: np.ndarray, top: np.ndarray
) -> float:
    """_divergence over the region's trials where the parameter is active (u not NaN)."""
    used = region & ~np.isnan(u)
    if used.sum() < 2 or not top[used].any():
        return 0.0
    return _divergence(param, u[used], top[used])


def _divergence(param: Param, u: np.ndarray, top: np.ndarray) -> float:
    """Pearson divergence of one parameter's top density from its region density.

    Args:
        param: the parameter, for its kind and number of values.
        u: unit positions of the region's trials, shape (m,).
        top: which of them are in the top quantile, shape (m,).
    """
    categorical = param.type == "categorical"
    n_bins = param.n_values if categorical else min(param.n_values or N_BINS, N_BINS)
    if n_bins < 2:
        return 0.0
    bins = np.minimum((u * n_bins).astype(int), n_bins - 1)  # u in [0, 1]; 1.0 joins the last
    t = _density(bins[top], u[top], n_bins, smooth=not categorical)
    r = _density(bins, u, n_bins, smooth=not categorical)
    return float(np.sum((t - r) ** 2 / r))


def _density(bins: np.ndarray, u: np.ndarray, n_bins: int, smooth: bool) -> np.ndarray:
    """Kernel density estimate on the bins, mixed with the uniform prior, shape (B,)."""
    counts = np.bincount(bins, minlength=n_bins).astype(float)
    if smooth:
        counts = counts @ _kernel(n_bins, _bandwidth(u) * n_bins)
    return (counts + PRIOR_WEIGHT / n_bins) / (bins.size + PRIOR_WEIGHT)


def _bandwidth(u: np.ndarray) -> float:
    """Scott's rule on the unit scale: 1.059 min(sd, IQR / 1.34) n^(-1/5)."""
    sd = float(np.std(u, ddof=1)) if u.size > 1 else 0.0
    q1, q3 = np.percentile(u, [25, 75])
    iqr = (q3 - q1) / 1.34
    spread = min(sd, iqr) if iqr > 0 else sd  # many ties put q1 == q3: fall back to sd
    return 1.059 * spread * u.size**-0.2


def _kernel(n_bins: int, width_bins: float) -> np.ndarray:
    """Gaussian kernels centred on each bin, cut to the domain and renormalized, (B, B)."""
    width = max(width_bins, MIN_BANDWIDTH_BINS)
    offsets = np.arange(n_bins)
    K = np.exp(-0.5 * ((offsets[None, :] - offsets[:, None]) / width) ** 2)
    return K / K.sum(axis=1, keepdims=True)
