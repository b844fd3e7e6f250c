"""Output transform: standardize, Yeo-Johnson, standardize again.

Objectives like Rosenbrock or a diverging training loss span orders of magnitude; a GP
on raw standardized values then spends its flexibility on the worst points. A
Yeo-Johnson power transform (lambda by maximum likelihood, as in HEBO) makes the values
closer to Gaussian; it is monotone, so the minimizer is unchanged, and it stays near the
identity when the values already look Gaussian.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import yeojohnson

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Warp:
    """y (minimized) -> model scale: ((yj((y - m1) / s1, lam)) - m2) / s2."""

    m1: float
    s1: float
    lam: float | None  # None: no power transform
    m2: float
    s2: float

    @classmethod
    def fit(cls, y: np.ndarray, power: bool = True) -> Warp:
        m1, s1 = float(y.mean()), _scale(y)
        z = (y - m1) / s1
        lam = None
        if power and len(y) >= 5:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    zt, lam = yeojohnson(z)
                lam = float(lam) if np.all(np.isfinite(zt)) and np.isfinite(lam) else None
            except (ValueError, FloatingPointError) as exc:
                log.warning("Yeo-Johnson fit failed (%s); values only standardized", exc)
        zt = z if lam is None else _yj(z, lam)
        return cls(m1, s1, lam, float(zt.mean()), _scale(zt))

    def forward(self, y: np.ndarray) -> np.ndarray:
        z = (np.asarray(y, dtype=float) - self.m1) / self.s1
        return ((z if self.lam is None else _yj(z, self.lam)) - self.m2) / self.s2

    def inverse(self, t: np.ndarray) -> np.ndarray:
        zt = np.asarray(t, dtype=float) * self.s2 + self.m2
        z = zt if self.lam is None else _yj_inverse(zt, self.lam)
        return z * self.s1 + self.m1


def _scale(y: np.ndarray) -> float:
    s = float(y.std())
    return s if s > 1e-12 * max(1.0, float(np.abs(y).max(initial=0.0))) else 1.0


def _yj(x: np.ndarray, lam: float) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return yeojohnson(x, lmbda=lam)


def _yj_inverse(x: np.ndarray, lam: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    with np.errstate(all="ignore"):  # out of the transform's range: inf, caught by callers
        if abs(lam) < 1e-12:
            out[pos] = np.expm1(x[pos])
        else:
            out[pos] = np.power(np.maximum(x[pos] * lam + 1, 0.0), 1 / lam) - 1
        if abs(lam - 2) < 1e-12:
            out[~pos] = -np.expm1(-x[~pos])
        else:
            out[~pos] = 1 - np.power(np.maximum(-(2 - lam) * x[~pos] + 1, 0.0), 1 / (2 - lam))
    return out
