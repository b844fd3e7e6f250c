"""Random augmented Chebyshev scalarizations of several objectives (ParEGO, Knowles
2006): with objectives scaled to [0, 1] over what was observed and weights w drawn
uniformly from the simplex,
    s(y) = max_j w_j y_j + rho sum_j w_j y_j.
Every minimizer of s is Pareto-optimal, and every Pareto-optimal point (even on a
concave front) minimizes s for some w; the rho term breaks ties toward strict optima.
"""

from __future__ import annotations

import numpy as np

RHO = 0.05  # ParEGO's


def random_weights(k: int, rng: np.random.Generator) -> np.ndarray:
    """Weights (k,) uniform on the simplex."""
    return rng.dirichlet(np.ones(k))


def augmented_chebyshev(Y: np.ndarray, weights: np.ndarray, rho: float = RHO) -> np.ndarray:
    """s (n,) of each row of Y (n, k), minimized, each column scaled over its own range."""
    low, high = Y.min(axis=0), Y.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    W = weights * (Y - low) / span
    return W.max(axis=1) + rho * W.sum(axis=1)
