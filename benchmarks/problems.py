"""Benchmark problems: a search space (the service's JSON form), a function, its optimum.

All are minimized. Definitions follow the Virtual Library of Simulation Experiments
(Surjanovic & Bingham) on their usual domains.
"""

from __future__ import annotations

import math
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
    )
}
