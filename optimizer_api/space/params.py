"""Parameter types: their values, numbered when discrete, and their canonical forms.

A parameter is continuous (a float without a step) or discrete: an int, a float with a
step or a categorical, whose n values are numbered 0 .. n-1 (value_at, index_of).
How values sit in the unit interval is space.unit's business.

Any parameter may be conditional: `when` holds (parent, allowed choices) pairs, every
one of which must hold for it to be active (space.conditions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


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


# A parameter's condition: (parent name, the parent's choices that make it active), in
# the order written; empty for a parameter that is always active.
Condition = tuple[tuple[str, tuple[Any, ...]], ...]


def when_dict(when: Condition) -> dict[str, Any]:
    """The `when` key of a definition, or nothing for an unconditional parameter."""
    return {"when": {parent: list(values) for parent, values in when}} if when else {}


@dataclass(frozen=True)
class NumericParam:
    """A float or int parameter on [low, high], linear or log scale, optional step."""

    name: str
    type: str  # "float" or "int"
    low: float
    high: float
    log: bool = False
    step: float | None = None
    when: Condition = ()

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

    def value_at(self, k: int) -> float | int:
        """The k-th value of a discrete parameter."""
        step = self.effective_step
        if self.is_int:
            return int(self.low + k * step)
        return min(tidy(self.low + k * step), self.high)

    def index_of(self, value: float) -> int:
        return int(round((value - self.low) / self.effective_step))

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
        return d | when_dict(self.when)


@dataclass(frozen=True)
class CategoricalParam:
    """A parameter whose values are its choices: strings, finite numbers, booleans."""

    name: str
    choices: tuple[Any, ...]
    type: str = "categorical"
    when: Condition = ()

    @property
    def n_values(self) -> int:
        return len(self.choices)

    def index_of(self, value: Any) -> int:
        key = choice_key(value)
        for i, c in enumerate(self.choices):
            if choice_key(c) == key:
                return i
        raise ValueError(f"must be one of {list(self.choices)!r}, got {value!r}")

    def indices_of(self, values: Sequence[Any]) -> np.ndarray:
        """index_of() of many values at once, with its errors."""
        index = {choice_key(c): i for i, c in enumerate(self.choices)}
        try:
            return np.array([index[choice_key(v)] for v in values], dtype=np.int64)
        except (KeyError, TypeError):  # let index_of name the value that does not fit
            return np.array([self.index_of(v) for v in values], dtype=np.int64)

    def value_at(self, k: int) -> Any:
        return self.choices[k]

    def validate_value(self, value: Any) -> Any:
        if isinstance(value, list | dict) or value is None:
            raise ValueError(f"must be one of {list(self.choices)!r}, got {value!r}")
        return self.choices[self.index_of(value)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)} | when_dict(self.when)


Param = NumericParam | CategoricalParam

