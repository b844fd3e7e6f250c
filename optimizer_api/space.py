"""Search spaces: parameter types, validation, encoding to and from [0, 1], grids.

Every parameter maps its values to the unit interval on its own scale (log where
`log`), so samplers work on [0, 1]^d and never see units. Discrete parameters (int,
float with `step`, categorical) decode a unit value to one of their values, each value
owning an equal share of the interval on the parameter's scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidRequest, InvalidSpace

MAX_PARAMETERS = 256
MAX_CHOICES = 10_000
MAX_NAME_LENGTH = 128
MAX_STEPS = 10**15  # values of a stepped parameter: beyond, floats no longer hit the steps
_REL_TOL = 1e-9


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _tidy(x: float) -> float:
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
        return min(_tidy(self.low + k * step), self.high)

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
        return self.high if k == n - 1 else self.low if k == 0 else _tidy(x)

    def validate_value(self, value: Any) -> float | int:
        """The canonical form of a user-given value, or ValueError with the reason."""
        if not _is_number(value):
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


class Space:
    """An ordered set of parameters; the order is the grid's order."""

    def __init__(self, params: Iterable[Param]):
        self.params: tuple[Param, ...] = tuple(params)
        self.names = tuple(p.name for p in self.params)

    def __len__(self) -> int:
        return len(self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(self.names))

    @classmethod
    def from_dict(cls, raw: Any) -> Space:
        """Parse and validate a space definition; InvalidSpace lists every problem."""
        if not isinstance(raw, Mapping) or not raw:
            raise InvalidSpace(
                "space must be a non-empty object of parameters",
                errors={"space": ["must be a non-empty object of parameters"]},
            )
        if len(raw) > MAX_PARAMETERS:
            raise InvalidSpace(
                f"space has {len(raw)} parameters, at most {MAX_PARAMETERS} allowed",
                errors={"space": [f"at most {MAX_PARAMETERS} parameters"]},
            )
        params, errors = [], {}
        for name, spec in raw.items():
            try:
                params.append(parse_param(name, spec))
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            detail = "; ".join(f"parameter {n!r}: {m[0]}" for n, m in errors.items())
            raise InvalidSpace(detail, errors={"space": errors})
        return cls(params)

    def to_dict(self) -> dict[str, Any]:
        return {p.name: p.to_dict() for p in self.params}

    # -- encoding -------------------------------------------------------------------
    def encode(self, params: Mapping[str, Any]) -> np.ndarray:
        """Unit-cube coordinates of a configuration, shape (d,)."""
        return np.array([p.to_unit(params[p.name]) for p in self.params], dtype=float)

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """The configuration at unit-cube point u (clipped), shape (d,)."""
        return {p.name: p.from_unit(x) for p, x in zip(self.params, u, strict=True)}

    def validate_params(self, params: Any) -> dict[str, Any]:
        """Canonical params for a user-chosen configuration, or InvalidRequest."""
        if not isinstance(params, Mapping):
            raise InvalidRequest("params must be an object", errors={"params": ["not an object"]})
        errors: dict[str, list[str]] = {}
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name not in params:
                errors[p.name] = ["missing"]
                continue
            try:
                out[p.name] = p.validate_value(params[p.name])
            except ValueError as exc:
                errors[p.name] = [str(exc)]
        for name in params:
            if name not in self.names:
                errors[name] = ["not a parameter of the study's space"]
        if errors:
            detail = "; ".join(f"{n!r}: {m[0]}" for n, m in errors.items())
            raise InvalidRequest(f"params outside the space: {detail}", errors={"params": errors})
        return out

    # -- grid -----------------------------------------------------------------------
    def grid_axes(self, grid_points: int) -> list[GridAxis]:
        return [p.grid_values(grid_points) for p in self.params]

    def grid_size(self, grid_points: int) -> int:
        return math.prod(a.size for a in self.grid_axes(grid_points))

    def grid_point(self, index: int, grid_points: int) -> dict[str, Any]:
        """The index-th point in row-major order (the last parameter varies fastest)."""
        axes = self.grid_axes(grid_points)
        if not 0 <= index < math.prod(a.size for a in axes):
            raise IndexError(index)
        values: dict[str, Any] = {}
        for p, axis in zip(reversed(self.params), reversed(axes), strict=True):
            index, k = divmod(index, axis.size)
            values[p.name] = axis.value(k)
        return {name: values[name] for name in self.names}


# -- parsing -------------------------------------------------------------------------
_KEYS = {
    "float": {"type", "low", "high", "log", "step"},
    "int": {"type", "low", "high", "log", "step"},
    "categorical": {"type", "choices"},
}


def parse_param(name: Any, spec: Any) -> Param:
    """One parameter from its JSON definition, or ValueError with the reason."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name must be a non-empty string of at most {MAX_NAME_LENGTH} chars")
    if not isinstance(spec, Mapping):
        raise ValueError("definition must be an object with a 'type'")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in _KEYS:
        raise ValueError(f"unknown type {kind!r}: expected one of float, int, categorical")
    unknown = sorted(set(spec) - _KEYS[kind])
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} for a {kind} parameter")
    if kind == "categorical":
        return _parse_categorical(name, spec)
    return _parse_numeric(name, kind, spec)


def _parse_categorical(name: str, spec: Mapping) -> CategoricalParam:
    choices = spec.get("choices")
    if not isinstance(choices, list) or not choices:
        raise ValueError("choices must be a non-empty list")
    if len(choices) > MAX_CHOICES:
        raise ValueError(f"at most {MAX_CHOICES} choices")
    seen = set()
    for c in choices:
        if not (isinstance(c, str | bool) or _is_number(c)):
            raise ValueError(f"choice {c!r} is not a string, finite number or boolean")
        if choice_key(c) in seen:
            raise ValueError(f"duplicate choice {c!r}")
        seen.add(choice_key(c))
    return CategoricalParam(name, tuple(choices))


def _parse_numeric(name: str, kind: str, spec: Mapping) -> NumericParam:
    low, high = spec.get("low"), spec.get("high")
    log, step = spec.get("log", False), spec.get("step")
    for key, v in (("low", low), ("high", high)):
        if v is None:
            raise ValueError(f"{key} is required for a {kind} parameter")
        if not _is_number(v):
            raise ValueError(f"{key} must be a finite number, got {v!r}")
        if kind == "int" and float(v) != int(v):
            raise ValueError(f"{key} must be an integer for an int parameter, got {v!r}")
    if not isinstance(log, bool):
        raise ValueError(f"log must be a boolean, got {log!r}")
    if not low < high:
        raise ValueError(f"low ({low}) must be less than high ({high})")
    if not math.isfinite(float(high) - float(low)):
        raise ValueError("high - low must be a finite number")
    if log and low <= 0:
        raise ValueError(f"log scale needs low > 0, got low = {low}")
    if step is not None:
        if not _is_number(step) or step <= 0:
            raise ValueError(f"step must be a positive number, got {step!r}")
        if log:
            raise ValueError("step and log cannot be combined")
        if kind == "int" and float(step) != int(step):
            raise ValueError(f"step must be an integer for an int parameter, got {step!r}")
        k = (high - low) / step
        if not k <= MAX_STEPS:
            raise ValueError(f"step {step} is too small: more than {MAX_STEPS:.0e} values")
        if abs(k - round(k)) > _REL_TOL * max(1.0, abs(k)):
            raise ValueError(f"step {step} does not divide the range [{low}, {high}]")
    if kind == "int":
        low, high = int(low), int(high)
        step = int(step) if step is not None else None
    else:
        low, high = float(low), float(high)
        step = float(step) if step is not None else None
    return NumericParam(name, kind, low, high, log, step)
