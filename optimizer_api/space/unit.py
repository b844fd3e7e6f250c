"""The one mapping between parameter values and the unit interval, vectorised.

Every parameter maps its values to [0, 1] on its own scale (log where `log`), so
samplers work in [0, 1]^d and never see units. A continuous parameter maps [low, high]
affinely onto [0, 1] on that scale. A discrete one (int, float with step, categorical)
numbers its values 0 .. n-1 and gives value k the cell [k/n, (k+1)/n), encoded at its
centre; an int on a log scale instead owns [v - 0.5, v + 0.5] on the log scale (cells
that narrow as v grows) and is encoded at v itself.

Each function takes one parameter and an array, and returns an array of its shape;
`unit_of` and `value_of` are the one-value forms. Positions are clipped into [0, 1]
on the way in as `min(max(u, 0.0), 1.0)` would: ties keep their own sign of zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .params import CategoricalParam, NumericParam, Param


def scale_bounds(p: NumericParam) -> tuple[float, float]:
    """What 0 and 1 stand for on p's scale (on the log scale, log of the bounds)."""
    if not p.log:
        return p.low, p.high
    if p.is_int:  # each integer owns [v - 0.5, v + 0.5] on the log scale
        return math.log(p.low - 0.5), math.log(p.high + 0.5)
    return math.log(p.low), math.log(p.high)


def to_unit(p: Param, values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Unit positions of values of p (not clipped: values out of range map outside [0, 1]).

    Raises:
        ValueError, TypeError: a value is not one of a categorical's choices, or not a
        number for a numeric parameter.
    """
    if isinstance(p, CategoricalParam):
        return index_to_unit(p, p.indices_of(values))
    v = np.asarray(values, dtype=float)
    if p.log:
        lo, hi = scale_bounds(p)
        # numpy's log, which the GP has always encoded its history with (the C library's
        # differs from it in the last bit for about 1 value in 10^4 on AVX-512).
        return (np.log(v) - lo) / (hi - lo)
    if p.n_values is None:
        return (v - p.low) / (p.high - p.low)
    return index_to_unit(p, np.rint((v - p.low) / p.effective_step))


def from_unit(p: Param, u: np.ndarray) -> np.ndarray:
    """The values of p at unit positions u: floats for a continuous parameter, the
    parameter's own values (Python ints, floats, choices) in an object array otherwise."""
    u = np.asarray(u, dtype=float)
    if p.n_values is None:
        u = _clip(u, 0.0, 1.0)
        lo, hi = scale_bounds(p)
        x = _exp(lo + u * (hi - lo)) if p.log else p.low + u * (p.high - p.low)
        return _clip(x, p.low, p.high)
    values = [p.value_at(int(k)) for k in unit_to_index(p, u).ravel()]
    return _objects(values, u.shape)


def unit_to_index(p: Param, u: np.ndarray) -> np.ndarray:
    """The numbers of the values of a discrete p at unit positions u (clipped)."""
    u = _clip(np.asarray(u, dtype=float), 0.0, 1.0)
    n = p.n_values
    if isinstance(p, NumericParam) and p.log:  # an int: the nearest one on the log scale
        lo, hi = scale_bounds(p)
        v = _clip(np.rint(_exp(lo + u * (hi - lo))), p.low, p.high)
        return _int_min(v, p.high) - p.low
    return _int_min(u * n, n - 1)


def index_to_unit(p: Param, k: np.ndarray) -> np.ndarray:
    """The unit positions of the values numbered k of a discrete p."""
    if isinstance(p, NumericParam) and p.log:
        return to_unit(p, p.low + k)
    return (k + 0.5) / p.n_values


def unit_of(p: Param, value: Any) -> float:
    """The unit position of one value; value_of(p, unit_of(p, v)) == v for valid v."""
    return float(to_unit(p, [value])[0])


def value_of(p: Param, u: float) -> Any:
    """The value of p at one unit position (clipped into [0, 1])."""
    return from_unit(p, np.array([u])).tolist()[0]


def _clip(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """min(max(x, low), high) elementwise, ties and NaN resolved the same way."""
    x = np.where(low > x, low, x)
    return np.where(high < x, high, x)


def _exp(t: np.ndarray) -> np.ndarray:
    """exp by the C library, one element at a time.

    Values have always been decoded with math.exp; numpy's SIMD exp differs from it in
    the last bit for some inputs (about 5% on AVX-512), which would change the values a
    seeded study suggests.
    """
    return np.fromiter(map(math.exp, t.ravel()), float, t.size).reshape(t.shape)


def _int_min(x: np.ndarray, top: int) -> np.ndarray:
    """min(int(x), top) of each element (x >= 0): int64 where it fits, exact Python ints
    beyond; ValueError on NaN, as int() raises (NaN fails the comparison)."""
    if top < 2**63 and (x.size == 0 or x.max() < 2.0**63):
        return np.minimum(x.astype(np.int64), top)
    return _objects([min(int(v), top) for v in x.ravel()], x.shape)


def _objects(items: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)
