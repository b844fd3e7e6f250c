"""A study definition: checked once at creation and stored in canonical form.

The canonical form fills every default, so that "create" called again by another
worker with the same definition compares equal to the stored one. `direction: X` and
`objectives: [{"name": "value", "direction": X}]` are the same study (the canonical form
of either has no `objectives`); `objectives` and `constraints` appear in the canonical
form only when they say more than `direction`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import samplers, stopping
from ..domain import DEFAULT_OBJECTIVE
from ..errors import InvalidRequest
from ..space import Space
from . import outcomes, warm
from .queue import check_params

DEFAULT_ALGORITHM = "random"
DEFAULT_LEASE_SECONDS = 600.0
# The definition as the user gave it is stored beside the canonical one, so that "the
# same definition" keeps meaning what the user sent even after a release changes a
# default: both sides are made canonical by the same code before they are compared.
GIVEN = "given"


def same(stored: Mapping[str, Any], canon: Mapping[str, Any]) -> bool:
    """Whether a stored study's definition is the one `canon` describes: as it was first
    given, or as it is now (after PATCH changed its name or criteria; service/edit.py)."""
    if GIVEN not in stored:
        return stored == canon
    if {k: v for k, v in stored.items() if k != GIVEN} == canon:
        return True
    try:
        return canonical(stored[GIVEN]) == canon
    except (InvalidRequest, KeyError):  # valid then, not now: not the same definition
        return False


def canonical(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical definition of a study from fields the API already type-checked.

    Raises:
        InvalidSpace: the search space is inconsistent.
        InvalidRequest: the algorithm or early-stopping rule or their options, or the
            warm_start field's shape, are not valid (its studies resolve at creation).
    """
    space = Space.from_dict(spec["space"])
    objectives = outcomes.objectives(spec.get("objectives"), spec.get("direction"))
    algorithm = _algorithm(spec.get("algorithm"), space)
    parents = warm.canonical(spec.get("warm_start"))
    if parents and not samplers.get(algorithm["name"]).needs_history:
        raise _bad("warm_start", f"the {algorithm['name']} algorithm learns from no trial: "
                                 "warm start needs the bayesian one")
    canon = {
        "name": spec["name"],
        "direction": objectives[0]["direction"],
        "space": space.to_dict(),
        "algorithm": algorithm,
        "max_trials": spec.get("max_trials"),
        "max_failed_trials": spec.get("max_failed_trials"),
        "seed": spec.get("seed"),
        "lease_seconds": float(spec.get("lease_seconds") or DEFAULT_LEASE_SECONDS),
        "early_stopping": _early_stopping(spec.get("early_stopping"), objectives),
        "target_value": spec.get("target_value"),
        "no_improvement_trials": spec.get("no_improvement_trials"),
        "max_duration_seconds": spec.get("max_duration_seconds"),
    }
    # Added only when they say more than `direction` alone: definitions stored before
    # they existed stay equal to the canonical form of what made them.
    if objectives != [{"name": DEFAULT_OBJECTIVE, "direction": canon["direction"]}]:
        canon["objectives"] = objectives
        outcomes.check_criteria(canon)
    constraints = outcomes.constraints(spec.get("constraints"))
    if constraints:
        canon["constraints"] = constraints
    if parents:  # absent otherwise: older definitions compare equal
        canon["warm_start"] = parents
    if spec.get("initial_trials"):  # absent otherwise: older definitions compare equal
        canon["initial_trials"] = check_params(space, spec["initial_trials"], "initial_trials")
    return canon


def _algorithm(raw: Any, space: Space) -> dict[str, Any]:
    if raw is None:
        raw = {"name": DEFAULT_ALGORITHM}
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, Mapping) or set(raw) - {"name", "options"}:
        raise _bad("algorithm", "must be a name or an object with 'name' and 'options'")
    name, options = raw.get("name"), raw.get("options") or {}
    if name not in samplers.names():
        raise _bad("algorithm", f"unknown algorithm {name!r}: expected one of {samplers.names()}")
    if not isinstance(options, Mapping):
        raise _bad("algorithm", "options must be an object")
    try:
        filled = samplers.get(name).validate_options(options, space)
    except ValueError as exc:
        raise _bad("algorithm", str(exc)) from None
    return {"name": name, "options": filled}


def _early_stopping(raw: Any, objectives: list[dict[str, str]]) -> dict[str, Any] | None:
    """The rule with its options filled, and `objective`, the name of the objective whose
    curve it judges, where that is not the first (the default, left out: definitions
    stored before it existed stay equal)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or "rule" not in raw:
        raise _bad("early_stopping", "must be null or an object with a 'rule'")
    options = {k: v for k, v in raw.items() if k not in ("rule", "objective")}
    try:
        rule = stopping.get(raw["rule"])
    except (KeyError, TypeError):
        raise _bad(
            "early_stopping", f"unknown rule {raw['rule']!r}: expected one of {stopping.names()}"
        ) from None
    try:
        out = {"rule": rule.name, **rule.validate_options(options)}
    except ValueError as exc:
        raise _bad("early_stopping", str(exc)) from None
    names = [o["name"] for o in objectives]
    judged = raw.get("objective", names[0])
    if not isinstance(judged, str) or judged not in names:
        raise _bad("early_stopping.objective",
                   f"must name one of the study's objectives {names}, not {judged!r}")
    if judged != names[0]:
        out["objective"] = judged
    return out


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {message}", errors={field: [message]})
