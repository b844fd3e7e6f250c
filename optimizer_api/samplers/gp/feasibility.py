"""The log probability that every constraint holds, from one GP per constraint.

Every constraint is in the form c <= t on its model's scale (a ">=" constraint is
negated, and the bound goes through the same monotone warp as the values), so
    log PoF = sum_c log Phi(z_c),   z_c = (t_c - mu_c) / s_c,
    d log PoF / dx = sum_c (phi/Phi)(z_c) (-dmu_c - z_c ds_c) / s_c.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def log_pof(mu, s, bounds, dmu=None, ds=None):
    """log P(every c <= its bound), and its gradient when dmu/ds are given.

    Args:
        mu, s: predicted means and standard deviations of the constraints, (N, c).
        bounds: (c,) on the same scale.
        dmu, ds: their gradients in x, (N, c, d), or None.

    Returns:
        (values (N,), gradients (N, d) or None); 0 everywhere when c = 0.
    """
    z = (np.asarray(bounds)[None, :] - mu) / s  # (N, c)
    log_phi_cdf = log_ndtr(z)
    value = log_phi_cdf.sum(axis=1)
    if dmu is None:
        return value, None
    ratio = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_phi_cdf)  # phi/Phi, stable
    coef = (ratio / s)[:, :, None]
    grad = np.sum(coef * (-dmu - z[:, :, None] * ds), axis=1)
    return value, grad
