"""What one fit hands to the next, and what the fit sees.

The stored state holds the MAP hyperparameters of the last fit with what they belong to
(parameter names, noise option); the next request starts L-BFGS-B from them when they
still fit. Beyond MAX_FIT_POINTS observations the hyperparameters are fitted on a subset
(the posterior still conditions on every observation).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import model
from .encoding import Encoding

STATE_VERSION = 1
MAX_FIT_POINTS = 256  # hyperparameters are fitted on at most this many observations


def fit_subset(seed: int, n: int) -> np.ndarray:
    """The indices of at most MAX_FIT_POINTS of n observations, random but stable as n grows.

    Each observation keeps one random priority for the life of the study (a prefix of
    the seed's stream), so the next call's subset differs by at most one point and the
    stored fit stays a good warm start (a fresh subset per call doubled the fit's time).
    """
    if n <= MAX_FIT_POINTS:
        return np.arange(n)
    priority = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, 0, 1]).random(n)  # own stream
    return np.sort(np.argsort(priority, kind="stable")[:MAX_FIT_POINTS])


def starts(state, enc: Encoding, fixed: bool, rng, cap: bool = True) -> list[np.ndarray]:
    """Warm start from the stored fit when it matches this space, else prior-based
    (`cap`: as model.bounds)."""
    base = model.prior_mode(enc.d, fixed)
    warm = warm_theta(state, enc, fixed, cap)
    if warm is not None:
        return [warm]
    mu, sigma = model.ls_prior(enc.d)
    other = base.copy()
    other[: enc.d] = np.clip(mu - sigma**2 + 0.5 * rng.standard_normal(enc.d), -6.0, 6.0)
    return [base, other]


def warm_theta(state, enc: Encoding, fixed: bool, cap: bool = True) -> np.ndarray | None:
    if not isinstance(state, Mapping) or state.get("version") != STATE_VERSION:
        return None
    if state.get("names") != list(enc.space.names) or state.get("deterministic") != fixed:
        return None
    try:
        theta = np.asarray(state["theta"], dtype=float)
    except (KeyError, TypeError, ValueError):
        return None
    expected = len(model.prior_mode(enc.d, fixed))
    if theta.shape != (expected,) or not np.all(np.isfinite(theta)):
        return None
    lo, hi = np.array(model.bounds(enc.cat, fixed, cap)).T
    return np.clip(theta, lo, hi)
