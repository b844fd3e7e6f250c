"""Request schemas (marshmallow) and response shapes (plain functions of domain objects)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from ..domain import Study, StudyView, Trial, TrialState
from ..errors import OptimizerError
from ..service import External, Failed, Final, Intermediate, Pruned
from ..service.explore import SORTS
from .body import parse


class StrictInt(fields.Integer):
    """A JSON integer: no booleans or strings. 82.0 is 82, as JSON Schema's `integer` (and
    openapi.yaml) has it, and as some encoders write whole numbers; 82.5 is not."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class FiniteFloat(fields.Float):
    """A finite JSON number: no booleans, strings, NaN or infinities."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a valid number.")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ValidationError("Must be a finite number.")
        return number


class StrictBool(fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class JsonObject(fields.Field):
    """A JSON object given as the text of a query parameter, checked as bodies are."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not valid JSON.")
        try:
            parsed = parse(value)
        except OptimizerError as exc:
            raise ValidationError(exc.detail) from None
        if not isinstance(parsed, dict):
            raise ValidationError("Must be a JSON object.")
        return parsed


def _positive_int(**kw):
    return StrictInt(validate=validate.Range(min=1, max=10**9), allow_none=True, **kw)


class StudyCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    direction = fields.String(  # minimize unless objectives are given (service/outcomes.py)
        load_default=None, validate=validate.OneOf(["minimize", "maximize"])
    )
    objectives = fields.Raw(load_default=None, allow_none=True)
    constraints = fields.Raw(load_default=None, allow_none=True)
    space = fields.Dict(required=True)
    algorithm = fields.Raw(load_default=None, allow_none=True)
    max_trials = _positive_int(load_default=None)
    max_failed_trials = _positive_int(load_default=None)
    seed = StrictInt(load_default=None, allow_none=True, validate=validate.Range(0, 2**63 - 1))
    lease_seconds = FiniteFloat(
        load_default=None, allow_none=True, validate=validate.Range(1, 7 * 24 * 3600)
    )
    early_stopping = fields.Raw(load_default=None, allow_none=True)
    target_value = FiniteFloat(load_default=None, allow_none=True)
    no_improvement_trials = _positive_int(load_default=None)
    max_duration_seconds = FiniteFloat(
        load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False)
    )
    initial_trials = fields.List(fields.Raw(), load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=10_000))
    metadata = fields.Dict(load_default=None, allow_none=True)

    warm_start = fields.Raw(load_default=None, allow_none=True)


class StudyPatch(Schema):
    """What PATCH may change; fields that define the search are named in a 422."""

    name = fields.String(validate=validate.Length(1, 200))
    description = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    metadata = fields.Dict(allow_none=True)
    max_trials = _positive_int()
    max_failed_trials = _positive_int()
    lease_seconds = FiniteFloat(allow_none=True, validate=validate.Range(1, 7 * 24 * 3600))
    target_value = FiniteFloat(allow_none=True)
    no_improvement_trials = _positive_int()
    max_duration_seconds = FiniteFloat(
        allow_none=True, validate=validate.Range(min=0, min_inclusive=False))
    # Known, so that the service names them as fixed rather than as unknown fields.
    space = fields.Raw(allow_none=True)
    algorithm = fields.Raw(allow_none=True)
    direction = fields.Raw(allow_none=True)
    seed = fields.Raw(allow_none=True)
    early_stopping = fields.Raw(allow_none=True)
    initial_trials = fields.Raw(allow_none=True)


class EnqueueIn(Schema):
    """One configuration (an object) or several (a list), and user_attrs for each."""

    params = fields.Raw(required=True)
    user_attrs = fields.Dict(load_default=None, allow_none=True)

    @post_load
    def _as_list(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        if not isinstance(data["params"], list):
            data["params"] = [data["params"]]
        return data


class SuggestIn(Schema):
    count = StrictInt(load_default=1, validate=validate.Range(1, 100))
    worker_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 255))


class ObserveIn(Schema):
    trial_id = StrictInt(validate=validate.Range(min=1))
    value = FiniteFloat()
    step = StrictInt(validate=validate.Range(0, 2**31 - 1))
    failed = StrictBool()
    pruned = StrictBool()
    reason = fields.String(validate=validate.Length(max=10_000))
    params = fields.Dict()
    values = fields.Dict(keys=fields.String(), values=FiniteFloat())
    constraints = fields.Dict(keys=fields.String(), values=FiniteFloat())
    objective = fields.String(validate=validate.Length(1, 100))
    user_attrs = fields.Dict(allow_none=True)

    @post_load
    def _one_kind(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        kind = observation_kind(data)
        extra = sorted(set(data) - _KIND_FIELDS[kind])
        if extra:
            raise ValidationError(
                {f: [f"not allowed in a {kind} observation"] for f in extra}
            )
        missing = sorted(f for f in _KIND_REQUIRED[kind] if f not in data)
        if kind in ("external", "final") and "value" not in data and "values" not in data:
            missing.append("value")  # or values, by objective name
        if missing:
            raise ValidationError({f: [f"required in a {kind} observation"] for f in missing})
        return _OBSERVATION[kind](**{f: data[f] for f in _KIND_ARGS[kind] if f in data})


_KIND_FIELDS = {
    "external": {"params", "value", "values", "constraints", "user_attrs"},
    "failed": {"trial_id", "failed", "reason", "user_attrs"},
    "pruned": {"trial_id", "pruned", "value", "user_attrs"},
    "intermediate": {"trial_id", "value", "step", "objective", "user_attrs"},
    "final": {"trial_id", "value", "values", "constraints", "user_attrs"},
}
_KIND_REQUIRED = {
    "external": {"params"},
    "failed": {"trial_id"},
    "pruned": {"trial_id"},
    "intermediate": {"trial_id", "value", "step"},
    "final": {"trial_id"},
}


_OBSERVATION = {"external": External, "failed": Failed, "pruned": Pruned,
                "intermediate": Intermediate, "final": Final}
_KIND_ARGS = {kind: _KIND_FIELDS[kind] - {"failed", "pruned"} for kind in _KIND_FIELDS}


def observation_kind(data: dict[str, Any]) -> str:
    if "params" in data:
        return "external"
    if data.get("failed"):
        return "failed"
    if data.get("pruned"):
        return "pruned"
    if "failed" in data or "pruned" in data:
        raise ValidationError({"failed": ["failed and pruned may only be true"]})
    return "intermediate" if "step" in data else "final"


class HeartbeatIn(Schema):
    """A heartbeat carries no fields; an empty body or {} is fine."""


class TrialsQuery(Schema):
    state = fields.List(
        fields.String(validate=validate.OneOf([s.value for s in TrialState])),
        load_default=None,
    )
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 10_000))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 2**62))
    sort = fields.String(load_default="number", validate=validate.OneOf(SORTS))
    params = JsonObject(load_default=None)
    after = fields.Integer(load_default=None, validate=validate.Range(-1, 2**62))

    @validates_schema
    def _keyset(self, data: dict[str, Any], **_: Any) -> None:
        """`after` pages by number from a trial on: an offset or another sort cannot mix."""
        if data.get("after") is None:
            return
        if data.get("offset"):
            raise ValidationError("after and offset cannot be given together", "after")
        if data.get("sort", "number") != "number":
            raise ValidationError("after pages by number: sort must be number", "after")


class ImportQuery(Schema):
    name = fields.String(load_default=None, validate=validate.Length(1, 200))


class ChangesQuery(Schema):
    since = fields.String(load_default="0", validate=validate.Length(1, 40))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    wait = fields.Float(load_default=0.0, validate=validate.Range(0, 30))


class SampleQuery(Schema):
    limit = fields.Integer(load_default=2000, validate=validate.Range(1, 20_000))


class CurvesQuery(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class StudiesQuery(Schema):
    name = fields.String(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 2**62))


class ParetoQuery(Schema):
    ref = fields.String(load_default=None)

    @post_load
    def _numbers(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        """`ref` as comma-separated finite numbers, one per objective in declared order."""
        if data["ref"] is None:
            return data
        try:
            ref = [float(x) for x in data["ref"].split(",")]
        except ValueError:
            ref = None
        if ref is None or not all(math.isfinite(x) for x in ref):
            raise ValidationError("comma-separated finite numbers, one per objective", "ref")
        return {"ref": ref}


def trials_page_json(page, query: dict[str, Any], study: Study | None = None) -> dict[str, Any]:
    """A page of trials: where it is by offset, and by number (`next_after`, sorted by
    number only)."""
    found = page.trials
    position = page_json(found, page.total, query["limit"], query["offset"])
    if query["after"] is not None:
        position["next_offset"] = None  # keyset pages go on with next_after only
    by_number = query["sort"] == "number" and page.more and found
    return {"trials": [trial_json(t, study) for t in found], **position,
            "next_after": found[-1].number if by_number else None}


def page_json(items: list, total: int, limit: int, offset: int) -> dict[str, Any]:
    """How a page says where it is: the next page starts at `next_offset` (None: none)."""
    after = offset + len(items)
    return {"total": total, "limit": limit, "offset": offset,
            "next_offset": after if items and after < total else None}


# -- responses ------------------------------------------------------------------------
def timestamp(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def trial_json(t: Trial, study: Study | None = None) -> dict[str, Any]:
    """A trial; with its study, the values of its objectives and constraints, and whether
    it is feasible, for studies that declare them (outcome_json)."""
    out = {
        "id": t.id,
        "study_id": t.study_id,
        "number": t.number,
        "state": t.state.value,
        "params": t.params,
        "value": t.value,
        "intermediate_values": curve_json(t, study),
        "reason": t.reason,
        "worker_id": t.worker_id,
        "external": t.external,
        "info": t.info,
        "user_attrs": t.user_attrs or {},
        "created_at": timestamp(t.created_at),
        "finished_at": timestamp(t.finished_at),
        "lease_expires_at": timestamp(t.lease_expires_at),
    }
    if study is not None:
        out.update(outcome_json(t, study))
    return out


def curve_json(t: Trial, study: Study | None) -> list[dict[str, Any]]:
    """The trial's intermediate values by step; in a study that declares objectives,
    each names the objective it is about, the first objective's first."""
    if study is None or "objectives" not in study.definition:
        return [{"step": s, "value": v} for s, v in sorted(t.intermediate.items())]
    names = [o.name for o in study.objectives]
    return [{"objective": names[k], "step": s, "value": v}
            for k, curve in t.curves.items() for s, v in sorted(curve.items())]


def outcome_json(t: Trial, study: Study) -> dict[str, Any]:
    """`values` {objective: number} for a study that declares objectives, `constraints`
    {name: number} and `feasible` for one with constraints (null: no final result)."""
    out: dict[str, Any] = {}
    d = study.definition
    if "objectives" in d:
        names = [o["name"] for o in d["objectives"]]
        values = t.values
        if values is None and len(names) == 1 and t.value is not None:
            values = (t.value,)
        out["values"] = dict(zip(names, values, strict=True)) if values else None
    if d.get("constraints"):
        declared = study.constraints
        reported = t.constraint_values
        out["constraints"] = (None if reported is None else
                              {c.name: x for c, x in zip(declared, reported, strict=True)})
        out["feasible"] = None if reported is None else t.feasible(declared)
    return out


def study_outcomes_json(s: Study) -> dict[str, Any]:
    """A study's declared objectives and constraints, where it has them."""
    return {k: s.definition[k] for k in ("objectives", "constraints") if k in s.definition}


def pareto_json(front) -> dict[str, Any]:
    """A study's Pareto front (service/front.py's Front)."""
    study = front.study
    return {
        "objectives": [{"name": o.name, "direction": o.direction.value}
                       for o in front.objectives],
        "trials": [trial_json(t, study) for t in front.trials],
        "n_candidates": front.candidates,
        "hypervolume": front.hypervolume,
        "reference_point": front.reference_point,
        "reference_point_given": front.reference_given,
    }


def study_json(view: StudyView) -> dict[str, Any]:
    s, d = view.study, view.study.definition
    return {
        "id": s.id,
        "owner": s.owner,
        **{k: d.get(k) for k in _DEFINITION_FIELDS},
        **study_outcomes_json(s),
        "description": s.description,
        "metadata": s.metadata or {},
        "created_at": timestamp(s.created_at),
        "status": view.status,
        "status_reason": view.status_reason,
        "trial_counts": view.counts,
        "best_trial": trial_json(view.best, s) if view.best else None,
        "last_activity_at": timestamp(view.last_activity_at),
    }


_DEFINITION_FIELDS = (
    "name", "direction", "space", "algorithm", "max_trials", "max_failed_trials", "seed",
    "lease_seconds", "early_stopping", "target_value", "no_improvement_trials",
    "max_duration_seconds", "warm_start",
)
