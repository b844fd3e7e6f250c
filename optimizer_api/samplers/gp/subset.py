"""Which observations the posterior conditions on when the history is long.

Conditioning on n observations costs O(n^3) to factorize and O(n^2) per acquisition
evaluation: 11.6 s of CPU per suggestion at n = 5,000 in 20-D. Past MAX_POSTERIOR_POINTS
the posterior conditions on a subset chosen for what the acquisition needs, not at random:

- the N_CENTRES best observations: where the incumbent is and where the acquisition's
  local candidates start;
- the nearest neighbours of the incumbent (a sixteenth of the subset), then of the
  centres (an eighth in all), in the kernel's own scaled distance: the local shape of
  the function there, as a trust region would see it. A neighbour within THIN x the
  median squared distance to the incumbent of one already kept is skipped: a converged
  local search leaves hundreds of near-duplicates around the incumbent, and a few of
  them stand for the rest;
- a stable random remainder (most of the subset): the global picture, so that the model
  still knows where it has looked and found nothing. With the fitted lengthscales
  usually long, the mean near the incumbent is a regression on much of the data, so
  the subset keeps the history's proportions apart from what the neighbours add.

The incumbent (the best value) is taken from every observation, not from the subset.
Running trials are believed at the predicted mean as below the cap (sampler.py); past it
only the POSTERIOR_PENDING nearest the best points are, and every one of them still
keeps new points apart (History.first_apart).

Measured (benchmarks/results/gp_large.md, at n = 2,000 in 20-D and 40-D, nats of the
full GP's own log-EI lost at the proposal, median on uniform / on crowded histories):
these thinned neighbours 0.46 / 2.08, better than a random 512 in 19/30 / 23/30
proposals (a random 512: 0.80 / 1.85; a random 100 as W&B: 2.45 / 8.25); the unthinned
eighth best + eighth neighbours before: 0.27 / 2.65, better than a random 512 in only
13/30 crowded ones. The same thinned policy at a cap of 768 loses 0.22 / 1.04 but costs
0.13 s / 0.25 s of CPU per suggestion at n = 10,000 in 6-D / 20-D (against ~0.08 s /
0.16 s at 512), which would take the service's suggest past 0.3 s.
"""

from __future__ import annotations

import numpy as np

from . import kernel

MAX_POSTERIOR_POINTS = 512  # observed + pending + this call's picks, at most
POSTERIOR_PENDING = MAX_POSTERIOR_POINTS // 8
N_CENTRES = 5  # the best points whose neighbours are kept (as many as optimize._around)
INCUMBENT_SHARE = 0.0625  # of the subset: at most this many neighbours of the incumbent,
NEAR_SHARE = 0.125  # and this many neighbours of the centres in all (the incumbent's first)
THIN = 0.01  # a neighbour closer than THIN x the median distance**2 to the incumbent to
# one already kept is redundant (skipped), as the steps of a converged local search are


def pending_rows(X_pending, X_best, inv_ls2, cat, cap: int = POSTERIOR_PENDING) -> np.ndarray:
    """Indices of at most `cap` pending rows, the nearest to any of the best rows first."""
    if len(X_pending) <= cap:
        return np.arange(len(X_pending))
    s = kernel.sq_dist(X_pending, X_best, inv_ls2, cat).min(1)  # (p,)
    return np.sort(np.argsort(s, kind="stable")[:cap])


def observed_rows(X, y, inv_ls2, cat, seed: int, room: int) -> np.ndarray:
    """Indices (sorted) of at most `room` observations: the best few, their neighbours
    (thinned), and a random remainder, stable as the study grows.

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
    centres = np.argsort(y, kind="stable")[:N_CENTRES]
    chosen[centres] = True
    s = kernel.sq_dist(X, X[centres], inv_ls2, cat)  # (n, N_CENTRES)
    tau = THIN * float(np.median(s[:, 0]))
    total = len(centres)
    for order, share in ((np.argsort(s[:, 0], kind="stable"), INCUMBENT_SHARE),
                         (np.argsort(s.min(1), kind="stable"), NEAR_SHARE)):
        total = len(centres) + int(share * room)
        _add_apart(chosen, order[~chosen[order]][: 8 * room], total, X, inv_ls2, cat, tau)
    priority = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, 0, 2]).random(n)
    _add(chosen, np.argsort(priority, kind="stable"), room)
    return np.flatnonzero(chosen)


def _add_apart(chosen, candidates, total: int, X, inv_ls2, cat, tau: float) -> None:
    """Mark candidates in their order until `total` are chosen, skipping any within `tau`
    (scaled squared distance) of a row already chosen."""
    if total - int(chosen.sum()) <= 0 or not len(candidates):
        return
    Xc = X[candidates]
    gap = kernel.sq_dist(Xc, X[chosen], inv_ls2, cat).min(1)  # (m,)
    A = Xc[:, ~cat] * np.sqrt(inv_ls2[~cat])  # the candidates, scaled
    C, w_cat = Xc[:, cat], inv_ls2[cat]
    for _ in range(total - int(chosen.sum())):
        apart = gap > tau
        j = int(apart.argmax())
        if not apart[j]:
            return
        chosen[candidates[j]] = True
        diff = A - A[j]
        s = np.einsum("ij,ij->i", diff, diff)
        if len(w_cat):
            s += (C != C[j]) @ w_cat
        np.minimum(gap, s, out=gap)


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
