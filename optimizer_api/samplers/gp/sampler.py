"""The `bayesian` algorithm: a GP sampler rebuilt from the study's trials on each call.

What the trials mean to it:
- completed trials with a value, and pruned trials with a value (their last
  intermediate one), are observations;
- running trials are pending: the GP is conditioned on them at its own predicted mean
  (kriging believer), which keeps the mean and shrinks the uncertainty there, so
  concurrent workers and `count > 1` get distinct, useful points; in a numeric space
  those points are also kept near the incumbent (tuning.BATCH_RADIUS);
- far from every observation the posterior mean returns to a pessimistic prior mean
  (tuning.prior_mean), so unexplored regions promise improvement only through
  uncertainty;
- failed and expired trials are not fitted, but like every other trial their
  configuration is never suggested again (unless the space is exhausted).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...domain import Direction
from ...space import Space
from ..base import Proposal, SamplerContext, Suggestion, Unbounded
from ..random import check_options
from . import acquisition, model, multi, subset, tuning, warm
from .columns import build as _build
from .encoding import Encoding
from .fitstate import STATE_VERSION, fit_subset, starts
from .history import History, load_history
from .optimize import maximize
from .warp import Warp

log = logging.getLogger(__name__)

DEFAULT_BETA = 2.0
ACQUISITIONS = ("log_ei", "ucb")
_WARM_KEYS = {False: "theta_warped", True: "theta_plain"}  # stored fits, by plain_step


class GPSampler(Unbounded):
    name = "bayesian"
    needs_history = True
    reads_columns = True  # TrialColumns: the history without a Trial per row

    def validate_options(self, options: Mapping[str, Any], space: Space) -> dict[str, Any]:
        check_options(options, {"n_initial", "deterministic", "acquisition", "beta"}, self.name)
        out = {
            "n_initial": options.get("n_initial", tuning.DEFAULT_N_INITIAL),
            "deterministic": options.get("deterministic", False),
            "acquisition": options.get("acquisition", "log_ei"),
            "beta": options.get("beta", DEFAULT_BETA),
        }
        n, beta = out["n_initial"], out["beta"]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10_000:
            raise ValueError(f"n_initial must be an integer in [1, 10000], got {n!r}")
        if not isinstance(out["deterministic"], bool):
            raise ValueError(f"deterministic must be a boolean, got {out['deterministic']!r}")
        if out["acquisition"] not in ACQUISITIONS:
            raise ValueError(
                f"acquisition must be one of {list(ACQUISITIONS)}, got {out['acquisition']!r}"
            )
        if (
            isinstance(beta, bool)
            or not isinstance(beta, int | float)
            or not (np.isfinite(beta) and beta > 0)
        ):
            raise ValueError(f"beta must be a positive finite number, got {beta!r}")
        out["beta"] = float(beta)
        return out

    def max_count(self, space: Space) -> int:
        return max(1, tuning.MAX_WORK // (len(space) + tuning.SUGGESTION_OVERHEAD))

    def suggest(self, ctx: SamplerContext) -> Proposal:
        opts = self.validate_options(ctx.options, ctx.space)
        enc = Encoding(ctx.space)
        several = multi.applies(ctx)  # several objectives or constraints: multi.py
        hist = multi.load(ctx, enc) if several else load_history(ctx.trials, enc, ctx.direction)
        rng = ctx.rng(ctx.numbers[0] if ctx.numbers else 0)
        if several:  # by column, by name; the first column's parents open the study
            col_priors = multi.priors(ctx, enc)
            prior = next((p for p in col_priors if p is not None), None)
        else:
            prior = warm.fit_prior(ctx.prior_trials, enc, ctx.direction) if ctx.prior_trials \
                else None
        n_initial = min(opts["n_initial"], warm.WARM_N_INITIAL) if prior else opts["n_initial"]
        n_model = sum(
            1
            for i in range(len(ctx.numbers))
            if hist.n_obs > 0 and hist.n_obs + len(hist.X_pending) + i >= n_initial
        )
        out: list[Suggestion] = []
        for number in ctx.numbers[: len(ctx.numbers) - n_model]:
            out.append(self._initial(ctx, enc, hist, number, prior))
        state = dict(ctx.state) if ctx.state else None
        if n_model:
            if several:
                sugg, state = multi.MultiRound(ctx, enc, hist, opts, rng, col_priors).run(n_model)
            else:
                sugg, state = _ModelRound(ctx, enc, hist, opts, rng, prior).run(n_model)
            out.extend(sugg)
        return Proposal(out, state)

    def _initial(self, ctx, enc: Encoding, hist: History, number: int, prior) -> Suggestion:
        """Point `number` of the seed's scrambled Sobol sequence, or the next free one;
        a warm-started study's first trial: the parents' best (see warm.py)."""
        size = 1 << max(int(number + 1).bit_length() + 1, 6)
        with np.errstate(all="ignore"):
            U = _sobol_block(ctx.seed, enc.d, size)
        rows = enc.from_unit_cube(U)
        order = np.concatenate([[number], np.arange(number + 1, size), np.arange(number)])
        source = "initial_design"
        if prior is not None and not hist.taken:  # nothing suggested or observed yet
            rows, order = warm.first_row(prior, enc, rows[number])[None, :], [0]
            source = "warm_start"
        row = hist.first_free(rows[order], enc)
        hist.take(row, enc)
        return Suggestion(enc.decode(row), {"source": source})


def _sobol_block(seed: int, d: int, size: int) -> np.ndarray:
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        eng = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed & 0xFFFFFFFFFFFFFFFF))
        return eng.random(size)


class _ModelRound:
    """One call's model-based suggestions: fit once, then pick, believe, repeat."""

    def __init__(self, ctx: SamplerContext, enc: Encoding, hist: History, opts, rng, prior=None):
        self.ctx, self.enc, self.hist, self.opts, self.rng = ctx, enc, hist, opts, rng
        self.prior = prior  # warm.Prior: the parent studies' data, or None
        self.fit_enc = prior.enc if prior else enc  # with the task column when warm
        # With a categorical column, every PLAIN_EVERY-th trial is chosen on the values
        # only standardized: see tuning.PLAIN_EVERY.
        every = tuning.PLAIN_EVERY
        self.alternates = tuning.POWER_WARP and every > 0 and bool(enc.cat.any())
        number = hist.n_obs + len(hist.X_pending)
        self.plain_step = self.alternates and number % every == every - 1
        self.warp = Warp.fit(hist.y, power=tuning.POWER_WARP and not self.plain_step)
        self.y = self.warp.forward(hist.y)

    def run(self, count: int) -> tuple[list[Suggestion], dict[str, Any]]:
        theta = self._fit()
        state = {
            "version": STATE_VERSION,
            "names": list(self.fit_enc.space.names),
            "deterministic": self.opts["deterministic"],
            "theta": theta.tolist(),
        }
        if self.alternates:  # each transform's last fit: the warm start of its next one
            old = self.ctx.state if isinstance(self.ctx.state, dict) else {}
            state.update({k: old[k] for k in _WARM_KEYS.values() if k in old})
            state[_WARM_KEYS[self.plain_step]] = theta.tolist()
        out = []
        X_pending = self.hist.X_pending  # each keeps new points apart (first_apart)
        X_believed = self._choose_rows(count)  # those the posterior conditions on
        for _ in range(count):
            try:
                post, f_best = self._posterior(theta, X_believed)
                row, info = self._pick(post, f_best, X_pending)
            except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
                row, info = self.hist.fallback(self.enc, self.rng, exc)
            self.hist.take(row, self.enc)
            X_pending = np.vstack([X_pending, row[None, :]])
            X_believed = np.vstack([X_believed, row[None, :]])
            out.append(Suggestion(self.enc.decode(row), info))
        return out, state

    def _fit(self) -> np.ndarray:
        """The fitted theta; what the rest of the round reads from it, derived once."""
        theta = self._fit_theta()
        inv_ls2, signal, noise = model.unpack(theta, self.fit_enc.d)
        self.inv_ls2 = inv_ls2[: self.enc.d]  # no task column
        self.lengthscales = self.inv_ls2**-0.5  # the acquisition optimizer's scale
        self.mean0 = tuning.prior_mean(signal, noise)  # the posterior's prior mean
        return theta

    def _fit_theta(self) -> np.ndarray:
        X, y = self.hist.X, self.y
        fixed = self.opts["deterministic"]
        idx = fit_subset(self.ctx.seed, len(X))  # O(n^3) per step: fit on a subset
        X, y = X[idx], y[idx]
        if self.prior is not None:  # the parents' rows join with their task column
            with np.errstate(all="ignore"):
                Xa, ya, _ = self.prior.augment(X, y)
                enc = self.fit_enc
                theta = model.fit(Xa, ya, enc.cat, starts(self.ctx.state, enc, fixed, self.rng),
                                  fixed)
            if warm.related(theta, self.enc.d):
                return theta
            self.prior, self.fit_enc = None, self.enc  # unrelated parents: this study alone
        state, key = self.ctx.state, _WARM_KEYS[self.plain_step]
        if self.alternates and isinstance(state, dict) and key in state:
            state = {**state, "theta": state[key]}  # this transform's last fit
        with np.errstate(all="ignore"):
            return model.fit(X, y, self.enc.cat, starts(state, self.enc, fixed, self.rng), fixed)

    def _choose_rows(self, count: int) -> np.ndarray:
        """Past subset.MAX_POSTERIOR_POINTS, the posterior sees a subset (subset.py); the
        pending rows it believes."""
        obs, pend = subset.posterior_rows(self.hist.X, self.y, self.hist.X_pending, self.inv_ls2,
                                          self.enc.cat, self.ctx.seed, count)
        self.X_obs, self.y_obs = self.hist.X[obs], self.y[obs]
        return self.hist.X_pending[pend]

    def _posterior(self, theta, X_pending) -> tuple[model.Posterior, float]:
        """The posterior given observations and pending points, and the incumbent.

        Pending points are believed at the predicted mean; a believed value better than
        every observation is the incumbent, or EI would stay positive at the pending point
        itself and send the next worker right next to it.
        """
        post = _build(self.X_obs, self.y_obs, self.enc.cat, theta, prior=self.prior,
                      mean0=self.mean0)
        if len(X_pending) == 0:
            return post, float(self.y.min())  # the incumbent of every observation
        believed, _ = post.predict(X_pending)  # kriging believer: y_pending := mean
        X = np.vstack([self.X_obs, X_pending])
        y = np.concatenate([self.y_obs, believed])
        f_best = float(min(self.y.min(), believed.min()))
        return _build(X, y, self.enc.cat, theta, n_noisy=len(self.y_obs), prior=self.prior,
                      mean0=self.mean0), f_best

    def _pick(self, post: model.Posterior, f_best: float, X_pending) -> tuple[np.ndarray, dict]:
        kind, beta = self.opts["acquisition"], self.opts["beta"]

        def acq(X, with_grad):
            if with_grad:
                mean, var, dm, dv = post.predict_grad(X)
            else:
                (mean, var), dm, dv = post.predict(X), None, None
            if kind == "ucb":
                return acquisition.ucb(mean, var, beta, dm, dv)
            return acquisition.log_ei(mean, var, f_best, dm, dv)

        score = acq
        if len(X_pending) and not self.enc.cat.any():  # see tuning.BATCH_RADIUS
            centre = self.hist.best_rows(1)[0]

            def score(X, with_grad):
                return acquisition.leash(*acq(X, with_grad), X, centre, tuning.BATCH_RADIUS)

        n = len(post.X)
        n_cand = 2048 if n <= 100 else 1024 if n <= 400 else 512
        with np.errstate(all="ignore"):
            C, values = maximize(score, self.enc, self.rng, self.hist.best_rows(5), n_cand,
                                 lengthscales=self.lengthscales)
        row = self.hist.first_apart(C, self.enc, X_pending)
        return row, self._explain(post, row, kind, beta, f_best)

    def _explain(self, post, row, kind, beta, f_best) -> dict[str, Any]:
        """Mean and std mapped back to the user's units (through the monotone warp: the
        predictive median and half the width of the +-1 std band); UCB as the optimistic
        bound in the user's units; log-EI on the model's standardized scale."""
        mean, var = post.predict(row[None, :])
        m, s = float(mean[0]), float(np.sqrt(var[0]))
        sign = 1.0 if self.ctx.direction is Direction.MINIMIZE else -1.0
        w = self.warp
        linear = w.s1 * w.s2  # the warp's slope without the power transform, as a fallback
        lo, mid, hi = w.inverse(np.array([m - s, m, m + s]))
        if not np.isfinite([lo, mid, hi]).all():  # outside the power transform's range
            mid, lo, hi = w.m1 + w.s1 * (m * w.s2 + w.m2), -linear * s, linear * s
        if kind == "ucb":
            bound = float(w.inverse(np.array([m - np.sqrt(beta) * s]))[0])
            value = sign * (bound if np.isfinite(bound) else mid - np.sqrt(beta) * linear * s)
        else:
            value = float(acquisition.log_ei(mean, var, f_best)[0][0])
        return {
            "source": "model",
            "predicted_mean": sign * float(mid),
            "predicted_std": float(hi - lo) / 2,
            "acquisition": {"name": kind, "value": value},
        }
