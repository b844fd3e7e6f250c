"""Grid axes: the values a grid search visits for each parameter, on demand."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .params import NumericParam, Param, tidy
from .unit import scale_bounds, value_of


@dataclass(frozen=True)
class GridAxis:
    """The grid values of one parameter, computed on demand, never materialized."""

    size: int
    value: Callable[[int], Any]  # index -> value


def grid_axis(p: Param, grid_points: int) -> GridAxis:
    """Every value of a discrete parameter; `grid_points` values of a continuous one,
    evenly spaced on its scale from low to high (one: the middle)."""
    n = p.n_values
    if n is not None:
        return GridAxis(n, p.value_at)
    if grid_points == 1:
        return GridAxis(1, lambda k: value_of(p, 0.5))
    return GridAxis(grid_points, lambda k: _grid_float(p, k, grid_points))


def _grid_float(p: NumericParam, k: int, n: int) -> float:
    lo, hi = scale_bounds(p)
    x = lo + (hi - lo) * k / (n - 1)
    x = math.exp(x) if p.log else x
    return p.high if k == n - 1 else p.low if k == 0 else tidy(x)


def grid_size(axes: list[GridAxis]) -> int:
    return math.prod(a.size for a in axes)


def grid_point(names: tuple[str, ...], axes: list[GridAxis], index: int) -> dict[str, Any]:
    """The index-th point in row-major order (the last parameter varies fastest)."""
    if not 0 <= index < grid_size(axes):
        raise IndexError(index)
    values: dict[str, Any] = {}
    for name, axis in zip(reversed(names), reversed(axes), strict=True):
        index, k = divmod(index, axis.size)
        values[name] = axis.value(k)
    return {name: values[name] for name in names}
