"""A study's outcomes: the objectives and constraints it declares, and a trial's final
report of them checked against that declaration.

Declared: `objectives`, 1 to MAX_OBJECTIVES of {name, direction}, instead of `direction`;
`constraints`, {name, op: "<=" | ">=", bound} over metrics the trials report. Reported:
a final result gives every objective (`values`, or `value` when there is one) and every
constraint (`constraints`); anything missing or unknown is an InvalidRequest naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain import DEFAULT_OBJECTIVE, ConstraintOp, Direction, Study
from ..errors import InvalidRequest

MAX_OBJECTIVES = 4
MAX_CONSTRAINTS = 32
MAX_NAME = 100
_DIRECTIONS = [d.value for d in Direction]
_OPS = [o.value for o in ConstraintOp]


# -- declared ---------------------------------------------------------------------------
def objectives(raw: Any, direction: str | None) -> list[dict[str, str]]:
    """The objectives in canonical form: [{"name", "direction"}], one named "value" when
    only `direction` (or nothing) was given."""
    if raw is None:
        return [{"name": DEFAULT_OBJECTIVE, "direction": direction or "minimize"}]
    if direction is not None:
        message = "give either direction or objectives, not both"
        raise InvalidRequest(message, errors={"objectives": [message], "direction": [message]})
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_OBJECTIVES:
        raise _bad("objectives", f"must be a list of 1 to {MAX_OBJECTIVES} objectives")
    out = []
    for i, item in enumerate(raw):
        where = f"objectives[{i}]"
        _check_keys(item, where, required={"name"}, allowed={"name", "direction"})
        chosen = item.get("direction", "minimize")
        if chosen not in _DIRECTIONS:
            raise _bad(f"{where}.direction", f"must be one of {_DIRECTIONS}")
        out.append({"name": _name(item["name"], f"{where}.name"), "direction": chosen})
    _unique([o["name"] for o in out], "objectives")
    return out


def constraints(raw: Any) -> list[dict[str, Any]]:
    """The constraints in canonical form: [{"name", "op", "bound"}] (bound a float)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONSTRAINTS:
        raise _bad("constraints", f"must be a list of at most {MAX_CONSTRAINTS} constraints")
    out = []
    for i, item in enumerate(raw):
        where = f"constraints[{i}]"
        _check_keys(item, where, required={"name", "op", "bound"},
                    allowed={"name", "op", "bound"})
        if item["op"] not in _OPS:
            raise _bad(f"{where}.op", f"must be one of {_OPS}")
        bound = item["bound"]
        if isinstance(bound, bool) or not isinstance(bound, int | float) or not math.isfinite(
                bound):
            raise _bad(f"{where}.bound", "must be a finite number")
        out.append({"name": _name(item["name"], f"{where}.name"), "op": item["op"],
                    "bound": float(bound)})
    _unique([c["name"] for c in out], "constraints")
    return out


def check_criteria(canon: Mapping[str, Any]) -> None:
    """Completion criteria that need one best trial do not apply to several objectives."""
    if len(canon["objectives"]) < 2:
        return
    for field in ("target_value", "no_improvement_trials"):
        if canon.get(field) is not None:
            raise _bad(field, "not allowed for a study of several objectives (there is no "
                              "one best value); use max_trials or max_duration_seconds")


def _check_keys(item: Any, where: str, required: set[str], allowed: set[str]) -> None:
    if not isinstance(item, Mapping):
        raise _bad(where, f"must be an object with {sorted(allowed)}")
    for key in sorted(set(item) - allowed):
        raise _bad(f"{where}.{key}", "unknown field")
    for key in sorted(required - set(item)):
        raise _bad(f"{where}.{key}", "required")


def _name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        raise _bad(where, f"must be a string of 1 to {MAX_NAME} characters")
    return name


def _unique(names: list[str], where: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise _bad(where, f"{name!r} is named twice")
        seen.add(name)


# -- reported ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """A final result as stored: `value` is the first objective's; `values` every
    objective's in declared order (None for one objective); `constraint_values` in the
    constraints' order (None without constraints); `feasible` None without constraints."""

    value: float
    values: tuple[float, ...] | None = None
    constraint_values: tuple[float, ...] | None = None
    feasible: bool | None = None


def outcome(study: Study, value: float | None, values: Mapping[str, float] | None,
            reported: Mapping[str, float] | None) -> Outcome:
    """A final result checked against the study's objectives and constraints.

    Raises:
        InvalidRequest: naming the missing or unknown objective (`values.<name>`) or
            constraint (`constraints.<name>`), or `value` where `values` is needed.
    """
    declared = study.objectives
    names = [o.name for o in declared]
    if values is None:
        if value is None:
            raise _bad("values" if len(names) > 1 else "value", "required")
        if len(names) > 1:
            raise _bad("value", f"this study has {len(names)} objectives: give values "
                                f"{{name: number}} for {names}")
        values = {names[0]: value}
    elif value is not None:
        raise _bad("value", "give either value or values, not both")
    found = _in_order(values, names, "values", "objective")
    constraints = study.constraints
    if not constraints:
        if reported:
            raise _bad(f"constraints.{sorted(reported)[0]}", "this study has no constraints")
        return Outcome(found[0], found if len(found) > 1 else None)
    kept = _in_order(reported or {}, [c.name for c in constraints], "constraints",
                     "constraint")
    feasible = all(c.holds(x) for c, x in zip(constraints, kept, strict=True))
    return Outcome(found[0], found if len(found) > 1 else None, kept, feasible)


def _in_order(given: Mapping[str, float], names: list[str], field: str,
              kind: str) -> tuple[float, ...]:
    for name in given:
        if name not in names:
            raise _bad(f"{field}.{name}", f"not a {kind} of this study (its {kind}s: {names})")
    for name in names:
        if name not in given:
            raise _bad(f"{field}.{name}", f"missing: a final result reports every {kind}")
    return tuple(float(given[n]) for n in names)


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {message}", errors={field: [message]})
