"""Maximize an acquisition function over a mixed space.

1. Score quasi-random candidates (scrambled Sobol, already rounded to valid
   configurations) plus candidates sampled around the best observed points.
   A small all-discrete space is simply enumerated.
2. Take the best few as starts of one batched L-BFGS-B on the numeric columns (the sum of
   independent acquisitions, so each start gets its own exact gradient; one scipy call
   instead of a Python loop over starts); with `separate`, one L-BFGS-B per start. Given
   the model's lengthscales it works on x / lengthscale (PRECONDITION).
3. Round, then local search on the discrete columns: each round scores every start's
   neighbours (one step up or down an integer/step axis, every other category) at once
   and moves each start to its best neighbour, until none improves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

from .encoding import Encoding

# acq(X, with_grad) -> (values (B,), gradients (B, d) or None); larger is better.
Acquisition = Callable[[np.ndarray, bool], tuple[np.ndarray, np.ndarray | None]]

ENUMERATE_UP_TO = 4096
MAX_CATEGORY_MOVES = 64
LOCAL_SEARCH_ROUNDS = 20
# Relative improvement of the summed log acquisitions below which L-BFGS-B stops: a
# quarter fewer evaluations than scipy's default, the same points to ~1e-5 in log-EI.
LBFGS_FTOL = 1e-6
# Up to ~50 dimensions and 200 observations the batch converges well before this; in 20
# dimensions at n = 1000 it took ~150 evaluations of which the last third moved the best
# start's acquisition by < 1%.
LBFGS_MAXITER = 100
# L-BFGS-B on x / lengthscale rather than x, as Optuna's GPSampler does: the acquisition's
# curvature along column j scales with 1 / l_j^2, so in x it is as ill-conditioned as the
# lengthscales are spread (0.3-0.5 to 3-10 in gp_cost's 20-D case at n = 50-200) and
# L-BFGS-B, which starts from a unit Hessian, crawls. Evaluations per suggestion on
# Hartmann-6 padded to 20-D (random history, benchmarks/gp_cost.py): 46 / 54 / 81 at
# n = 50 / 100 / 200 in x, 11 / 10 / 13 scaled. It reaches the same log EI
# (styblinski_tang8, 8 runs x 54 suggestions, both optimizers from the same candidates:
# median difference 0.000 nats; the scaled one higher by > 0.1 nats at 4, lower at 1).
# Quality, paired by seed against x, 9 problems x 20 fresh seeds (100-119, 64 trials):
# 99 wins, 81 losses. On seeds 0-19 it lost 78/102: the unscaled code had been chosen
# among variants on those very seeds (ST8 2/18 there, 14/6 on the fresh ones); see
# benchmarks/results/gp_tails.md, round 5.
PRECONDITION = True


def maximize(
    acq: Acquisition,
    enc: Encoding,
    rng: np.random.Generator,
    X_best: np.ndarray,
    n_candidates: int = 1024,
    n_starts: int = 8,
    separate: bool = False,
    lengthscales: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate configurations sorted by decreasing acquisition, with their values.

    Args:
        X_best: the best observed rows, best first, shape (k, d); may be empty.
        separate: one L-BFGS-B per start instead of one on their sum. The batch shares
            one line search, one curvature estimate and one stopping test (the relative
            decrease of the sum), so a start far down a log acquisition (-1000) stops
            the others while their gradients are still large: on DTLZ2 at trial 45 the
            batch left its 8 starts at log EHVI -1.97 to -2.13 where separate runs
            reached -1.78 to -1.94. Costs ~50% more per suggestion (Python loop).
        lengthscales: the model's lengthscale per column, shape (d,), or None. L-BFGS-B
            then works on x / lengthscale (PRECONDITION).

    Returns:
        rows (m, d) and values (m,), best first.
    """
    size = enc.size()
    if size is not None and size <= ENUMERATE_UP_TO:
        C = enc.enumerate()
        return _sorted(C, _safe(acq(C, False)[0]))
    C = np.vstack([enc.sobol(n_candidates, rng), _around(X_best, enc, rng, n_candidates // 4)])
    values = _safe(acq(C, False)[0])
    S = C[np.argsort(-values, kind="stable")[:n_starts]]
    if enc.relaxed.any():
        active = enc.active(S)
        scale = lengthscales if PRECONDITION else None
        S = enc.round((_lbfgsb_each if separate else _lbfgsb)(acq, S, enc.relaxed, active, scale))
    S, s_values = _local_search(acq, S, enc)
    return _sorted(np.vstack([S, C]), np.concatenate([s_values, values]))


def _safe(v: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(v), v, -np.inf)


def _sorted(X: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-v, kind="stable")
    return X[order], v[order]


def _around(X_best: np.ndarray, enc: Encoding, rng: np.random.Generator, m: int) -> np.ndarray:
    """m rows near the best observed ones: Gaussian steps of two sizes (mirrored at the
    bounds), a few categories switched. Exploitation candidates that pure Sobol rarely
    provides in 5+ dimensions."""
    if len(X_best) == 0 or m == 0:
        return np.empty((0, enc.d))
    X = X_best[rng.integers(len(X_best), size=m)].copy()
    num = ~enc.cat
    scale = np.where(np.arange(m) % 2 == 0, 0.02, 0.1)[:, None]
    X[:, num] += scale * rng.standard_normal((m, num.sum()))
    # Mirrored at 0 and 1 (a step of 1 would be a 10-sigma one), not clipped: clipped, half
    # the steps from a best row on a bound landed exactly on it, so the starts of L-BFGS-B
    # crowded there. Branin seed 108 sampled (10, 3.00) 40 times and ended at regret 1.55
    # with the optimum (9.42, 2.47) 0.04 of the range inside; mirrored: 9e-6. Fresh seeds
    # 100-119 of 9 problems: the worst Branin 1.55 -> 7e-5, Hartmann-3 4e-3 -> 2e-5, and
    # 88 wins to 92 losses paired against clipping (benchmarks/results/gp_tails.md).
    X[:, num] = 1.0 - np.abs(1.0 - np.abs(X[:, num]))
    flip = rng.random((m, enc.d)) < 1.0 / max(enc.d, 2)
    for j in np.flatnonzero(enc.cat):
        X[flip[:, j], j] = rng.integers(enc.n_values[j], size=flip[:, j].sum())
    return enc.round(X)


def _lbfgsb(acq: Acquisition, S: np.ndarray, cols: np.ndarray, active: np.ndarray,
            scale: np.ndarray | None = None) -> np.ndarray:
    """Maximize the sum of the starts' acquisitions over the columns `cols` in [0, 1];
    inactive cells (`active` False: conditional parameters) stay where they are. The
    variables are x / scale (per column), so column j's box is [0, 1 / scale_j]."""
    shape = (len(S), int(cols.sum()))
    sc = np.broadcast_to(1.0 if scale is None else scale[cols], shape).ravel()

    def f(z: np.ndarray) -> tuple[float, np.ndarray]:
        X = S.copy()
        X[:, cols] = (z * sc).reshape(shape)
        X = np.where(active, X, S)
        v, g = acq(X, True)
        if not np.all(np.isfinite(v)):
            return np.inf, np.zeros(z.size)
        return -float(v.sum()), -(g * active)[:, cols].ravel() * sc

    res = minimize(
        f,
        S[:, cols].ravel() / sc,
        jac=True,
        method="L-BFGS-B",
        bounds=np.stack([np.zeros(sc.size), 1.0 / sc], axis=1),
        options={"maxiter": LBFGS_MAXITER, "ftol": LBFGS_FTOL},
    )
    X = S.copy()
    X[:, cols] = np.clip(res.x * sc, 0.0, 1.0).reshape(shape)
    return X


def _lbfgsb_each(acq: Acquisition, S: np.ndarray, cols: np.ndarray,
                 active: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
    """_lbfgsb from each start on its own."""
    return np.vstack([_lbfgsb(acq, S[i : i + 1], cols, active[i : i + 1], scale)
                      for i in range(len(S))])


def _neighbours(S: np.ndarray, enc: Encoding, rng: np.random.Generator):
    """All one-column discrete moves of every row: (rows, index of their origin)."""
    rows, origin = [], []
    for j in np.flatnonzero(enc.discrete):
        k = enc.to_index(j, S[:, j])
        if enc.cat[j]:
            n = enc.n_values[j]
            moves = (
                np.arange(n)
                if n <= MAX_CATEGORY_MOVES
                else rng.choice(n, MAX_CATEGORY_MOVES, replace=False)
            )
            targets = np.broadcast_to(moves, (len(S), len(moves)))
        else:
            targets = np.stack([k - 1, k + 1], axis=1)
        ok = (targets >= 0) & (targets < enc.n_values[j]) & (targets != k[:, None])
        b, t = np.nonzero(ok)
        N = S[b].copy()
        N[:, j] = enc.from_index(j, targets[b, t])
        rows.append(enc.round(N) if enc.conditional else N)  # a switch may (de)activate
        origin.append(b)
    return np.vstack(rows), np.concatenate(origin)


def _local_search(acq: Acquisition, S: np.ndarray, enc: Encoding):
    """Greedy best-neighbour moves on the discrete columns of every start at once."""
    values = _safe(acq(S, False)[0])
    if not enc.discrete.any():
        return S, values
    rng = np.random.default_rng(0)
    for _ in range(LOCAL_SEARCH_ROUNDS):
        N, origin = _neighbours(S, enc, rng)
        nv = _safe(acq(N, False)[0])
        best = np.full(len(S), -np.inf)
        arg = np.full(len(S), -1)
        order = np.lexsort((-nv, origin))  # per origin, best neighbour first
        first = np.ones(len(order), bool)
        first[1:] = origin[order][1:] != origin[order][:-1]
        best[origin[order][first]] = nv[order][first]
        arg[origin[order][first]] = order[first]
        move = best > values
        if not move.any():
            break
        S = S.copy()
        S[move] = N[arg[move]]
        values = np.where(move, best, values)
    return S, values
