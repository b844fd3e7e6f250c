"""Acquisition functions on the standardized, minimized scale, with gradients.

log EI (Ament et al. 2023, arXiv 2310.20708): with z = (f_best - mean) / std,
    EI = std * h(z),  h(z) = phi(z) + z Phi(z),
    log EI = log std + log h(z),
where log h is computed so that it stays finite and accurate far into the lower tail,
where EI itself underflows to 0 and plain EI gives optimizers a flat zero landscape:
    z > -1:                 log(phi(z) + z Phi(z))
    -1/sqrt(eps) < z <= -1: -z^2/2 - log(2 pi)/2 + log1mexp(log(erfcx(-z/sqrt 2) |z|)
                            + log(pi/2)/2)
    z <= -1/sqrt(eps):      -z^2/2 - log(2 pi)/2 - 2 log|z|   (asymptote)
Its derivative d log h / dz = Phi(z) / h(z) = exp(log_ndtr(z) - log h(z)), stable too.

UCB (for minimization, a lower confidence bound): -(mean - sqrt(beta) std).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_HALF_LOG_PI_2 = 0.5 * np.log(np.pi / 2)
_INV_SQRT_EPS = 1.0 / np.sqrt(np.finfo(float).eps)


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x < 0, accurate on both sides of -log 2 (Maechler 2012)."""
    return np.where(
        x > -np.log(2.0), np.log(-np.expm1(np.minimum(x, -1e-300))), np.log1p(-np.exp(x))
    )


def log_h(z: np.ndarray) -> np.ndarray:
    """log(phi(z) + z Phi(z)), finite for every finite z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu * zu - _LOG_SQRT_2PI) + zu * ndtr(zu))
    mid = ~upper & (z > -_INV_SQRT_EPS)
    zm = z[mid]
    out[mid] = (
        -0.5 * zm * zm
        - _LOG_SQRT_2PI
        + _log1mexp(np.log(erfcx(-zm / np.sqrt(2.0)) * -zm) + _HALF_LOG_PI_2)
    )
    far = ~upper & ~mid
    zf = z[far]
    out[far] = -0.5 * zf * zf - _LOG_SQRT_2PI - 2.0 * np.log(-zf)
    return out


def log_ei(mean, var, f_best, dmean=None, dvar=None):
    """log EI of minimizing below f_best, and its gradient when dmean/dvar are given.

    Args:
        mean, var: posterior mean and variance, shape (B,).
        f_best: the best (lowest) standardized value observed.
        dmean, dvar: their gradients in x, shape (B, d), or None.

    Returns:
        (values (B,), gradients (B, d) or None).
    """
    std = np.sqrt(var)
    z = (f_best - mean) / std
    lh = log_h(z)
    value = np.log(std) + lh
    if dmean is None:
        return value, None
    g = np.exp(log_ndtr(z) - lh)  # d log h / dz
    dstd = dvar / (2.0 * std[:, None])
    grad = (dstd * (1.0 - g * z)[:, None] - dmean * g[:, None]) / std[:, None]
    return value, grad


def ucb(mean, var, beta: float, dmean=None, dvar=None):
    """-(mean - sqrt(beta) std), to maximize; gradient when dmean/dvar are given."""
    std = np.sqrt(var)
    value = -mean + np.sqrt(beta) * std
    if dmean is None:
        return value, None
    return value, -dmean + np.sqrt(beta) * dvar / (2.0 * std[:, None])


def leash(values, grads, X, centre, radius: float, weight: float = 1e3):
    """The acquisition minus weight * (|x - centre| - radius)^2 beyond `radius`.

    Args:
        values, grads: the acquisition at X and its gradient, shapes (B,), (B, d) or None.
        X: shape (B, d); centre: shape (d,); the distance is Euclidean over every
            column (the sampler leashes spaces without categorical columns only).

    Returns:
        (values (B,), gradients (B, d) or None).
    """
    D = X - centre
    dist = np.sqrt((D * D).sum(1)) + 1e-12
    excess = np.maximum(0.0, dist - radius)
    values = values - weight * excess**2
    if grads is None:
        return values, None
    return values, grads - (2.0 * weight * excess / dist)[:, None] * D
