"""Handing out new trials: how many, and what the sampler proposes for them.

Runs inside the service's suggest transaction, with the study row locked; the
proposal of a sampler that reads the history may be made before, from a snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from .. import samplers
from ..domain import COUNTED_STATES, Study, Trial, TrialState
from ..errors import InvalidRequest
from ..space import Space
from ..store import columns, sql

log = logging.getLogger(__name__)
RUNNING = TrialState.RUNNING


@dataclass(frozen=True)
class Precomputed:
    """A proposal made from a snapshot, before the write lock: valid while no trial has
    been handed out since (the study's next trial number is the same)."""

    next_number: int
    proposal: samplers.Proposal


def check_count(study: Study, space: Space, count: int) -> None:
    """InvalidRequest naming `count` when the sampler makes fewer in one call."""
    name = study.algorithm["name"]
    most = samplers.get(name).max_count(space)
    if most is not None and count > most:
        message = (f"at most {most} per call for a {name} study of {len(space)} parameters "
                   f"(the work grows with count and with the parameters)")
        raise InvalidRequest(f"count: {message}", errors={"count": [message]})


def precompute(
    conn: Connection, study: Study, space: Space, count: int, now: float
) -> Precomputed | None:
    """For samplers that read the history (the GP): their proposal, computed in a read
    transaction so that the study's writers (on SQLite, every writer) do not wait on it."""
    if not samplers.get(study.algorithm["name"]).needs_history:  # grid, random: cheap
        return None
    return Precomputed(study.next_number, _propose(conn, study, space, count, now))


def new_trials(
    conn: Connection, study: Study, space: Space, counts: Callable[[], dict[str, int]],
    need: int, worker_id: str | None, now: float, precomputed: Precomputed | None = None,
) -> tuple[list[Trial], Study]:
    """Insert up to `need` running trials (fewer if max_trials or the sampler says so).

    Uses `precomputed` when no trial was handed out since its snapshot (its suggestions
    knew every running trial); otherwise proposes again, now under the lock.
    Returns the trials as stored and the study as updated, so that nothing is read back.
    """
    max_trials = study.definition["max_trials"]
    if max_trials is not None:
        need = min(need, max_trials - sum(counts()[s.value] for s in COUNTED_STATES))
    if need <= 0:
        return [], study
    fresh = precomputed is not None and precomputed.next_number == study.next_number
    if fresh and len(precomputed.proposal.suggestions) >= need:
        made = precomputed.proposal
        proposal = replace(made, suggestions=made.suggestions[:need])
    else:
        proposal = _propose(conn, study, space, need, now)
    out = []
    for number, s in enumerate(proposal.suggestions, start=study.next_number):
        fields = dict(
            study_id=study.id, number=number, params=s.params, worker_id=worker_id,
            info=s.info, grid_index=s.index, created_at=now,
            lease_expires_at=now + study.lease_seconds,
        )
        trial_id = sql.insert_trial(conn, state=RUNNING.value, external=False, **fields)
        out.append(Trial(id=trial_id, state=RUNNING, **fields))
    updates: dict[str, Any] = {"next_number": study.next_number + len(out)}
    if proposal.state is not None:
        updates["sampler_state"] = proposal.state
    if proposal.cursor is not None:
        updates["grid_cursor"] = proposal.cursor
    sql.update_study(conn, study.id, **updates)
    return out, replace(study, **updates)


def _propose(conn, study: Study, space: Space, need: int, now) -> samplers.Proposal:
    sampler = samplers.get(study.algorithm["name"])
    options = study.algorithm["options"]
    finite = sampler.size(space, options) is not None
    ctx = samplers.SamplerContext(
        space=space, direction=study.direction, seed=study.seed,
        numbers=list(range(study.next_number, study.next_number + need)),
        options=options,
        trials=_history(conn, study, space, sampler, now) if sampler.needs_history else (),
        state=study.sampler_state,
        cursor=study.grid_cursor,
        requeued=(
            sql.requeueable_indices(conn, study.id, sampler.max_retries(options), now, need)
            if finite else ()
        ),
    )
    try:
        return sampler.suggest(ctx)
    except Exception:  # a suggestion must never fail on numerics: fall back to random
        if finite:  # but a finite sequence's points must each come out exactly once
            raise
        log.exception("sampler %s failed on study %s; random instead", sampler.name, study.id)
        fallback = samplers.get("random").suggest(ctx).suggestions
        return samplers.Proposal(
            [samplers.Suggestion(s.params, {"source": "fallback_random"}) for s in fallback]
        )


def _history(conn, study: Study, space: Space, sampler, now: float):
    """The trials a sampler reads: column-wise (no Trial object per row) for a sampler
    that reads columns, as Trial objects otherwise.

    TrialColumns carry one value per trial: a study with several objectives or with
    constraints gets Trial objects, with whatever else sampler_history loads for it.
    """
    single = not study.definition.get("objectives") and not study.definition.get("constraints")
    if (single and getattr(sampler, "reads_columns", False)
            and columns.extractable(space.names)):
        return columns.sampler_columns(conn, study.id, now, space.names)
    return sql.sampler_history(conn, study.id, now)
