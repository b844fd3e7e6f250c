"""What early-stopping rules read of the other trials: one number per trial, in SQL.

A report under the median rule used to load every trial's curve up to the step being
judged (1,000,000 values for a 10,000 x 100-step study, several seconds, inside the
write lock). Here each trial gives one row, found through the primary key
(trial_id, objective, step) and the covering index on (trial_id, objective, step, value):
- the mean of its values up to the step, when its curve reaches the step;
- or its first value at or after the step.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, exists, func, select

from ..domain import Trial, TrialState
from .sql import effective_state
from .tables import intermediate_values as iv
from .tables import trials

MEAN_UP_TO, FIRST_AT_OR_AFTER = "mean_up_to", "first_at_or_after"
_LAPSING = {TrialState.RUNNING, TrialState.EXPIRED}


def summaries(
    conn: Connection, study_id: int, now: float, step: int, kind: str,
    states: Sequence[TrialState], objective: int = 0,
) -> list[Trial]:
    """The study's trials in `states`, each with a one-point curve {at: summary}: at
    `step` the mean of its values up to `step` (MEAN_UP_TO, trials whose curve reaches
    it), or at its first step >= `step` that step's value (FIRST_AT_OR_AFTER); curves
    about the objective of index `objective` only."""
    mine = and_(iv.c.trial_id == trials.c.id, iv.c.objective == objective)
    if kind == MEAN_UP_TO:
        at = select(func.avg(iv.c.value)).where(mine, iv.c.step <= step).scalar_subquery()
        where_step = exists().where(mine, iv.c.step >= step)
        columns = [at.label("summary")]
    elif kind == FIRST_AT_OR_AFTER:
        first = select(func.min(iv.c.step)).where(mine, iv.c.step >= step).scalar_subquery()
        value = (select(iv.c.value).where(mine, iv.c.step >= step)
                 .order_by(iv.c.step).limit(1).scalar_subquery())
        where_step = exists().where(mine, iv.c.step >= step)
        columns = [value.label("summary"), first.label("at")]
    else:
        raise ValueError(f"unknown summary {kind!r}")
    state = effective_state(now).label("state")
    names = [s.value for s in states]
    # Stored states are the effective ones but for lapsed leases: filter on the column
    # (the index on study_id, state) unless running or expired trials are asked for.
    by_state = (state.in_(names) if _LAPSING & set(states)
                else trials.c.state.in_(names))
    rows = conn.execute(
        select(trials.c.id, trials.c.number, state, trials.c.value, *columns)
        .where(and_(trials.c.study_id == study_id, by_state, where_step))
    )
    out = []
    for r in rows:
        if r.summary is None:  # the curve starts after `step`: nothing to average
            continue
        at = step if kind == MEAN_UP_TO else r.at
        out.append(Trial(r.id, r.number, TrialState(r.state), {}, r.value, {at: r.summary}))
    return out
