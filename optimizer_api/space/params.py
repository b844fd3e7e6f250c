"""Parameter types: their values, canonical forms, unit positions and grid axes.

Every parameter maps its values to the unit interval on its own scale (log where
`log`), so samplers work on [0, 1]^d and never see units. Discrete parameters (int,
float with `step`, categorical) decode a unit value to one of their values, each value
owning an equal share of the interval on the parameter's scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def is_number(x: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def tidy(x: float) -> float:
    """Drop float noise such as 0.30000000000000004 so grid values print as written."""
    return float(f"{x:.15g}")


def choice_key(value: Any) -> tuple[str, Any]:
    """Equality of categorical values as JSON sees it: 1 == 1.0, but true != 1."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return ("string", value)


@dataclass(frozen=True)
class NumericParam:
    """A float or int parameter on [low, high], linear or log scale, optional step."""

    name: str
    type: str  # "float" or "int"
    low: float
    high: float
    log: bool = False
    step: float | None = None

    @property
    def is_int(self) -> bool:
        return self.type == "int"

    @property
    def effective_step(self) -> float | None:
        """The spacing of the values: ints without a step take 1."""
        return self.step if self.step is not None else (1 if self.is_int else None)

    @property
    def n_values(self) -> int | None:
        """How many distinct values, or None for a continuous float."""
        step = self.effective_step
        if step is None:
            return None
        return int(round((self.high - self.low) / step)) + 1

    def _bounds_on_scale(self) -> tuple[float, float]:
        if not self.log:
            return self.low, self.high
        if self.is_int:  # each integer owns [v - 0.5, v + 0.5] on the log scale
            return math.log(self.low - 0.5), math.log(self.high + 0.5)
        return math.log(self.low), math.log(self.high)

    def from_unit(self, u: float) -> float | int:
        """The value at unit position u (clipped into [0, 1])."""
        u = min(max(float(u), 0.0), 1.0)
        n = self.n_values
        if self.log:
            lo, hi = self._bounds_on_scale()
            x = math.exp(lo + u * (hi - lo))
            if self.is_int:
                return int(min(max(round(x), self.low), self.high))
            return min(max(x, self.low), self.high)
        if n is None:
            return min(max(self.low + u * (self.high - self.low), self.low), self.high)
        return self.value_at(min(int(u * n), n - 1))

    def to_unit(self, value: float) -> float:
        """The unit position of a value; from_unit(to_unit(v)) == v for valid v."""
        n = self.n_values
        if self.log:
            lo, hi = self._bounds_on_scale()
            return (math.log(value) - lo) / (hi - lo)
        if n is None:
            return (value - self.low) / (self.high - self.low)
        return (self.index_of(value) + 0.5) / n

    def value_at(self, k: int) -> float | int:
        """The k-th value of a discrete parameter."""
        step = self.effective_step
        if self.is_int:
            return int(self.low + k * step)
        return min(tidy(self.low + k * step), self.high)

    def index_of(self, value: float) -> int:
        return int(round((value - self.low) / self.effective_step))

    def grid_values(self, grid_points: int) -> GridAxis:
        """Every value of a discrete parameter; `grid_points` values of a continuous one."""
        n = self.n_values
        if n is not None:
            return GridAxis(n, self.value_at)
        if grid_points == 1:
            return GridAxis(1, lambda k: self.from_unit(0.5))
        return GridAxis(grid_points, lambda k: self._grid_float(k, grid_points))

    def _grid_float(self, k: int, n: int) -> float:
        lo, hi = self._bounds_on_scale()
        x = lo + (hi - lo) * k / (n - 1)
        x = math.exp(x) if self.log else x
        return self.high if k == n - 1 else self.low if k == 0 else tidy(x)

    def validate_value(self, value: Any) -> float | int:
        """The canonical form of a user-given value, or ValueError with the reason."""
        if not is_number(value):
            raise ValueError(f"must be a finite number, got {value!r}")
        if self.is_int and float(value) != int(value):
            raise ValueError(f"must be an integer, got {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"must be within [{self.low}, {self.high}], got {value!r}")
        step = self.effective_step
        if step is not None:
            k = (value - self.low) / step
            if abs(k - round(k)) > 1e-6:
                raise ValueError(f"must be low + a multiple of step {step}, got {value!r}")
            return self.value_at(int(round(k)))
        return int(value) if self.is_int else float(value)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "low": self.low, "high": self.high}
        if self.log:
            d["log"] = True
        if self.step is not None:
            d["step"] = self.step
        return d


@dataclass(frozen=True)
class CategoricalParam:
    name: str
    choices: tuple[Any, ...]
    type: str = "categorical"

    @property
    def n_values(self) -> int:
        return len(self.choices)

    def from_unit(self, u: float) -> Any:
        u = min(max(float(u), 0.0), 1.0)
        return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]

    def to_unit(self, value: Any) -> float:
        return (self.index_of(value) + 0.5) / len(self.choices)

    def index_of(self, value: Any) -> int:
        key = choice_key(value)
        for i, c in enumerate(self.choices):
            if choice_key(c) == key:
                return i
        raise ValueError(f"must be one of {list(self.choices)!r}, got {value!r}")

    def value_at(self, k: int) -> Any:
        return self.choices[k]

    def grid_values(self, grid_points: int) -> GridAxis:
        return GridAxis(len(self.choices), self.value_at)

    def validate_value(self, value: Any) -> Any:
        if isinstance(value, list | dict) or value is None:
            raise ValueError(f"must be one of {list(self.choices)!r}, got {value!r}")
        return self.choices[self.index_of(value)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}


Param = NumericParam | CategoricalParam


@dataclass(frozen=True)
class GridAxis:
    """The grid values of one parameter, computed on demand, never materialized."""

    size: int
    value: Any  # callable: index -> value
