"""Recording what a worker reports: final and intermediate values, failures, pruning,
results for params the user chose. Runs inside the service's observe transaction.

Retries are safe without a key: an intermediate value is keyed by (trial, objective,
step), and a final report equal to the stored one changes nothing; a different one is a
Conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from ..domain import Study, Trial, TrialState
from ..errors import Conflict, InvalidRequest
from ..space import Space
from ..store import sql
from . import attrs, judge, outcomes

RUNNING, EXPIRED = TrialState.RUNNING, TrialState.EXPIRED
# Intermediate values a trial keeps: bounds what one trial weighs in every read (about
# 4 MB of JSON at most), and a report every batch of a long run still fits.
MAX_INTERMEDIATE = 100_000


@dataclass(frozen=True)
class Final:
    """The trial ended with this value, or these `values` by objective name, and these
    values of the study's constraints (checked by outcomes.outcome)."""

    trial_id: int
    value: float | None = None
    values: Mapping[str, float] | None = None
    constraints: Mapping[str, float] | None = None
    user_attrs: dict[str, Any] | None = None


@dataclass(frozen=True)
class Intermediate:
    """The trial reached `value` at `step`; the answer says whether it should stop.
    `objective` names the objective it is about (None: the first); the early-stopping
    rule judges the reports about the objective it names (the first by default) only."""

    trial_id: int
    step: int
    value: float
    objective: str | None = None
    user_attrs: dict[str, Any] | None = None


@dataclass(frozen=True)
class Failed:
    trial_id: int
    reason: str | None = None
    user_attrs: dict[str, Any] | None = None


@dataclass(frozen=True)
class Pruned:
    """The worker stopped the trial early; without a value it keeps its last report."""

    trial_id: int
    value: float | None = None
    user_attrs: dict[str, Any] | None = None


@dataclass(frozen=True)
class External:
    """A result for params the user chose (e.g. from an earlier run)."""

    params: dict[str, Any]
    value: float | None = None
    values: Mapping[str, float] | None = None
    constraints: Mapping[str, float] | None = None
    user_attrs: dict[str, Any] | None = None


Observation = Final | Intermediate | Failed | Pruned | External
Ending = Final | Failed | Pruned


def external(conn: Connection, study: Study, space: Space, obs: External, now: float) -> int:
    """Store a completed trial for params the user chose; its id."""
    params = space.validate_params(obs.params)
    got = outcomes.outcome(study, obs.value, obs.values, obs.constraints)
    trial_id = sql.insert_trial(
        conn, study_id=study.id, number=study.next_number, state="completed",
        params=params, value=got.value, external=True, created_at=now, finished_at=now,
        **_columns(got),
    )
    sql.update_study(conn, study.id, next_number=study.next_number + 1)
    return trial_id


def set_attrs(conn: Connection, trial: Trial, user_attrs: dict | None) -> Trial:
    """Merge a report's user_attrs into the trial's (a key set to null is removed).

    Raises:
        InvalidRequest: naming user_attrs, when the merged object is too big.
    """
    if user_attrs is None:
        return trial
    merged = attrs.merged(trial.user_attrs, user_attrs)
    sql.update_trial(conn, trial.id, user_attrs=merged)
    return replace(trial, user_attrs=merged)


def intermediate(
    conn: Connection, study: Study, trial: Trial, obs: Intermediate, now: float,
    verdict: judge.Verdict | None = None,
) -> tuple[Trial, bool]:
    """Store a value at a step, about the objective the report names, and renew the
    lease; the trial, and whether it should stop (`verdict`: the early-stopping rule's,
    made before the write lock; see judge.py). Only reports about the objective the rule
    judges are judged."""
    step, value = obs.step, obs.value
    objective = objective_index(study, obs.objective)
    if trial.state not in (RUNNING, EXPIRED):
        raise Conflict(f"trial {trial.id} is {trial.state.value}: it takes no more reports")
    curve = trial.curve(objective)
    if step in curve:
        if curve[step] != value:
            about = "" if len(study.objectives) == 1 else (
                f" about {study.objectives[objective].name!r}")
            raise Conflict(
                f"trial {trial.id} already has value {curve[step]} at step {step}{about}",
                errors={"step": ["already reported with another value"]},
            )
        return trial, False  # a retry of the same report
    if trial.points >= MAX_INTERMEDIATE:
        message = f"a trial keeps at most {MAX_INTERMEDIATE} intermediate values"
        raise InvalidRequest(f"step: {message}", errors={"step": [message]})
    sql.insert_intermediate(conn, trial.id, step, value, objective)
    trial = _with_point(trial, objective, step, value)
    if trial.state is EXPIRED:
        return trial, False  # the value is kept; the trial stays expired
    trial = replace(trial, lease_expires_at=now + study.lease_seconds)
    sql.update_trial(conn, trial.id, lease_expires_at=trial.lease_expires_at)
    reason = judge.stop_reason(conn, study, trial, now, verdict, objective)
    if reason is None:
        return trial, False
    sql.update_trial(conn, trial.id, reason=reason)
    return replace(trial, reason=reason), True


def objective_index(study: Study, name: str | None) -> int:
    """The index of the objective a report names (None: the first).

    Raises:
        InvalidRequest: naming `objective`, when the study has no objective of that name.
    """
    index = study.objective_index(name)
    if index is None:
        names = [o.name for o in study.objectives]
        message = f"not an objective of this study (its objectives: {names})"
        raise InvalidRequest(f"objective: {message}", errors={"objective": [message]})
    return index


def _with_point(trial: Trial, objective: int, step: int, value: float) -> Trial:
    if objective == 0:
        return replace(trial, intermediate={**trial.intermediate, step: value})
    curves = {**trial.objective_curves, objective: {**trial.curve(objective), step: value}}
    return replace(trial, objective_curves=curves)


def finish(conn: Connection, study: Study, trial: Trial, obs: Ending, now: float) -> Trial:
    """End a trial as completed, failed or pruned (a pruned one keeps its last value)."""
    got = None
    if isinstance(obs, Failed):
        state, value, reason = TrialState.FAILED, None, obs.reason
    elif isinstance(obs, Pruned):
        value = trial.last_intermediate if obs.value is None else obs.value
        state, reason = TrialState.PRUNED, trial.reason
    else:
        got = outcomes.outcome(study, obs.value, obs.values, obs.constraints)
        state, value, reason = TrialState.COMPLETED, got.value, None
    if trial.state is state and (state is TrialState.FAILED or _same(trial, value, got)):
        return trial  # a retry of the same report: nothing changes
    if trial.state not in (RUNNING, EXPIRED):
        detail = f"trial {trial.id} is already {trial.state.value}"
        if trial.state is state:
            detail += f" with value {trial.value}"
        raise Conflict(detail, errors={"trial_id": [detail]})
    changes = dict(value=value, finished_at=now, reason=reason)
    sql.update_trial(conn, trial.id, state=state.value, **changes,
                     **(_columns(got) if got else {}))
    if got is not None:
        changes.update(values=got.values, constraint_values=got.constraint_values)
    return replace(trial, state=state, **changes)


def _same(trial: Trial, value: float | None, got: outcomes.Outcome | None) -> bool:
    if got is None:
        return trial.value == value
    return (trial.value, trial.values, trial.constraint_values) == (
        got.value, got.values, got.constraint_values)


def _columns(got: outcomes.Outcome) -> dict[str, Any]:
    """The store's columns of a final result beyond `value`, where the study has them."""
    out: dict[str, Any] = {}
    if got.values is not None:
        out["objective_values"] = got.values
    if got.constraint_values is not None:
        out["constraint_values"] = got.constraint_values
        out["feasible"] = got.feasible
    return out
