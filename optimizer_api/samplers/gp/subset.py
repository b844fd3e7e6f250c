"""Which observations the posterior conditions on when the history is long.

Conditioning on n observations costs O(n^3) to factorize and O(n^2) per acquisition
evaluation: 33 s per suggestion at n = 5,000. Past MAX_POSTERIOR_POINTS the posterior
conditions on a subset chosen for what the acquisition needs, not at random:

- the best observations (a quarter of the subset): where the incumbent is and where
  the acquisition's local candidates start;
- the nearest neighbours of the few best points, in the kernel's own scaled distance
  (a quarter): the local shape of the function there, as a trust region would see it;
- a stable random remainder (half): the global picture, so that the model still knows
  where it has looked and found nothing.

The incumbent (the best value) is taken from every observation, not from the subset.
Running trials are believed at the predicted mean as below the cap (sampler.py); past it
only the POSTERIOR_PENDING nearest the best points are, and every one of them still
keeps new points apart (History.first_apart). The chosen share and the cap were picked
by measurement: benchmarks/results/gp_large.md.
"""

from __future__ import annotations

import numpy as np

from . import kernel

MAX_POSTERIOR_POINTS = 512  # observed + pending + this call's picks, at most
POSTERIOR_PENDING = MAX_POSTERIOR_POINTS // 8
BEST_SHARE = 0.25
NEAR_SHARE = 0.25
N_CENTRES = 5  # the best points whose neighbours are kept (as many as optimize._around)


def pending_rows(X_pending, X_best, inv_ls2, cat, cap: int = POSTERIOR_PENDING) -> np.ndarray:
    """Indices of at most `cap` pending rows, the nearest to any of the best rows first."""
    if len(X_pending) <= cap:
        return np.arange(len(X_pending))
    s = kernel.sq_dist(X_pending, X_best, inv_ls2, cat).min(1)  # (p,)
    return np.sort(np.argsort(s, kind="stable")[:cap])


def observed_rows(X, y, inv_ls2, cat, seed: int, room: int) -> np.ndarray:
    """Indices (sorted) of at most `room` observations: the best, their neighbours, and
    a random remainder that is stable as the study grows.

    Args:
        X: observed rows, shape (n, d).
        y: their values (minimized), shape (n,).
        inv_ls2: the kernel's 1 / lengthscale**2, shape (d,), for the neighbours' distance.
        seed: the study's seed (the remainder's priorities).
        room: how many to keep.
    """
    n = len(y)
    if n <= room:
        return np.arange(n)
    chosen = np.zeros(n, bool)
    by_value = np.argsort(y, kind="stable")
    chosen[by_value[: int(BEST_SHARE * room)]] = True
    centres = X[by_value[:N_CENTRES]]
    s = kernel.sq_dist(X, centres, inv_ls2, cat).min(1)  # (n,) to the nearest centre
    _add(chosen, np.argsort(s, kind="stable"), int((BEST_SHARE + NEAR_SHARE) * room))
    priority = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, 0, 2]).random(n)
    _add(chosen, np.argsort(priority, kind="stable"), room)
    return np.flatnonzero(chosen)


def _add(chosen: np.ndarray, order: np.ndarray, total: int) -> None:
    """Mark the first rows of `order` not yet chosen until `total` are chosen."""
    need = total - int(chosen.sum())
    if need > 0:
        fresh = order[~chosen[order]]
        chosen[fresh[:need]] = True


def posterior_rows(X, y, X_pending, inv_ls2, cat, seed: int, count: int):
    """(observed indices, pending indices) the posterior conditions on, leaving room for
    this call's `count` picks: all of them while they fit under MAX_POSTERIOR_POINTS."""
    n, p = len(y), len(X_pending)
    if n + p + count - 1 <= MAX_POSTERIOR_POINTS:
        return np.arange(n), np.arange(p)
    X_best = X[np.argsort(y, kind="stable")[:N_CENTRES]]
    pend = pending_rows(X_pending, X_best, inv_ls2, cat)
    room = max(MAX_POSTERIOR_POINTS - len(pend) - (count - 1), MAX_POSTERIOR_POINTS // 2)
    return observed_rows(X, y, inv_ls2, cat, seed, room), pend
