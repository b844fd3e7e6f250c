"""Benchmark problems: a search space (the service's JSON form), a function, its optimum.

All are minimized. Definitions follow the Virtual Library of Simulation Experiments
(Surjanovic & Bingham) on their usual domains.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Problem:
    name: str
    space: dict[str, Any]
    func: Callable[[dict[str, Any]], float]
    optimum: float
    # A noisy problem's noiseless function (func is then a Noisy): regret is measured on
    # it, at the trial with the best observed value. None: func is noiseless.
    true_func: Callable[[dict[str, Any]], float] | None = None

    def observe(self, params: dict[str, Any], seed: int, number: int) -> float:
        """The value run `seed` observes at trial `number` (a noisy problem's noise
        depends on both; a noiseless one's value on neither)."""
        if self.true_func is None:
            return self.func(params)
        return self.func(params, seed, number)


def _box(d: int, low: float, high: float) -> dict[str, Any]:
    return {f"x{i}": {"type": "float", "low": low, "high": high} for i in range(d)}


def _vec(params: dict[str, Any]) -> np.ndarray:
    return np.array([params[f"x{i}"] for i in range(len(params))], dtype=float)


def branin(p: dict[str, Any]) -> float:
    x1, x2 = p["x0"], p["x1"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p: dict[str, Any]) -> float:
    x = _vec(p)
    return float(-_H6_ALPHA @ np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(1)))


_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)


def hartmann3(p: dict[str, Any]) -> float:
    """Optimum inside the box, at (0.1146, 0.5556, 0.8525), a local one near x0 = 0."""
    x = _vec(p)
    return float(-_H6_ALPHA @ np.exp(-(_H3_A * (x - _H3_P) ** 2).sum(1)))


def embedded(func: Callable[[dict[str, Any]], float], d: int) -> Callable:
    """func of the first d coordinates; the others are inert."""

    def f(p: dict[str, Any]) -> float:
        return func({f"x{i}": p[f"x{i}"] for i in range(d)})

    return f


def ackley(p: dict[str, Any]) -> float:
    x = _vec(p)
    d = len(x)
    a = -20 * math.exp(-0.2 * math.sqrt((x**2).sum() / d))
    return float(a - math.exp(np.cos(2 * math.pi * x).sum() / d) + 20 + math.e)


def rosenbrock(p: dict[str, Any]) -> float:
    x = _vec(p)
    return float((100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum())


def levy(p: dict[str, Any]) -> float:
    w = 1 + (_vec(p) - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    mid = ((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2)).sum()
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + mid + tail)


def styblinski_tang(p: dict[str, Any]) -> float:
    x = _vec(p)
    return float(0.5 * (x**4 - 16 * x**2 + 5 * x).sum())


_ACTIVATION = {"relu": 0.5, "tanh": 0.0, "sigmoid": 1.0, "gelu": 0.25}
MIXED_SPACE = {
    "lr": {"type": "float", "low": 1e-5, "high": 1.0, "log": True},
    "units": {"type": "int", "low": 1, "high": 128},
    "activation": {"type": "categorical", "choices": list(_ACTIVATION)},
    "dropout": {"type": "float", "low": 0.0, "high": 0.8},
}


def mixed(p: dict[str, Any]) -> float:
    """A tuning-like response: optimum 0 at lr=10^-2.5, units=40, tanh, dropout=0.3."""
    a = math.log10(p["lr"]) + 2.5
    b = (p["units"] - 40) / 24
    c = (p["dropout"] - 0.3) / 0.2
    return a * a + b * b + 0.5 * c * c + 0.5 * a * c + _ACTIVATION[p["activation"]]


# Each kind puts the optimum of the others' terms elsewhere: the category that looks good
# early ("a": wide, shallow) is not the best one ("b": optimum 0, far from a's). Columns:
# offset, centre of dropout, of log10(lr), of units, and the basin's width factor.
_KIND = {
    "a": (0.5, 0.3, -2.0, 16, 0.5),
    "b": (0.0, 0.75, -3.5, 48, 1.0),
    "c": (0.3, 0.5, -1.0, 8, 1.5),
}
MIXED_SHIFT_SPACE = {
    "lr": {"type": "float", "low": 1e-5, "high": 1.0, "log": True},
    "units": {"type": "int", "low": 1, "high": 64},
    "kind": {"type": "categorical", "choices": list(_KIND)},
    "dropout": {"type": "float", "low": 0.0, "high": 1.0},
}


def mixed_shift(p: dict[str, Any]) -> float:
    """A categorical that moves the optimum: 0 at kind=b, lr=10^-3.5, units=48, dropout=0.75;
    kind=a has its own optimum 0.5 at lr=10^-2, units=16, dropout=0.3; kind=c 0.3."""
    off, x0, l0, u0, w = _KIND[p["kind"]]
    a = (p["dropout"] - x0) / 0.25
    b = math.log10(p["lr"]) - l0
    c = (p["units"] - u0) / 16
    return off + w * (a * a + b * b + c * c)


PROBLEMS = {
    p.name: p
    for p in (
        Problem(
            "branin",
            {
                "x0": {"type": "float", "low": -5.0, "high": 10.0},
                "x1": {"type": "float", "low": 0.0, "high": 15.0},
            },
            branin,
            0.397887357729739,
        ),
        Problem("hartmann6", _box(6, 0.0, 1.0), hartmann6, -3.32236801141551),
        Problem("ackley5", _box(5, -32.768, 32.768), ackley, 0.0),
        Problem("rosenbrock4", _box(4, -5.0, 10.0), rosenbrock, 0.0),
        Problem("levy6", _box(6, -10.0, 10.0), levy, 0.0),
        Problem("styblinski_tang8", _box(8, -5.0, 5.0), styblinski_tang, -39.16616570377142 * 8),
        Problem("mixed", MIXED_SPACE, mixed, 0.0),
        Problem("hartmann3", _box(3, 0.0, 1.0), hartmann3, -3.86278214782076),
        Problem("mixed_shift", MIXED_SHIFT_SPACE, mixed_shift, 0.0),
        # High dimensions (200 trials): scaled-up classics and Hartmann-6 among inert columns.
        Problem("styblinski_tang20", _box(20, -5.0, 5.0), styblinski_tang, -39.16616570377142 * 20),
        Problem("rosenbrock20", _box(20, -5.0, 10.0), rosenbrock, 0.0),
        Problem("ackley40", _box(40, -32.768, 32.768), ackley, 0.0),
        Problem("hartmann6_in40", _box(40, 0.0, 1.0), embedded(hartmann6, 6), -3.32236801141551),
        Problem("levy60", _box(60, -10.0, 10.0), levy, 0.0),
    )
}
SUITE = ("branin", "hartmann6", "ackley5", "rosenbrock4", "levy6", "styblinski_tang8", "mixed")
NEW = ("hartmann3", "mixed_shift")
HIGH_D = ("styblinski_tang20", "rosenbrock20", "ackley40", "hartmann6_in40", "levy60")


# Held out: never used to choose the sampler's settings, only to check that a change made
# for the suite does not cost problems it was not made for (benchmarks/results/gp_tails.md).
_SHEKEL_A = np.array([[4.0] * 4, [1.0] * 4, [8.0] * 4, [6.0] * 4, [3, 7, 3, 7], [2, 9, 2, 9],
                      [5, 5, 3, 3], [8, 1, 8, 1], [6, 2, 6, 2], [7, 3.6, 7, 3.6]])
_SHEKEL_C = np.array([1, 2, 2, 4, 4, 6, 3, 7, 5, 5]) / 10


def shekel(p: dict[str, Any]) -> float:
    x = _vec(p)
    return float(-(1 / (((x - _SHEKEL_A) ** 2).sum(1) + _SHEKEL_C)).sum())


def michalewicz(p: dict[str, Any]) -> float:
    x = _vec(p)
    i = np.arange(1, len(x) + 1)
    return float(-(np.sin(x) * np.sin(i * x**2 / math.pi) ** 20).sum())


def goldstein_price(p: dict[str, Any]) -> float:
    x1, x2 = p["x0"], p["x1"]
    a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1**2 - 14 * x2 + 6 * x1 * x2 + 3 * x2**2)
    b = 30 + (2 * x1 - 3 * x2) ** 2 * (18 - 32 * x1 + 12 * x1**2 + 48 * x2 - 36 * x1 * x2
                                         + 27 * x2**2)
    return float(a * b)


def six_hump_camel(p: dict[str, Any]) -> float:
    x1, x2 = p["x0"], p["x1"]
    return float((4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2)


NARROW_LR_SPACE = {
    "lr": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
    "layers": {"type": "int", "low": 1, "high": 8},
    "opt": {"type": "categorical", "choices": ["a", "b", "c"]},
    "dropout": {"type": "float", "low": 0.0, "high": 0.9},
}


def narrow_lr(p: dict[str, Any]) -> float:
    """A learning-rate basin 0.25 decades wide (0.04 of the log range) at 10^-3.2."""
    basin = math.exp(-(((math.log10(p["lr"]) + 3.2) / 0.25) ** 2))
    return (1 - basin + 0.02 * (p["layers"] - 3) ** 2
            + {"a": 0.0, "b": 0.3, "c": 0.6}[p["opt"]] + 0.1 * (p["dropout"] - 0.2) ** 2)


PROBLEMS.update({
    "shekel4": Problem("shekel4", _box(4, 0.0, 10.0), shekel, -10.536284),
    "michalewicz5": Problem("michalewicz5", _box(5, 0.0, math.pi), michalewicz, -4.687658),
    "goldstein_price": Problem("goldstein_price", _box(2, -2.0, 2.0), goldstein_price, 3.0),
    "six_hump_camel": Problem(
        "six_hump_camel",
        {"x0": {"type": "float", "low": -3.0, "high": 3.0},
         "x1": {"type": "float", "low": -2.0, "high": 2.0}},
        six_hump_camel, -1.031628453),
    "narrow_lr": Problem("narrow_lr", NARROW_LR_SPACE, narrow_lr, 0.0),
})
HELD_OUT = ("shekel4", "michalewicz5", "goldstein_price", "six_hump_camel", "narrow_lr")


# Noisy problems: the noiseless function plus Gaussian noise of sd NOISE_FRACTION of the
# function's spread, defined as its standard deviation over the box: the std of its values
# at 8,192 scrambled Sobol points (scipy's qmc.Sobol, rng seed 0, mapped to parameters by
# Space.decode_many; computed once: benchmarks/results/gp_noisy.md). For scale, max - min
# over those points: Hartmann-6 3.00, Branin 300, mixed 25.9 (so the noise sd is 1.3%,
# 1.7% and 1.7% of the range; mixed's best category is 0.25-1.0 better than the others).
NOISE_FRACTION = 0.1
SPREAD = {"hartmann6": 0.3853, "branin": 51.25, "mixed": 4.415}


@dataclass(frozen=True)
class Noisy:
    """true_func(params) + sd * e, e ~ N(0, 1) drawn from (run seed, trial number, params):
    a rerun observes the same values; a run that returns to a point observes new noise;
    two runs of one seed share the draw only where they evaluate the same point as the
    same trial (the initial design, which ours and Optuna's samplers share: the runs
    start from the same observations and differ by the model alone)."""

    true_func: Callable[[dict[str, Any]], float]
    sd: float

    def __call__(self, params: dict[str, Any], seed: int = 0, number: int = 0) -> float:
        return self.true_func(params) + self.sd * _normal(seed, number, params)


def _normal(seed: int, number: int, params: dict[str, Any]) -> float:
    # repr of float(v): the same key for an int or a numpy scalar of one value
    key = ",".join(f"{k}={v if isinstance(v, str) else repr(float(v))}"
                   for k, v in sorted(params.items()))
    rng = np.random.default_rng([seed & 0xFFFFFFFF, number, zlib.crc32(key.encode())])
    return float(rng.standard_normal())


def noisy(base: Problem) -> Problem:
    sd = NOISE_FRACTION * SPREAD[base.name]
    return Problem(base.name + "_noisy", base.space, Noisy(base.func, sd), base.optimum,
                   true_func=base.func)


PROBLEMS.update({p.name: p for p in map(noisy, map(PROBLEMS.get, SPREAD))})
NOISY = ("branin_noisy", "hartmann6_noisy", "mixed_noisy")
