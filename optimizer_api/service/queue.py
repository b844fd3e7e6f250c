"""Queued trials: params the user asks to try first ("enqueue"), handed out by suggest
before the sampler's own choices, in the order given, each exactly once.

A queued trial is a row of `trials` in state `queued`, numbered when it is enqueued. Every
change of a queued trial (enqueue, hand-out, cancel) happens under the study's write lock
(service.suggest takes them in its own transaction), which is what makes "exactly once"
hold across workers and replicas. A queued trial counts toward max_trials from the moment
it is handed out (it is then `running`, like any other).

Params may leave parameters out: those are drawn at random (the trial's own random
stream) when the trial is handed out, and named in the trial's info under "filled".
Queued trials stand outside a grid's sequence: a queued point that is also a grid point
is run once more when the grid reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from .. import samplers
from ..domain import COUNTED_STATES, Study, Trial, TrialState
from ..errors import Conflict, InvalidRequest
from ..space import Space
from ..store import sql
from .attrs import check_attrs

QUEUED, RUNNING, CANCELLED = TrialState.QUEUED, TrialState.RUNNING, TrialState.CANCELLED
MAX_PER_CALL = 1000  # params enqueued in one request (or initial_trials of a study)


@dataclass(frozen=True)
class Enqueued:
    """The trials queued by one request, in the order given."""

    trials: list[Trial]


def check_params(space: Space, items: Sequence[Any], field: str = "params",
                 indexed: bool | None = None) -> list[dict]:
    """Each configuration's canonical params; parameters may be missing (drawn later).

    Raises:
        InvalidRequest: naming `field[i].name` for an unknown parameter or a bad value
            (`field.name` when not `indexed`: by default, one configuration in `params`).
    """
    if indexed is None:
        indexed = len(items) > 1 or field != "params"
    if not 1 <= len(items) <= MAX_PER_CALL:
        message = f"give 1 to {MAX_PER_CALL} configurations"
        raise InvalidRequest(f"{field}: {message}", errors={field: [message]})
    errors: dict[str, list[str]] = {}
    out = []
    for i, params in enumerate(items):
        where = f"{field}[{i}]" if indexed else field
        if not isinstance(params, Mapping):
            errors[where] = ["must be an object of parameter values"]
            continue
        canon = {}
        for name, value in params.items():
            try:
                canon[name] = space_param(space, name).validate_value(value)
            except (KeyError, ValueError) as exc:
                reason = "not a parameter of the study's space" if isinstance(exc, KeyError) \
                    else str(exc)
                errors[f"{where}.{name}"] = [reason]
        out.append(canon)
    if errors:
        detail = "; ".join(f"{k}: {v[0]}" for k, v in errors.items())
        raise InvalidRequest(f"params outside the space: {detail}", errors=errors)
    return out


def space_param(space: Space, name: str):
    for p in space.params:
        if p.name == name:
            return p
    raise KeyError(name)


def enqueue(
    conn: Connection, study: Study, params: Sequence[dict], user_attrs: dict | None,
    now: float,
) -> tuple[list[Trial], Study]:
    """Insert queued trials for checked params (check_params), numbered from the study's
    next number; the study's row must be locked. Returns them and the study updated."""
    check_attrs(user_attrs, "user_attrs")
    out = []
    for number, p in enumerate(params, start=study.next_number):
        fields = dict(study_id=study.id, number=number, params=p, created_at=now,
                      user_attrs=user_attrs)
        trial_id = sql.insert_trial(conn, state=QUEUED.value, external=False, **fields)
        out.append(Trial(id=trial_id, state=QUEUED, **fields))
    next_number = study.next_number + len(out)
    sql.update_study(conn, study.id, next_number=next_number)
    return out, replace(study, next_number=next_number)


def take(
    conn: Connection, study: Study, space: Space, counts: Callable[[], dict[str, int]],
    need: int, worker_id: str | None, now: float,
) -> list[Trial]:
    """Hand out up to `need` queued trials, first enqueued first (fewer if max_trials
    says so), as running trials; the study's row must be locked."""
    max_trials = study.definition["max_trials"]
    if max_trials is not None:
        need = min(need, max_trials - sum(counts()[s.value] for s in COUNTED_STATES))
    if need <= 0 or not sql.has_queued(conn, study.id):
        return []
    out = []
    lease = now + study.lease_seconds
    for t in sql.queued_trials(conn, study.id, need):
        params, filled = _complete(study, space, t)
        info = {"source": "queued", "queued_at": t.created_at}
        if filled:
            info["filled"] = filled
        changes = dict(state=RUNNING.value, params=params, worker_id=worker_id, info=info,
                       created_at=now, lease_expires_at=lease)
        sql.update_trial(conn, t.id, **changes)
        out.append(replace(t, **{**changes, "state": RUNNING}))
    return out


def _complete(study: Study, space: Space, trial: Trial) -> tuple[dict, list[str]]:
    """The trial's params with the missing ones drawn at random (its own stream)."""
    missing = [n for n in space.names if n not in trial.params]
    if not missing:
        return {n: trial.params[n] for n in space.names}, []
    ctx = samplers.SamplerContext(space=space, direction=study.direction, seed=study.seed,
                                  numbers=[trial.number])
    drawn = samplers.get("random").suggest(ctx).suggestions[0].params
    return {n: trial.params.get(n, drawn[n]) for n in space.names}, missing


def cancel(conn: Connection, trial: Trial, now: float) -> Trial:
    """Withdraw a queued trial (kept as `cancelled`); the study's row must be locked.

    Raises:
        Conflict: the trial is not queued (it was handed out, or cancelled before).
    """
    if trial.state is not QUEUED:
        detail = f"trial {trial.id} is {trial.state.value}: only a queued trial is cancelled"
        raise Conflict(detail, errors={"trial_id": [detail]})
    sql.update_trial(conn, trial.id, state=CANCELLED.value, finished_at=now)
    return replace(trial, state=CANCELLED, finished_at=now)
