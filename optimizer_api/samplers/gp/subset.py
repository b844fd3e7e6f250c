"""Which observations the posterior conditions on when the history is long.

Conditioning on n observations costs O(n^3) to factorize and O(n^2) per acquisition
evaluation: 11.6 s of CPU per suggestion at n = 5,000 in 20-D. Past MAX_POSTERIOR_POINTS
the posterior conditions on a subset chosen for what the acquisition needs, not at random:

- the best observations (an eighth of the subset): where the incumbent is and where
  the acquisition's local candidates start;
- the nearest neighbours of the incumbent (half of an eighth), then of the few best
  points (an eighth in all), in the kernel's own scaled distance: the local shape of
  the function there, as a trust region would see it;
- a stable random remainder (three quarters): the global picture, so that the model
  still knows where it has looked and found nothing. With the fitted lengthscales
  usually long, the mean near the incumbent is a regression on much of the data: a
  subset half made of the best and their neighbours lost more of the full GP's
  acquisition on histories crowded around the incumbent (3.80 nats against 2.65) and
  about as much on uniform ones (0.19 against 0.27).

The incumbent (the best value) is taken from every observation, not from the subset.
Running trials are believed at the predicted mean as below the cap (sampler.py); past it
only the POSTERIOR_PENDING nearest the best points are, and every one of them still
keeps new points apart (History.first_apart).

Measured (benchmarks/results/gp_large.md): the cap keeps a warm suggestion at ~0.08 s of
CPU in 6-D and ~0.16 s in 20-D at n = 10,000 (the full posterior took 1.3 s at
n = 2,000 and 11.6 s at n = 5,000 in 20-D). At n = 2,000 in 20-D and 40-D the chosen
subset's proposals lose a median 0.27 nats of the full GP's own log-EI on uniform
histories (a random 512: 0.80; a random 100 as W&B: 2.45), but 2.65 on histories
crowded around the incumbent by another optimizer (a random 512: 1.85): there the smooth
global fit needs much of the data, which only a sparse (inducing-point) posterior over
every observation would keep within the budget.
"""

from __future__ import annotations

import numpy as np

from . import kernel

MAX_POSTERIOR_POINTS = 512  # observed + pending + this call's picks, at most
POSTERIOR_PENDING = MAX_POSTERIOR_POINTS // 8
BEST_SHARE = 0.125
NEAR_SHARE = 0.125
N_CENTRES = 5  # the best points whose neighbours are kept (as many as optimize._around)


def pending_rows(X_pending, X_best, inv_ls2, cat, cap: int = POSTERIOR_PENDING) -> np.ndarray:
    """Indices of at most `cap` pending rows, the nearest to any of the best rows first."""
    if len(X_pending) <= cap:
        return np.arange(len(X_pending))
    s = kernel.sq_dist(X_pending, X_best, inv_ls2, cat).min(1)  # (p,)
    return np.sort(np.argsort(s, kind="stable")[:cap])


def observed_rows(X, y, inv_ls2, cat, seed: int, room: int) -> np.ndarray:
    """Indices (sorted) of at most `room` observations: the best, the neighbours of the
    incumbent and of the next best, and a random remainder, stable as the study grows.

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
    best, near = int(BEST_SHARE * room), int(NEAR_SHARE * room)
    chosen = np.zeros(n, bool)
    by_value = np.argsort(y, kind="stable")
    chosen[by_value[:best]] = True
    s = kernel.sq_dist(X, X[by_value[:N_CENTRES]], inv_ls2, cat)  # (n, N_CENTRES)
    _add(chosen, np.argsort(s[:, 0], kind="stable"), best + near // 2)  # the incumbent's
    _add(chosen, np.argsort(s.min(1), kind="stable"), best + near)  # any centre's
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
