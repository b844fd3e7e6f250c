"""A final result as the service takes it: one number, a dict by objective and constraint
name, or a tuple in the study's declared objective order."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .exceptions import BadRequestError

Result = float | Mapping[str, float] | Sequence[float]


def objective_names(study: Mapping[str, Any]) -> list[str]:
    """The study's objectives in declared order (a study that declared none: "value")."""
    return [o["name"] for o in study.get("objectives") or [{"name": "value"}]]


def constraint_names(study: Mapping[str, Any]) -> list[str]:
    return [c["name"] for c in study.get("constraints") or []]


def result_body(
    study: Mapping[str, Any], result: Any, constraints: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """The observe body's `value` or `values`, and `constraints`, for `result`.

    Args:
        study: the study's JSON object (its `objectives` and `constraints`).
        result: a number (a study of one objective); a dict of every objective's and
            constraint's value by name (a name that is both gives both); or a tuple or
            list of the objectives' values in declared order.
        constraints: the constraints' values by name, if `result` does not hold them.

    Raises:
        BadRequestError: a name that is neither an objective nor a constraint, a tuple of
            the wrong length, or a value that is not a finite number.
    """
    objectives, declared = objective_names(study), constraint_names(study)
    reported = dict(constraints or {})
    if isinstance(result, Mapping):
        unknown = [k for k in result if k not in objectives and k not in declared]
        if unknown:
            raise BadRequestError(f"{unknown[0]!r} is neither an objective {objectives} nor "
                                  f"a constraint {declared} of the study")
        values = {k: v for k, v in result.items() if k in objectives}
        reported.update({k: v for k, v in result.items() if k in declared})
    elif isinstance(result, Sequence) and not isinstance(result, str | bytes):
        if len(result) != len(objectives):
            raise BadRequestError(f"{len(result)} values for {len(objectives)} objectives "
                                  f"{objectives}")
        values = dict(zip(objectives, result, strict=True))
    else:
        values = None
    body: dict[str, Any] = {}
    if values is None:
        body["value"] = finite(result)
    else:
        body["values"] = {k: finite(v, k) for k, v in values.items()}
    if reported:
        body["constraints"] = {k: finite(v, k) for k, v in reported.items()}
    return body


def finite(value: Any, name: str = "value") -> float:
    """`value` as a float, or BadRequestError naming it: JSON has no NaN or infinity."""
    if isinstance(value, bool):
        raise BadRequestError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadRequestError(
            f"{name} must be a number, got {type(value).__name__} {value!r:.100}"
        ) from None
    if not math.isfinite(number):
        raise BadRequestError(f"{name} must be finite, got {number}")
    return number
