"""Whether a study will hand out more trials, and if not, why.

Status is derived from the trials on every read, never stored, so it can never
disagree with them. A study is `completed` once a criterion holds and nothing runs.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from . import samplers
from .domain import COUNTED_STATES, Study, Trial, TrialState
from .space import Space
from .store import sql
from .store.tables import trials


def exhausted_reason(
    conn: Connection, study: Study, counts: dict[str, int], now: float,
    best: Trial | None = None,
) -> str | None:
    """Why no more trials will be suggested, or None while some may be."""
    d = study.definition
    if d["max_failed_trials"] is not None and counts["failed"] >= d["max_failed_trials"]:
        return f"max_failed_trials reached ({counts['failed']} failed)"
    counted = sum(counts[s.value] for s in COUNTED_STATES)
    if d["max_trials"] is not None and counted >= d["max_trials"]:
        return f"max_trials reached ({counted} trials)"
    if d.get("max_duration_seconds") is not None:
        if now - study.created_at >= d["max_duration_seconds"]:
            return f"max_duration_seconds reached ({d['max_duration_seconds']} s)"
    if d.get("target_value") is not None or d.get("no_improvement_trials") is not None:
        best = best or sql.best_trial(conn, study.id, study.direction)
        reason = _converged(conn, study, best)
        if reason:
            return reason
    if study.algorithm["name"] == "grid":
        return _grid_exhausted(conn, study, now)
    return None


def _converged(conn: Connection, study: Study, best: Trial | None) -> str | None:
    if best is None:
        return None
    d = study.definition
    target = d.get("target_value")
    if target is not None and not study.direction.better(target, best.value):
        return f"target_value reached (best {best.value} at trial {best.number})"
    patience = d.get("no_improvement_trials")
    if patience is not None:
        since = conn.execute(
            select(func.count())
            .select_from(trials)
            .where(
                trials.c.study_id == study.id,
                trials.c.state == TrialState.COMPLETED.value,
                trials.c.finished_at > best.finished_at,
            )
        ).scalar_one()
        if since >= patience:
            return f"no_improvement_trials reached (no improvement in {since} trials)"
    return None


def _grid_exhausted(conn: Connection, study: Study, now: float) -> str | None:
    options = study.algorithm["options"]
    size = samplers.get("grid").size(Space.from_dict(study.definition["space"]), options)
    if study.grid_cursor < size:
        return None
    if sql.requeueable_grid_indices(conn, study.id, options["max_retries"], now, 1):
        return None
    return f"grid exhausted (all {size} points handed out)"


