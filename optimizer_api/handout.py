"""Handing out new trials: how many, which grid points, what the sampler proposes.

Runs inside the service's suggest transaction, with the study row locked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from . import samplers
from .domain import COUNTED_STATES, Study, Trial, TrialState
from .space import Space
from .store import sql

log = logging.getLogger(__name__)
RUNNING = TrialState.RUNNING


@dataclass(frozen=True)
class Precomputed:
    """A proposal made from a snapshot, before the write lock: valid while no trial has
    been handed out since (the study's next trial number is the same)."""

    next_number: int
    proposal: samplers.Proposal


def precompute(conn: Connection, study: Study, count: int, now: float) -> Precomputed | None:
    """For samplers that read the history (the GP): their proposal, computed in a read
    transaction so that the study's writers (on SQLite, every writer) do not wait on it."""
    if not samplers.get(study.algorithm["name"]).needs_history:  # grid, random: cheap
        return None
    space = Space.from_dict(study.definition["space"])
    return Precomputed(study.next_number, _propose(conn, study, space, count, now))


def new_trials(
    conn: Connection, study: Study, counts: Callable[[], dict[str, int]], need: int,
    worker_id: str | None, now: float, precomputed: Precomputed | None = None,
) -> list[Trial]:
    """Insert up to `need` running trials (fewer if max_trials or the grid says so).

    Uses `precomputed` when no trial was handed out since its snapshot (its suggestions
    knew every running trial); otherwise proposes again, now under the lock.
    Returns the trials as stored, so that the answer needs no read back.
    """
    max_trials = study.definition["max_trials"]
    if max_trials is not None:
        need = min(need, max_trials - sum(counts()[s.value] for s in COUNTED_STATES))
    if need <= 0:
        return []
    space = Space.from_dict(study.definition["space"])
    name, options = study.algorithm["name"], study.algorithm["options"]
    updates: dict[str, Any] = {}
    if name == "grid":
        indices = _grid_indices(conn, study, space, options, need, now)
        proposal = samplers.get(name).points(space, indices, options)
        updates["grid_cursor"] = max([study.grid_cursor - 1, *indices]) + 1
    else:
        fresh = precomputed is not None and precomputed.next_number == study.next_number
        if fresh and len(precomputed.proposal.suggestions) >= need:
            made = precomputed.proposal
            proposal = samplers.Proposal(made.suggestions[:need], made.state)
        else:
            proposal = _propose(conn, study, space, need, now)
        if proposal.state is not None:
            updates["sampler_state"] = proposal.state
    out = []
    for number, s in enumerate(proposal.suggestions, start=study.next_number):
        fields = dict(
            study_id=study.id, number=number, params=s.params, worker_id=worker_id,
            info=s.info, grid_index=(s.info or {}).get("grid_index"), created_at=now,
            lease_expires_at=now + study.lease_seconds,
        )
        trial_id = sql.insert_trial(conn, state=RUNNING.value, external=False, **fields)
        out.append(Trial(id=trial_id, state=RUNNING, **fields))
    sql.update_study(conn, study.id, next_number=study.next_number + len(out), **updates)
    return out


def _grid_indices(conn, study: Study, space: Space, options, need: int, now) -> list[int]:
    """Re-queued points first (lowest index first), then fresh ones from the cursor."""
    again = sql.requeueable_grid_indices(conn, study.id, options["max_retries"], now, need)
    size = samplers.get("grid").size(space, options)
    fresh = range(study.grid_cursor, min(size, study.grid_cursor + need - len(again)))
    return [*again, *fresh]


def _propose(conn, study: Study, space: Space, need: int, now) -> samplers.Proposal:
    sampler = samplers.get(study.algorithm["name"])
    ctx = samplers.SamplerContext(
        space=space, direction=study.direction, seed=study.seed,
        numbers=list(range(study.next_number, study.next_number + need)),
        options=study.algorithm["options"],
        trials=sql.sampler_history(conn, study.id, now) if sampler.needs_history else (),
        state=study.sampler_state,
    )
    try:
        return sampler.suggest(ctx)
    except Exception:  # a suggestion must never fail on numerics: fall back to random
        log.exception("sampler %s failed on study %s; random instead", sampler.name, study.id)
        fallback = samplers.get("random").suggest(ctx).suggestions
        return samplers.Proposal(
            [samplers.Suggestion(s.params, {"source": "fallback_random"}) for s in fallback]
        )
