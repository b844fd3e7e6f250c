"""A search space from its JSON definition: parsing, validation and limits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import InvalidSpace
from .conditions import parse_when, resolve_conditions
from .params import CategoricalParam, NumericParam, Param, choice_key, is_number

MAX_PARAMETERS = 256
MAX_CHOICES = 10_000
MAX_NAME_LENGTH = 128
MAX_STEPS = 10**15  # values of a stepped parameter: beyond, floats no longer hit the steps
_REL_TOL = 1e-9

_KEYS = {
    "float": {"type", "low", "high", "log", "step", "when"},
    "int": {"type", "low", "high", "log", "step", "when"},
    "categorical": {"type", "choices", "when"},
}


def parse_space(raw: Any) -> list[Param]:
    """The parameters of a space definition, in order; InvalidSpace lists every problem."""
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
    if not errors:
        params, errors = resolve_conditions(params)
    if errors:
        detail = "; ".join(f"parameter {n!r}: {m[0]}" for n, m in errors.items())
        raise InvalidSpace(detail, errors={"space": errors})
    return params


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
    when = parse_when(spec["when"]) if "when" in spec else ()
    if kind == "categorical":
        return replace(_parse_categorical(name, spec), when=when)
    return replace(_parse_numeric(name, kind, spec), when=when)


def _parse_categorical(name: str, spec: Mapping) -> CategoricalParam:
    choices = spec.get("choices")
    if not isinstance(choices, list) or not choices:
        raise ValueError("choices must be a non-empty list")
    if len(choices) > MAX_CHOICES:
        raise ValueError(f"at most {MAX_CHOICES} choices")
    seen = set()
    for c in choices:
        if not (isinstance(c, str | bool) or is_number(c)):
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
        if not is_number(v):
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
        if not is_number(step) or step <= 0:
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
