"""Recording what a worker reports: final and intermediate values, failures, pruning,
results for params the user chose. Runs inside the service's observe transaction.

Retries are safe without a key: an intermediate value is keyed by (trial, step), and a
final report equal to the stored one changes nothing; a different one is a Conflict.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from . import stopping
from .domain import Study, Trial, TrialState
from .errors import Conflict
from .space import Space
from .store import sql

log = logging.getLogger(__name__)
RUNNING, EXPIRED = TrialState.RUNNING, TrialState.EXPIRED
FINAL_STATE = {"final": "completed", "failed": "failed", "pruned": "pruned"}


def external(conn: Connection, study: Study, obs: Mapping[str, Any], now: float) -> int:
    """Store a completed trial for params the user chose; its id."""
    params = Space.from_dict(study.definition["space"]).validate_params(obs["params"])
    trial_id = sql.insert_trial(
        conn, study_id=study.id, number=study.next_number, state="completed",
        params=params, value=obs["value"], external=True, created_at=now, finished_at=now,
    )
    sql.update_study(conn, study.id, next_number=study.next_number + 1)
    return trial_id


def intermediate(
    conn: Connection, study: Study, trial: Trial, obs, now: float
) -> tuple[Trial, bool]:
    """Store a value at a step and renew the lease; the trial, and whether it should stop."""
    step, value = obs["step"], obs["value"]
    if trial.state not in (RUNNING, EXPIRED):
        raise Conflict(f"trial {trial.id} is {trial.state.value}: it takes no more reports")
    if step in trial.intermediate:
        if trial.intermediate[step] != value:
            raise Conflict(
                f"trial {trial.id} already has value {trial.intermediate[step]} at step {step}",
                errors={"step": ["already reported with another value"]},
            )
        return trial, False  # a retry of the same report
    sql.insert_intermediate(conn, trial.id, step, value)
    trial = replace(trial, intermediate={**trial.intermediate, step: value})
    if trial.state is EXPIRED:
        return trial, False  # the value is kept; the trial stays expired
    trial = replace(trial, lease_expires_at=now + study.lease_seconds)
    sql.update_trial(conn, trial.id, lease_expires_at=trial.lease_expires_at)
    reason = _stop_reason(conn, study, trial, now)
    if reason is None:
        return trial, False
    sql.update_trial(conn, trial.id, reason=reason)
    return replace(trial, reason=reason), True


def _stop_reason(conn, study: Study, trial: Trial, now) -> str | None:
    """Why the study's early-stopping rule stops the trial now, or None."""
    spec = study.definition.get("early_stopping")
    if not spec:
        return None
    rule = stopping.get(spec["rule"])
    others = []
    if rule.uses_others:  # judged at this step: the others' curves beyond it do not matter
        step = max(trial.intermediate)
        others = [t for t in sql.curves_up_to(conn, study.id, now, step) if t.id != trial.id]
    options = {k: v for k, v in spec.items() if k != "rule"}
    try:
        decision = rule.should_stop(trial, others, study.direction, options)
    except Exception:  # a rule must never fail a report
        log.exception("rule %s failed on trial %s", rule.name, trial.id)
        return None
    return (decision.reason or f"stopped by the {rule.name} rule") if decision.stop else None


def finish(conn: Connection, trial: Trial, kind: str, obs, now: float) -> Trial:
    """End a trial as completed, failed or pruned (a pruned one keeps its last value)."""
    state = FINAL_STATE[kind]
    value = obs.get("value")
    if kind == "pruned" and value is None:
        value = trial.last_intermediate
    if trial.state.value == state and (kind == "failed" or trial.value == value):
        return trial  # a retry of the same report: nothing changes
    if trial.state not in (RUNNING, EXPIRED):
        detail = f"trial {trial.id} is already {trial.state.value}"
        if trial.state.value == state:
            detail += f" with value {trial.value}"
        raise Conflict(detail, errors={"trial_id": [detail]})
    changes = dict(value=None if kind == "failed" else value, finished_at=now,
                   reason={"failed": obs.get("reason"), "pruned": trial.reason}.get(kind))
    sql.update_trial(conn, trial.id, state=state, **changes)
    return replace(trial, state=TrialState(state), **changes)
