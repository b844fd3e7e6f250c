"""Multi-objective and constrained benchmark problems, all minimized.

Each evaluates to (objective values, constraint values); a constraint holds when its
value is <= 0. Fewer variables than the usual definitions (6 instead of 30 for ZDT,
12 for DTLZ2) so that 100 trials say something and a run fits the machine's budget.

- ZDT1/2/3 (Zitzler, Deb, Thiele 2000): 2 objectives, convex / concave / disconnected.
- DTLZ2 (Deb et al. 2002): 3 objectives, the front a sphere's positive octant.
- Gramacy: the constrained toy of Gramacy et al. (2016): minimize x1 + x2 on [0, 1]^2
  subject to two nonlinear constraints; the best feasible value is 0.5998 (at
  (0.1954, 0.4044)), which we confirm on a 2,000 x 2,000 grid below.
- C2-DTLZ2 (Jain & Deb 2014) with 2 objectives, r = 0.5 (their value for M != 3): only
  the parts of the DTLZ2 front near its two ends and its middle are feasible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from optimizer_api.analysis.pareto import hypervolume, non_dominated

D = 6  # variables of every multi-objective problem here


@dataclass(frozen=True)
class MOProblem:
    name: str
    space: dict[str, Any]
    func: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # x -> (f, c)
    n_objectives: int
    n_constraints: int
    ref: np.ndarray | None  # the hypervolume's reference point (None: single objective)
    true_front: Callable[[], np.ndarray] | None = None  # a dense sample of the front
    optimum: float | None = None  # the best feasible value (single objective)
    known_hypervolume: float | None = None  # exact, where it has a closed form

    def evaluate(self, params: dict[str, Any]) -> tuple[list[float], list[float]]:
        x = np.array([params[f"x{i}"] for i in range(len(self.space))], dtype=float)
        f, c = self.func(x)
        return [float(v) for v in f], [float(v) for v in c]

    @cached_property
    def best_hypervolume(self) -> float:
        if self.known_hypervolume is not None:
            return self.known_hypervolume
        return hypervolume(self.true_front(), self.ref)


def _box(d: int) -> dict[str, Any]:
    return {f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(d)}


def _zdt(shape: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    def f(x: np.ndarray):
        g = 1 + 9 * x[1:].sum() / (len(x) - 1)
        return np.array([x[0], g * shape(x[0] / g, x[0])]), np.empty(0)

    return f


def _zdt_front(shape, n=20_001) -> Callable[[], np.ndarray]:
    def front():
        f1 = np.linspace(0, 1, n)
        F = np.column_stack([f1, shape(f1, f1)])
        return F[non_dominated(F)]

    return front


def zdt1_shape(r, f1):
    return 1 - np.sqrt(r)


def zdt2_shape(r, f1):
    return 1 - r**2


def zdt3_shape(r, f1):
    return 1 - np.sqrt(r) - r * np.sin(10 * np.pi * f1)


def dtlz2_f(x: np.ndarray, m: int) -> np.ndarray:
    r = 1 + np.sum((x[m - 1 :] - 0.5) ** 2)
    a = x[: m - 1] * np.pi / 2
    out = np.empty(m)
    for j in range(m):
        v = r * np.prod(np.cos(a[: m - 1 - j]))
        out[j] = v * (np.sin(a[m - 1 - j]) if j else 1.0)
    return out


def _dtlz2(x):
    return dtlz2_f(x, 3), np.empty(0)


def _quarter_circle(n: int) -> np.ndarray:
    a = np.linspace(0, np.pi / 2, n)
    return np.column_stack([np.cos(a), np.sin(a)])


def c2_violation(F: np.ndarray, r: float = 0.5) -> np.ndarray:
    """C2-DTLZ2's constraint, F (n, m): <= 0 inside one of the m + 1 feasible balls."""
    m = F.shape[1]
    sq = (F**2).sum(axis=1)
    ends = np.min([(F[:, i] - 1) ** 2 + sq - F[:, i] ** 2 - r**2 for i in range(m)], axis=0)
    middle = ((F - 1 / math.sqrt(m)) ** 2).sum(axis=1) - r**2
    return np.minimum(ends, middle)


def _c2dtlz2(x):
    f = dtlz2_f(x, 2)
    return f, c2_violation(f[None, :])


def _c2_front() -> np.ndarray:
    F = _quarter_circle(200_001)
    return F[c2_violation(F) <= 0]


def _gramacy(x):
    x1, x2 = x
    c1 = 1.5 - x1 - 2 * x2 - 0.5 * math.sin(2 * math.pi * (x1**2 - 2 * x2))
    c2 = x1**2 + x2**2 - 1.5
    return np.array([x1 + x2]), np.array([c1, c2])


def gramacy_grid_optimum(n: int = 2000) -> float:
    """The best feasible value on an n x n grid (a check of the published 0.5998)."""
    x1, x2 = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    c1 = 1.5 - x1 - 2 * x2 - 0.5 * np.sin(2 * np.pi * (x1**2 - 2 * x2))
    ok = (c1 <= 0) & (x1**2 + x2**2 - 1.5 <= 0)
    return float((x1 + x2)[ok].min())


REF2, REF3 = np.array([1.1, 1.1]), np.array([1.1, 1.1, 1.1])
PROBLEMS = {
    p.name: p
    for p in [
        MOProblem("zdt1", _box(D), _zdt(zdt1_shape), 2, 0, REF2, _zdt_front(zdt1_shape)),
        MOProblem("zdt2", _box(D), _zdt(zdt2_shape), 2, 0, REF2, _zdt_front(zdt2_shape)),
        MOProblem("zdt3", _box(D), _zdt(zdt3_shape), 2, 0, REF2, _zdt_front(zdt3_shape)),
        # The octant of the unit ball below the front: 1.1^3 - pi/6.
        MOProblem("dtlz2", _box(D), _dtlz2, 3, 0, REF3, known_hypervolume=1.1**3 - math.pi / 6),
        MOProblem("c2dtlz2", _box(D), _c2dtlz2, 2, 1, REF2, _c2_front),
        MOProblem("gramacy", _box(2), _gramacy, 1, 2, None, optimum=0.5998),
    ]
}
