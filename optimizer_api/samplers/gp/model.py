"""GP regression: MAP fit of the kernel hyperparameters and the posterior.

Notation (shapes in trailing comments):
    X       encoded observed points                                       # (n, d)
    y       standardized observed values (mean 0, std 1; minimized)       # (n,)
    theta   [log l_1..log l_d, log sf2, log sn2]: log lengthscales, log signal variance,
            log noise variance; when the noise is fixed theta stops before log sn2
    K       sf2 * m(s(X, X)) + (sn2 + jitter) I                           # (n, n)
    L       lower Cholesky factor of K                                    # (n, n)
    alpha   K^-1 y                                                        # (n,)

Priors (MAP, not maximum likelihood, so that a few points cannot fit absurd kernels):
    l   ~ LogNormal(sqrt(2) + log(d) / 2, sqrt(3)), the dimension-scaled prior of
          Hvarfner et al. (2024), which keeps vanilla BO sane as d grows, bounded
          above by 0.58 max(d, 3) on numeric columns (LS_CAP);
    sf2 ~ LogNormal(0, 1), since y is standardized;
    sn2 ~ Gamma(2.1, 30) (mode 0.037, mean 0.07): it lets the noise of a deterministic
          objective shrink to what the data shows; the LogNormal(-4, 1) of the same paper
          cost 9 nats below its mode at sn2 = 1e-4 (Gamma: 5), held the noise at 1e-3 to
          6e-3 mid-run and limited final precision (Branin 2.4e-4 against 2.1e-5 with
          the Gamma; benchmarks/gp_diagnose.py).
Densities are taken on the variables themselves (with the log-Jacobian), like BoTorch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dpotrf, dtrtri
from scipy.optimize import minimize

from . import kernel

log = logging.getLogger(__name__)

JITTER = 1e-8
FIXED_NOISE = 1e-6  # the noise of a `deterministic` study, kept for conditioning
_LOG_LS_BOUNDS = (np.log(1e-3), np.log(1e3))
# Numeric lengthscales at most LS_CAP * max(d, 3) in the unit cube. Without a cap a column whose
# good points all lie on one bound (Hartmann-3: every model point at x0 = 0 from trial
# 12 on) has no data inside to bend the fit: its lengthscale grew to 7-10, the model saw
# a slope, and 3 of 20 seeds ended in the edge's local optimum (regret 0.0079; GPSampler's
# worst 4.4e-5). Capped at 1.74 in 3-D: 0 of 8 stuck (at 3.5: 1 of 8, 0.0029). Linear in
# d, not sqrt(d): inert columns need long lengthscales, and sqrt(40) cost Hartmann-6 in
# 40-D (200 trials, 2 seeds: 6.3e-4 and 1.3e-3 against 3.1e-4 and 1.2e-4 uncapped; 23:
# 1.0e-4 and 6.3e-5). Not below 1.74 in 1-2 dimensions: a 1-D constraint observed on
# [0, 0.4] could not be extrapolated to 0.7 with 0.58 (test_gp_multi). Not on the GPs of
# several objectives (columns.py): ZDT's objectives are linear in 5 of 6 columns towards
# the bound where the front lies, and capped their regret grew 3-37x (seed 0: ZDT1
# 0.0088 -> 0.027, ZDT3 0.0067 -> 0.25; benchmarks/results/mo_quality.md).
LS_CAP = 0.58
# No floor on them. A floor of 0.3 won Levy-6 (ripples 0.2 apart; 20 seeds against
# GPSampler: 8/12 without, 11/9 with), but it is a bet that no objective has features
# narrower than 0.3 of a range, and held-out problems lost it (8 seeds, 64 trials, median
# regret without / with: a learning-rate basin 0.04 of its log range wide 1.5e-6 / 0.10,
# the only seeds that miss it 1 / 8; Michalewicz-5 1.47 / 2.33): see gp_tails.md.
_LOG_SF2_BOUNDS = (np.log(1e-3), np.log(1e3))
_LOG_SN2_BOUNDS = (np.log(1e-6), np.log(2.0))
_SN2_PRIOR = (2.1, 30.0)  # Gamma(shape, rate)
_SF2_PRIOR = (0.0, 1.0)
# Stop when an iteration improves the log posterior by less than this fraction: with a
# warm start this halves the iterations and moves the optimum by ~1e-3 nats.
FIT_FTOL = 1e-6
# Cells of the (candidates, n) kernel matrix a prediction handles at once. Scoring 2,560
# candidates against 100 points in 20-D took 7.7 ms in one block and 3.0 ms in blocks of
# 512 rows (its ~10 elementwise passes then run in cache); 200 points: 17.4 / 7.6 ms.
PREDICT_BLOCK = 1 << 16


def ls_prior(d: int) -> tuple[float, float]:
    """(mu, sigma) of the log-normal lengthscale prior in d dimensions."""
    return float(np.sqrt(2.0) + 0.5 * np.log(d)), float(np.sqrt(3.0))


def _lognormal(z: float, mu: float, sigma: float) -> tuple[float, float]:
    """log density of a log-normal variable at log value z (up to a constant), d/dz."""
    u = (z - mu) / sigma
    return -0.5 * u * u - z, -u / sigma - 1.0


def _gamma(z: float, shape: float, rate: float) -> tuple[float, float]:
    """log density of a Gamma variable at log value z (up to a constant), d/dz."""
    e = rate * np.exp(z)
    return (shape - 1.0) * z - e, (shape - 1.0) - e


def prior_mode(d: int, fixed_noise: bool) -> np.ndarray:
    """The theta at the mode of the prior (in log space): a neutral starting point."""
    mu, sigma = ls_prior(d)
    theta = [mu - sigma**2] * d + [_SF2_PRIOR[0] - _SF2_PRIOR[1] ** 2]
    sn2_mode = (_SN2_PRIOR[0] - 1.0) / _SN2_PRIOR[1]
    return np.array(theta if fixed_noise else theta + [np.log(sn2_mode)])


def bounds(cat: np.ndarray, fixed_noise: bool, cap: bool = True) -> list[tuple[float, float]]:
    """L-BFGS-B's box for theta; with `cap`, numeric lengthscales at most
    LS_CAP * max(d, 3), the categorical ones' not (a long one there: categories that do
    not matter). The single-objective sampler caps; the columns of several objectives and
    constraints do not (see LS_CAP)."""
    top = float(np.log(LS_CAP * max(len(cat), 3))) if cap else _LOG_LS_BOUNDS[1]
    capped = (_LOG_LS_BOUNDS[0], top)
    b = [_LOG_LS_BOUNDS if c else capped for c in cat] + [_LOG_SF2_BOUNDS]
    return b if fixed_noise else b + [_LOG_SN2_BOUNDS]


def unpack(theta: np.ndarray, d: int) -> tuple[np.ndarray, float, float]:
    """(inv_ls2, sf2, sn2) from theta."""
    inv_ls2 = np.exp(-2.0 * theta[:d])
    sn2 = float(np.exp(theta[d + 1])) if len(theta) > d + 1 else FIXED_NOISE
    return inv_ls2, float(np.exp(theta[d])), sn2


def neg_log_posterior(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, cat: np.ndarray
) -> tuple[float, np.ndarray]:
    """-log p(y | theta) - log p(theta) and its gradient in theta (analytic)."""
    n, d = X.shape
    inv_ls2, sf2, sn2 = unpack(theta, d)
    K, dk_ds = kernel.matern52(kernel.sq_dist(X, X, inv_ls2, cat), sf2)
    noise = sn2 + JITTER
    K.flat[:: n + 1] += noise  # K is k plus the noise on its diagonal from here on
    # K is symmetric, so its C-order buffer is also K in Fortran order, which LAPACK
    # wants: the factor U (K = U^T U) and U^-1 come without a copy.
    U, info = dpotrf(K.T, lower=0, overwrite_a=1, clean=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"potrf failed with info={info}")
    log_det_half = np.log(np.diagonal(U)).sum()
    Uinv, info = dtrtri(U, lower=0, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"trtri failed with info={info}")
    Kinv = Uinv @ Uinv.T
    alpha = Kinv @ y
    nlp = 0.5 * y @ alpha + log_det_half + 0.5 * n * np.log(2 * np.pi)
    W = np.outer(alpha, alpha)
    W -= Kinv  # d log p / dK, times 2
    trace_w = np.trace(W)
    grad = np.empty(len(theta))
    # d/d log sf2 = -sum(W * k) / 2, and sum(W * k) = sum(W * K) - noise trace(W) with
    # sum(W * K) = alpha^T K alpha - trace(K^-1 K) = y^T alpha - n: no n x n pass
    grad[d] = -0.5 * (y @ alpha - n - noise * trace_w)
    grad[:d] = inv_ls2 * kernel.weighted_sq_diff_sums(X, W * dk_ds, cat)
    if len(theta) > d + 1:
        grad[d + 1] = -0.5 * sn2 * trace_w
    nlp, grad = _add_prior(theta, d, nlp, grad)
    return float(nlp), grad


def _add_prior(theta, d, nlp, grad):
    mu, sigma = ls_prior(d)
    for i in range(d):
        lp, g = _lognormal(theta[i], mu, sigma)
        nlp, grad[i] = nlp - lp, grad[i] - g
    lp, g = _lognormal(theta[d], *_SF2_PRIOR)
    nlp, grad[d] = nlp - lp, grad[d] - g
    if len(theta) > d + 1:
        lp, g = _gamma(theta[d + 1], *_SN2_PRIOR)
        nlp, grad[d + 1] = nlp - lp, grad[d + 1] - g
    return nlp, grad


def _inverse_lower(L: np.ndarray) -> np.ndarray:
    """L^-1 for a lower-triangular L (LAPACK trtri, a third of a general inverse's work).

    LAPACK wants Fortran order; handing it C order costs a slow hidden copy.
    """
    Linv, info = dtrtri(np.asfortranarray(L), lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"trtri failed with info={info}")
    return np.ascontiguousarray(Linv)


def fit(
    X: np.ndarray,
    y: np.ndarray,
    cat: np.ndarray,
    starts: list[np.ndarray],
    fixed_noise: bool,
    maxiter: int = 200,
    cap: bool = True,
) -> np.ndarray:
    """The MAP theta: L-BFGS-B from each start, best posterior wins.

    A start whose optimization fails numerically is skipped (logged); if all fail, the
    prior mode is returned, so a fit never raises.
    """
    d = X.shape[1]
    best, best_val = prior_mode(d, fixed_noise), np.inf
    for theta0 in starts:
        try:
            res = minimize(
                neg_log_posterior,
                theta0,
                args=(X, y, cat),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds(cat, fixed_noise, cap),
                options={"maxiter": maxiter, "ftol": FIT_FTOL},
            )
        except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
            log.warning("GP fit from one start failed (%s); trying the others", exc)
            continue
        if np.isfinite(res.fun) and res.fun < best_val:
            best, best_val = res.x, res.fun
    return best


@dataclass(frozen=True)
class Posterior:
    """The GP conditioned on (X, y), for a fixed theta; y standardized and minimized;
    `mean0` its constant prior mean."""

    X: np.ndarray  # (n, d)
    cat: np.ndarray  # (d,)
    inv_ls2: np.ndarray  # (d,)
    sf2: float
    Linv: np.ndarray  # (n, n), the inverse of K's Cholesky factor
    alpha: np.ndarray  # (n,), K^-1 (y - mean0)
    mean0: float = 0.0

    @classmethod
    def build(cls, X, y, cat, theta, extra_jitter=0.0, n_noisy=None, mean0=0.0) -> Posterior:
        """Condition on the data; raises LinAlgError if K is not positive definite.

        Only the first `n_noisy` rows (default: all) carry the fitted noise; the others
        are fantasies (pending points) believed exactly, so the uncertainty there drops
        to ~0 and the acquisition looks elsewhere. Far from the data the mean returns to
        `mean0`.
        """
        inv_ls2, sf2, sn2 = unpack(theta, X.shape[1])
        K, _ = kernel.matern52(kernel.sq_dist(X, X, inv_ls2, cat), sf2, grad=False)
        noise = np.full(len(X), FIXED_NOISE)
        noise[: len(X) if n_noisy is None else n_noisy] = sn2
        K[np.diag_indices(len(X))] += noise + JITTER + extra_jitter
        Linv = _inverse_lower(np.linalg.cholesky(K))
        return cls(X, cat, inv_ls2, sf2, Linv, Linv.T @ (Linv @ (y - mean0)), mean0)

    def predict(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the latent function at Xq, shapes (B,), (B,).

        In blocks of rows whose (rows, n) temporaries stay in cache (PREDICT_BLOCK)."""
        rows = max(64, PREDICT_BLOCK // max(len(self.X), 1))
        if len(Xq) <= rows:
            return self._predict(Xq)
        parts = [self._predict(Xq[i : i + rows]) for i in range(0, len(Xq), rows)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _predict(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = kernel.sq_dist(Xq, self.X, self.inv_ls2, self.cat)
        k, _ = kernel.matern52(s, self.sf2, grad=False)
        A = k @ self.Linv.T  # (B, n)
        var = self.sf2 - np.einsum("bn,bn->b", A, A)
        return k @ self.alpha + self.mean0, np.maximum(var, 1e-12)

    def predict_grad(self, Xq: np.ndarray):
        """Mean, variance and their gradients in Xq: shapes (B,), (B,), (B, d), (B, d)."""
        k, dk_ds = kernel.matern52(kernel.sq_dist(Xq, self.X, self.inv_ls2, self.cat), self.sf2)
        A = k @ self.Linv.T  # (B, n)
        v = A @ self.Linv  # K^-1 k, (B, n)
        mean = k @ self.alpha + self.mean0
        var = self.sf2 - np.einsum("bn,bn->b", A, A)
        dmean = kernel.grad_x(Xq, self.X, dk_ds, self.alpha, self.inv_ls2, self.cat)
        dvar = -2.0 * kernel.grad_x(Xq, self.X, dk_ds, v, self.inv_ls2, self.cat)
        clipped = var < 1e-12
        dvar[clipped] = 0.0
        return mean, np.maximum(var, 1e-12), dmean, dvar
