"""One GP per observed column (an objective or a constraint), fitted the way the
single-objective sampler fits its one: warped values, MAP kernel on a stable subset,
warm-started from the previous call's fit, and pending points believed at their mean.
With the parent studies' data of the column (warm.Prior), the two-task kernel of warm.py,
dropped again when the fitted task correlation is below warm.MIN_CORRELATION."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from . import model, warm
from .encoding import Encoding
from .fitstate import fit_subset, starts
from .warp import Warp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    """A fitted GP over one column's observations (X, raw values v, minimized)."""

    X: np.ndarray  # (n, d)
    y: np.ndarray  # (n,) on the model scale: warp.forward(v)
    warp: Warp
    theta: np.ndarray  # over d columns, or d + 1 (the task column last) with `prior`
    cat: np.ndarray
    prior: warm.Prior | None = None  # the parents' data the fit kept (related ones)

    @classmethod
    def fit(cls, X, v, enc: Encoding, state, fixed: bool, seed: int, rng,
            prior: warm.Prior | None = None, power: bool = True) -> Column:
        """prior: the parent studies' data (warm start); power: the Yeo-Johnson step of
        the output warp (else only standardized)."""
        warp = Warp.fit(v, power=power)
        y = warp.forward(v)
        idx = fit_subset(seed, len(X))
        with np.errstate(all="ignore"):
            if prior is not None:
                Xa, ya, _ = prior.augment(X[idx], y[idx])
                theta = model.fit(Xa, ya, prior.cat, _starts(state, prior.enc, fixed, rng),
                                  fixed, cap=False)
                if warm.related(theta, enc.d):
                    return cls(X, y, warp, theta, enc.cat, prior)
            theta = model.fit(X[idx], y[idx], enc.cat, _starts(state, enc, fixed, rng), fixed,
                              cap=False)
        return cls(X, y, warp, theta, enc.cat)

    @property
    def names(self) -> list[str] | None:
        """The columns its theta is over, where they are not the space's: with the task."""
        return None if self.prior is None else list(self.prior.enc.space.names)

    def posterior(self, X_pending: np.ndarray) -> tuple[model.Posterior, np.ndarray]:
        """The posterior given observations (and the parents' data) and pending rows
        believed at their predicted mean (kriging believer), and those believed values."""
        post = build(self.X, self.y, self.cat, self.theta, prior=self.prior)
        if len(X_pending) == 0:
            return post, np.empty(0)
        believed, _ = post.predict(X_pending)
        X = np.vstack([self.X, X_pending])
        y = np.concatenate([self.y, believed])
        return build(X, y, self.cat, self.theta, len(self.y), self.prior), believed

    def to_user(self, mean: float, std: float) -> tuple[float, float]:
        """A model-scale mean and std as the predictive median and half the +-1 std band
        in the column's own (minimized) units."""
        w = self.warp
        lo, mid, hi = w.inverse(np.array([mean - std, mean, mean + std]))
        if not np.isfinite([lo, mid, hi]).all():  # outside the power transform's range
            linear = w.s1 * w.s2
            return float(w.m1 + w.s1 * (mean * w.s2 + w.m2)), float(linear * std)
        return float(mid), float(hi - lo) / 2


def _starts(state, enc: Encoding, fixed: bool, rng) -> list[np.ndarray]:
    """The usual starts (the stored fit, else two from the prior), and, when the noise
    is fitted, each of them again with the noise at QUIET_NOISE unless it is already
    that low.

    The log posterior of a smooth GP is often bimodal in the noise: a wiggle the
    lengthscales have not resolved yet is explained as noise, and L-BFGS-B from a
    noisy start stays in that mode even once the data favour a short lengthscale and
    almost no noise. ZDT3's second objective oscillates in x0 (period 0.2): at trial 40
    of seed 4 the warm start stayed at noise 0.033 and lengthscale 0.93 in x0 (-log
    posterior 27.4), while the same fit started at noise 1e-4 reached noise ~0 and
    lengthscale 0.14 (21.3): 6 nats better, and the noisy GP had smoothed the
    disconnected front away (the suggestions repeated its one extreme point). The
    quiet start costs one more L-BFGS-B per column and noisy fit.
    """
    out = starts(state, enc, fixed, rng, cap=False)
    if fixed:
        return out
    quiet = []
    for theta in out:
        if theta[-1] > QUIET_LOG_NOISE + 1.0:
            q = theta.copy()
            q[-1] = QUIET_LOG_NOISE
            quiet.append(q)
    return out + quiet


QUIET_LOG_NOISE = float(np.log(1e-4))


def build(X, y, cat, theta, n_noisy=None, prior: warm.Prior | None = None,
          mean0: float = 0.0) -> model.Posterior:
    """The posterior, with more jitter if K is numerically singular (as sampler.py); over
    [x, task] answered at task 0 with the parents' data (warm.TaskPosterior); `mean0`
    the constant prior mean."""
    if prior is not None:
        X, y, n_noisy = prior.augment(X, y, n_noisy)
        return warm.TaskPosterior(build(X, y, prior.cat, theta, n_noisy, mean0=mean0))
    for jitter in (0.0, 1e-6, 1e-4):
        try:
            return model.Posterior.build(X, y, cat, theta, jitter, n_noisy, mean0)
        except np.linalg.LinAlgError:
            log.warning("Cholesky failed with extra jitter %g; retrying with more", jitter)
    return model.Posterior.build(X, y, cat, model.prior_mode(X.shape[1], False), 1e-3,
                                 n_noisy, mean0)


def predict(posts: list[model.Posterior], X: np.ndarray, with_grad: bool):
    """Means and stds of every posterior at X: (N, c) each; with their gradients
    (N, c, d) each when with_grad, else None."""
    if not with_grad:
        pairs = [p.predict(X) for p in posts]
        mu = np.column_stack([m for m, _ in pairs])
        s = np.sqrt(np.column_stack([v for _, v in pairs]))
        return mu, s, None, None
    parts = [p.predict_grad(X) for p in posts]
    mu = np.column_stack([m for m, _, _, _ in parts])
    s = np.sqrt(np.column_stack([v for _, v, _, _ in parts]))
    dmu = np.stack([dm for _, _, dm, _ in parts], axis=1)
    ds = np.stack([dv for _, _, _, dv in parts], axis=1) / (2.0 * s[:, :, None])
    return mu, s, dmu, ds
