"""Expected hypervolume improvement, in log space, for independent Gaussian objectives.

Notation (minimization; shapes in trailing comments):
    P       the current Pareto front, every row strictly below r        # (m, k)
    r       the reference point                                           # (k,)
    [l, u]  the boxes that split the region below r that P does not dominate
            (lower corners may be -inf)                                   # (B, k) each
    mu, s   the predicted mean and standard deviation of each objective  # (N, k)

The improvement of a new point y is the part of that region y dominates:
    HVI(y) = sum_b prod_j (u_bj - max(l_bj, y_j))^+.
With y_j ~ N(mu_j, s_j^2) independent, each factor has a closed form: since
u - max(l, y) = (u - y)^+ - (l - y)^+ whenever it is positive,
    E[(u - max(l, Y))^+] = s (h(b) - h(a)),   a = (l - mu)/s, b = (u - mu)/s,
with h(z) = phi(z) + z Phi(z), the function of expected improvement. So
    log EHVI = logsumexp_b sum_j [log s_j + log h(b_bj) + log1mexp(log h(a_bj) - log h(b_bj))]
is finite far into the tails (log h from acquisition.py), and its derivatives are
    d factor / d mu = -(Phi(b) - Phi(a)),   d factor / d s = phi(b) - phi(a).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr, logsumexp

from ...analysis.pareto import non_dominated
from .acquisition import _log1mexp, log_h

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
# Candidates scored at once: keeps the (N, B, k) intermediates to a few MB.
_CHUNK_CELLS = 1 << 18


def boxes(P: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes (lower, upper), each (B, k), covering exactly the points below ref
    that no row of P dominates; lower corners may be -inf. Rows of P not strictly below
    ref are ignored."""
    P = np.asarray(P, dtype=float)
    ref = np.asarray(ref, dtype=float)
    P = P[np.all(P < ref, axis=1)]
    if len(P):
        P = np.unique(P[non_dominated(P)], axis=0)
    return _boxes(P, ref)


def _boxes(P: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = len(ref)
    if k == 1:
        top = P[:, 0].min() if len(P) else ref[0]
        return np.array([[-np.inf]]), np.array([[top]])
    if k == 2:
        return _staircase(P, ref)
    return _slabs(P, ref)


def _staircase(P: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 2-D region above a front (x ascending, y descending): one box per step."""
    P = P[non_dominated(P)] if len(P) else P
    P = P[np.argsort(P[:, 0], kind="stable")]
    x = np.r_[-np.inf, P[:, 0], ref[0]]
    top = np.r_[ref[1], P[:, 1]]
    keep = x[1:] > x[:-1]
    lower = np.column_stack([x[:-1], np.full(len(top), -np.inf)])[keep]
    upper = np.column_stack([x[1:], top])[keep]
    return lower, upper


def _slabs(P: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slices along the last objective: between consecutive values z_i < z_(i+1), the
    rows with last value <= z_i dominate what their first k-1 values dominate. A box of
    one slab that is the same in the next is extended, not repeated."""
    P = P[np.argsort(P[:, -1], kind="stable")]
    z = np.r_[-np.inf, P[:, -1], ref[-1]]
    open_: dict[bytes, tuple[np.ndarray, np.ndarray, float]] = {}
    lowers, uppers = [], []

    def close(key: bytes, end: float) -> None:
        lo, up, start = open_.pop(key)
        lowers.append(np.r_[lo, start])
        uppers.append(np.r_[up, end])

    for i in range(len(z) - 1):
        if z[i + 1] <= z[i]:
            continue
        lo, up = _boxes(_front(P[:i, :-1]), ref[:-1])
        keys = [a.tobytes() + b.tobytes() for a, b in zip(lo, up, strict=True)]
        for key in set(open_) - set(keys):
            close(key, z[i])
        for key, a, b in zip(keys, lo, up, strict=True):
            open_.setdefault(key, (a, b, z[i]))
    for key in list(open_):
        close(key, z[-1])
    return np.array(lowers), np.array(uppers)


def _front(Q: np.ndarray) -> np.ndarray:
    return np.unique(Q[non_dominated(Q)], axis=0) if len(Q) else Q


def _log_diff_ndtr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for a < b, from whichever tail keeps precision."""
    upper = a > 0
    hi = np.where(upper, -a, b)
    lo = np.where(upper, -b, a)
    lhi = log_ndtr(hi)
    return lhi + _log1mexp(np.minimum(log_ndtr(lo) - lhi, -1e-300))


def _log_h(z: np.ndarray) -> np.ndarray:
    """log h(z), -inf at z = -inf."""
    out = np.full(z.shape, -np.inf)
    ok = np.isfinite(z)
    out[ok] = log_h(z[ok])
    return out


def _log_factors(mu, s, lower, upper, with_grad):
    """log E[(u - max(l, Y))^+] per candidate, box and objective: (N, B, k); with
    d/d mu and d/d s of that log when with_grad."""
    a = (lower[None] - mu[:, None]) / s[:, None]  # (N, B, k)
    b = (upper[None] - mu[:, None]) / s[:, None]
    lha, lhb = _log_h(a), _log_h(b)
    logf = np.log(s)[:, None] + lhb + _log1mexp(np.minimum(lha - lhb, -1e-300))
    if not with_grad:
        return logf, None, None
    d_mu = -np.exp(_log_diff_ndtr(a, b) - logf)
    log_phi_a = np.where(np.isfinite(a), -0.5 * a * a - _LOG_SQRT_2PI, -np.inf)
    d_s = np.exp(-0.5 * b * b - _LOG_SQRT_2PI - logf) - np.exp(log_phi_a - logf)
    return logf, d_mu, d_s


def log_ehvi(mu, s, lower, upper, dmu=None, ds=None):
    """log EHVI of each candidate, and its gradient when dmu/ds are given.

    Args:
        mu, s: predicted means and standard deviations, (N, k).
        lower, upper: the boxes from `boxes`, (B, k).
        dmu, ds: their gradients in x, (N, k, d), or None.

    Returns:
        (values (N,), gradients (N, d) or None).
    """
    N, k = mu.shape
    step = max(1, _CHUNK_CELLS // max(1, len(lower) * k))
    values = np.empty(N)
    grad = None if dmu is None else np.empty((N, dmu.shape[2]))
    for start in range(0, N, step):
        part = slice(start, start + step)
        logf, d_mu, d_s = _log_factors(mu[part], s[part], lower, upper, dmu is not None)
        per_box = logf.sum(axis=2)  # (n, B)
        values[part] = logsumexp(per_box, axis=1)
        if grad is not None:
            w = np.exp(per_box - values[part][:, None])  # (n, B): each box's share
            g_mu = np.einsum("nb,nbk->nk", w, d_mu)
            g_s = np.einsum("nb,nbk->nk", w, d_s)
            grad[part] = np.einsum("nk,nkd->nd", g_mu, dmu[part]) + np.einsum(
                "nk,nkd->nd", g_s, ds[part]
            )
    return values, grad
