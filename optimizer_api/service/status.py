"""Whether a study will hand out more trials, and if not, why.

Status is derived from the trials on every read, never stored, so it can never
disagree with them. A study is `completed` once a criterion holds and nothing runs.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from .. import samplers
from ..domain import COUNTED_STATES, Study, Trial
from ..space import Space
from ..store import sql


class Counts:
    """The study's trials per state, counted once and only if someone asks."""

    def __init__(self, conn: Connection, study_id: int, now: float,
                 known: dict[str, int] | None = None):
        self._args = (conn, study_id, now)
        self._counts: dict[str, int] | None = known

    def __call__(self) -> dict[str, int]:
        if self._counts is None:
            self._counts = sql.state_counts(*self._args)
        return self._counts

    def add_running(self, n: int, from_queue: bool = False) -> None:
        """n more trials run (taken from the queue if `from_queue`)."""
        if self._counts is not None:
            self._counts = {**self._counts, "running": self._counts["running"] + n}
            if from_queue:
                self._counts["queued"] -= n


def status(
    conn: Connection, study: Study, space: Space, counts: Callable[[], dict[str, int]],
    now: float, best: Trial | None = None,
) -> tuple[str, str | None]:
    """("running" or "completed", the reason no more trials will come, or None)."""
    reason = exhausted_reason(conn, study, space, counts, now, best)
    if reason is None:
        return "running", None
    running = counts()["running"]
    if running == 0:
        return "completed", reason
    return "running", f"{reason}; waiting for {running} running trial(s)"


def exhausted_reason(
    conn: Connection, study: Study, space: Space, counts: Callable[[], dict[str, int]],
    now: float, best: Trial | None = None,
) -> str | None:
    """Why no more trials will be suggested, or None while some may be.

    Counts the trials only when a criterion needs them (max_trials, max_failed_trials).
    """
    d = study.definition
    if d["max_failed_trials"] is not None and counts()["failed"] >= d["max_failed_trials"]:
        return f"max_failed_trials reached ({counts()['failed']} failed)"
    if d["max_trials"] is not None:
        counted = sum(counts()[s.value] for s in COUNTED_STATES)
        if counted >= d["max_trials"]:
            return f"max_trials reached ({counted} trials)"
    if d.get("max_duration_seconds") is not None:
        if now - study.created_at >= d["max_duration_seconds"]:
            return f"max_duration_seconds reached ({d['max_duration_seconds']} s)"
    if d.get("target_value") is not None or d.get("no_improvement_trials") is not None:
        best = best or best_trial(conn, study)
        reason = _converged(conn, study, best)
        if reason:
            return reason
    return _sequence_exhausted(conn, study, space, counts, now)


def best_trial(conn: Connection, study: Study) -> Trial | None:
    """The study's best completed trial whose constraints hold; None for a study of
    several objectives (it has a Pareto front instead: service/front.py)."""
    if study.multi_objective:
        return None
    return sql.best_trial(conn, study.id, study.direction, bool(study.constraints))


def _converged(conn: Connection, study: Study, best: Trial | None) -> str | None:
    if best is None:
        return None
    d = study.definition
    target = d.get("target_value")
    if target is not None and not study.direction.better(target, best.value):
        return f"target_value reached (best {best.value} at trial {best.number})"
    patience = d.get("no_improvement_trials")
    if patience is not None:
        since = sql.count_completed_after(conn, study.id, best.finished_at, patience)
        if since >= patience:
            return f"no_improvement_trials reached (no improvement in {since} trials)"
    return None


def _sequence_exhausted(conn: Connection, study: Study, space: Space, counts, now
                        ) -> str | None:
    """For a sampler with a finite sequence (grid): every point handed out, none back,
    and no queued trial left to hand out."""
    sampler = samplers.get(study.algorithm["name"])
    options = study.algorithm["options"]
    size = sampler.size(space, options)
    if size is None or study.grid_cursor < size or counts()["queued"]:
        return None
    if sql.requeueable_indices(conn, study.id, sampler.max_retries(options), now, 1):
        return None
    return f"{sampler.name} exhausted (all {size} points handed out)"
