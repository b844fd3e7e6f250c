"""Queries. Each takes an open connection: transactions belong to the service."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    any_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from ..domain import Direction, Study, Trial, TrialState
from ..errors import AlreadyExists
from .tables import intermediate_values, studies, trial_counts, trials

RUNNING, EXPIRED = TrialState.RUNNING.value, TrialState.EXPIRED.value


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _json(values: dict[str, Any]) -> dict[str, Any]:
    """Column values with the JSON ones as text."""
    out = dict(values)
    for name in ("sampler_state", "user_metadata"):
        if out.get(name) is not None:
            out[name] = dumps(out[name])
    return out


def effective_state(now: float):
    """A running trial whose lease lapsed is expired, whether or not a write marked it."""
    return case(
        (and_(trials.c.state == RUNNING, trials.c.lease_expires_at < now), EXPIRED),
        else_=trials.c.state,
    )


# -- studies -------------------------------------------------------------------------
def _study(row) -> Study:
    return Study(
        id=row.id,
        name=row.name,
        definition=json.loads(row.definition),
        seed=row.seed,
        next_number=row.next_number,
        grid_cursor=row.grid_cursor,
        sampler_state=_loads(row.sampler_state),
        created_at=row.created_at,
        owner=row.owner,
        description=row.description,
        metadata=_loads(row.user_metadata),
    )


def insert_study(
    conn: Connection, owner: str, name: str, definition: dict, seed: int, now: float,
    **extra: Any,
) -> int:
    """The new study's id.

    Raises:
        AlreadyExists: the owner's study of that name was inserted meanwhile (the
            transaction is then unusable: retry it from the start).
    """
    try:
        result = conn.execute(
            insert(studies).values(
                owner=owner, name=name, definition=dumps(definition), seed=seed,
                **{"next_number": 0, "grid_cursor": 0, "created_at": now, **_json(extra)},
            )
        )
    except IntegrityError:
        raise AlreadyExists(f"a study named {name!r} already exists") from None
    return result.inserted_primary_key[0]


# The statements on the suggest/observe path are built once: building them per call was
# a fifth of a request's CPU, spent while holding the study's write lock.
_STUDY = select(studies).where(studies.c.id == bindparam("study_id"))
_STUDY_LOCKED = _STUDY.with_for_update()
_TRIAL = select(trials).where(
    trials.c.id == bindparam("trial_id"), trials.c.study_id == bindparam("study_id")
)
_TRIAL_LOCKED = _TRIAL.with_for_update()
_CURVE = (
    select(intermediate_values.c.objective, intermediate_values.c.step,
           intermediate_values.c.value)
    .where(intermediate_values.c.trial_id == bindparam("trial_id"))
    .order_by(intermediate_values.c.objective, intermediate_values.c.step)
)
_INSERT_TRIAL = insert(trials)
_INSERT_INTERMEDIATE = insert(intermediate_values)
# Without .values(), the SET clause is the parameters given: one statement, any columns.
_UPDATE_TRIAL = update(trials).where(trials.c.id == bindparam("_id"))
_UPDATE_STUDY = update(studies).where(studies.c.id == bindparam("_id"))
_COUNTS = select(trial_counts.c.state, trial_counts.c.n).where(
    trial_counts.c.study_id == bindparam("study_id"))
_LAPSED = select(func.count()).select_from(trials).where(
    trials.c.study_id == bindparam("study_id"), trials.c.state == RUNNING,
    trials.c.lease_expires_at < bindparam("now"))
_LAPSED_ROW = "lapsed"  # no state is named so
_COUNTS_AND_LAPSED = _COUNTS.union_all(
    select(literal(_LAPSED_ROW), func.count()).select_from(trials).where(
        trials.c.study_id == bindparam("study_id"), trials.c.state == RUNNING,
        trials.c.lease_expires_at < bindparam("now")))
_EXPIRE = (
    update(trials)
    .where(
        trials.c.study_id == bindparam("_study_id"),
        trials.c.state == RUNNING,
        trials.c.lease_expires_at < bindparam("_now"),
    )
    .values(state=EXPIRED, finished_at=trials.c.lease_expires_at)
)


def get_study(conn: Connection, study_id: int, *, lock: bool = False) -> Study | None:
    row = conn.execute(_STUDY_LOCKED if lock else _STUDY, {"study_id": study_id}).first()
    return _study(row) if row else None


def find_study(conn: Connection, owner: str, name: str) -> Study | None:
    row = conn.execute(
        select(studies).where(studies.c.owner == owner, studies.c.name == name)
    ).first()
    return _study(row) if row else None


def list_studies(
    conn: Connection, owner: str | None, name: str | None, limit: int, offset: int = 0
) -> tuple[list[Study], int]:
    """A page of the studies of `owner` (of every owner if None), of that name if given,
    by id, and how many there are."""
    where = []
    if owner is not None:
        where.append(studies.c.owner == owner)
    if name is not None:
        where.append(studies.c.name == name)
    total = conn.execute(select(func.count()).select_from(studies).where(*where)).scalar_one()
    rows = conn.execute(
        select(studies).where(*where).order_by(studies.c.id).limit(limit).offset(offset)
    )
    return [_study(r) for r in rows], total


def count_studies(conn: Connection, owner: str) -> int:
    query = select(func.count()).select_from(studies).where(studies.c.owner == owner)
    return conn.execute(query).scalar_one()


def update_study(conn: Connection, study_id: int, **values: Any) -> None:
    """Raises AlreadyExists when a new name is taken by another of the owner's studies
    (the transaction is then unusable)."""
    for name in ("sampler_state", "definition", "user_metadata"):  # JSON columns
        if name in values:
            values[name] = None if values[name] is None else dumps(values[name])
    try:
        conn.execute(_UPDATE_STUDY, {"_id": study_id, **values})
    except IntegrityError:
        raise AlreadyExists(f"a study named {values.get('name')!r} already exists") from None


def delete_study(conn: Connection, study_id: int) -> bool:
    # Its counts go first: the trials' delete trigger then has none to keep.
    conn.execute(delete(trial_counts).where(trial_counts.c.study_id == study_id))
    ids = select(trials.c.id).where(trials.c.study_id == study_id).scalar_subquery()
    conn.execute(delete(intermediate_values).where(intermediate_values.c.trial_id.in_(ids)))
    conn.execute(delete(trials).where(trials.c.study_id == study_id))
    return conn.execute(delete(studies).where(studies.c.id == study_id)).rowcount > 0


# -- trials --------------------------------------------------------------------------
def row_to_trial(
    row, curves: dict[int, dict[int, float]] | None = None, now: float | None = None
) -> Trial:
    """A trial from its row and its curves by objective index (intermediate_of)."""
    curves = curves or {}
    state = row.state
    if now is not None and state == RUNNING and row.lease_expires_at < now:
        state = EXPIRED
    return Trial(
        id=row.id, number=row.number, state=TrialState(state), params=json.loads(row.params),
        value=row.value, intermediate=curves.get(0, {}), grid_index=row.grid_index,
        study_id=row.study_id, reason=row.reason, worker_id=row.worker_id,
        external=bool(row.external), info=_loads(row.info), created_at=row.created_at,
        finished_at=row.finished_at, lease_expires_at=row.lease_expires_at,
        values=floats_of(row.objective_values),
        constraint_values=floats_of(row.constraint_values),
        user_attrs=_loads(row.user_attrs),
        objective_curves={k: c for k, c in curves.items() if k},
    )


def floats_of(text: str | None) -> tuple[float, ...] | None:
    """A JSON array column (objective or constraint values) as a tuple, or None."""
    return None if text is None else tuple(json.loads(text))


# Columns kept as JSON arrays: given as tuples of floats.
_ARRAYS = ("objective_values", "constraint_values")


def insert_trial(conn: Connection, **values: Any) -> int:
    values["params"] = dumps(values["params"])
    for name in ("info", "user_attrs"):
        values[name] = None if values.get(name) is None else dumps(values[name])
    _dump_arrays(values)
    return conn.execute(_INSERT_TRIAL, values).inserted_primary_key[0]


def update_trial(conn: Connection, trial_id: int, **values: Any) -> None:
    for name in ("params", "info", "user_attrs"):  # JSON columns
        if name in values:
            values[name] = None if values[name] is None else dumps(values[name])
    _dump_arrays(values)
    conn.execute(_UPDATE_TRIAL, {"_id": trial_id, **values})


def _dump_arrays(values: dict[str, Any]) -> None:
    for name in _ARRAYS:
        if values.get(name) is not None:
            values[name] = dumps(list(values[name]))


_HAS_QUEUED = select(trial_counts.c.n).where(
    trial_counts.c.study_id == bindparam("study_id"), trial_counts.c.state == "queued")


def has_queued(conn: Connection, study_id: int) -> bool:
    """Whether the study has queued trials (one row of its counts)."""
    return bool(conn.execute(_HAS_QUEUED, {"study_id": study_id}).scalar())


def queued_trials(conn: Connection, study_id: int, limit: int) -> list[Trial]:
    """The study's queued trials, first enqueued first (by number)."""
    rows = conn.execute(
        select(trials)
        .where(trials.c.study_id == study_id, trials.c.state == TrialState.QUEUED.value)
        .order_by(trials.c.number).limit(limit)
    ).all()
    return [row_to_trial(r) for r in rows]


def get_trial(
    conn: Connection, study_id: int, trial_id: int, now: float, *, lock: bool = False
) -> Trial | None:
    params = {"trial_id": trial_id, "study_id": study_id}
    row = conn.execute(_TRIAL_LOCKED if lock else _TRIAL, params).first()
    if row is None:
        return None
    curves: dict[int, dict[int, float]] = {}
    for objective, step, value in conn.execute(_CURVE, {"trial_id": trial_id}):
        curves.setdefault(objective, {})[step] = value
    return row_to_trial(row, curves, now)


def expire_lapsed(conn: Connection, study_id: int, now: float) -> int:
    """Mark the running trials whose lease lapsed expired; how many there were."""
    return conn.execute(_EXPIRE, {"_study_id": study_id, "_now": now}).rowcount


def counts_and_lapsed(conn: Connection, study_id: int, now: float) -> tuple[dict[str, int], int]:
    """The stored states' counts and how many running trials' leases lapsed, in one round
    trip (for the suggest transaction, which holds the study's lock while it waits)."""
    counts = {s.value: 0 for s in TrialState}
    lapsed = 0
    for state, n in conn.execute(_COUNTS_AND_LAPSED, {"study_id": study_id, "now": now}):
        if state == _LAPSED_ROW:
            lapsed = n
        else:
            counts[state] = n
    return counts, lapsed


def state_counts(conn: Connection, study_id: int, now: float) -> dict[str, int]:
    """Trials per effective state: the stored states' counts (trial_counts, kept by the
    database), with the running trials whose lease lapsed moved to expired (read from the
    index on (study_id, state, lease_expires_at)). Costs the same at 100 or 100,000 trials."""
    counts = {s.value: 0 for s in TrialState}
    counts.update(conn.execute(_COUNTS, {"study_id": study_id}).all())
    if counts[RUNNING]:
        lapsed = conn.execute(_LAPSED, {"study_id": study_id, "now": now}).scalar_one()
        counts[RUNNING] -= lapsed
        counts[EXPIRED] += lapsed
    return counts


def state_totals(conn: Connection, now: float) -> dict[str, int]:
    """Trials of every study per effective state (lapsed leases counted as expired)."""
    counts = {s.value: 0 for s in TrialState}
    rows = conn.execute(select(trial_counts.c.state, func.sum(trial_counts.c.n))
                        .group_by(trial_counts.c.state))
    counts.update({s: int(n) for s, n in rows})
    lapsed = conn.execute(
        select(func.count()).select_from(trials)
        .where(trials.c.state == RUNNING, trials.c.lease_expires_at < now)
    ).scalar_one()
    counts[RUNNING] -= lapsed
    counts[EXPIRED] += lapsed
    return counts


def in_states(states: Iterable[str], now: float):
    """A condition on trials whose effective state is one of `states`, in terms of the
    stored state and the lease (which an index serves; effective_state() is read per row).
    A running trial always holds a lease (suggest gives it one)."""
    states = set(states)
    stored = [s for s in states if s not in (RUNNING, EXPIRED)]
    lapsed = and_(trials.c.state == RUNNING, trials.c.lease_expires_at < now)
    alive = and_(trials.c.state == RUNNING, trials.c.lease_expires_at >= now)
    either = []
    if {RUNNING, EXPIRED} <= states:
        stored += [RUNNING, EXPIRED]
    elif RUNNING in states:
        either.append(alive)
    elif EXPIRED in states:
        stored.append(EXPIRED)
        either.append(lapsed)
    if stored:
        either.append(trials.c.state.in_(stored))
    return or_(*either) if either else false()


def count_completed_after(
    conn: Connection, study_id: int, finished_at: float, at_most: int
) -> int:
    """How many trials completed after `finished_at`, counted up to `at_most`."""
    later = (
        select(trials.c.id)
        .where(
            trials.c.study_id == study_id,
            trials.c.state == TrialState.COMPLETED.value,
            trials.c.finished_at > finished_at,
        )
        .limit(at_most)
        .subquery()
    )
    return conn.execute(select(func.count()).select_from(later)).scalar_one()


def running_of_worker(conn: Connection, study_id: int, worker_id: str, now: float) -> list[Trial]:
    rows = conn.execute(
        select(trials)
        .where(
            trials.c.study_id == study_id,
            trials.c.worker_id == worker_id,
            trials.c.state == RUNNING,
            trials.c.lease_expires_at >= now,
        )
        .order_by(trials.c.number)
    ).all()
    inter = intermediate_of(conn, [r.id for r in rows])
    return [row_to_trial(r, inter.get(r.id), now) for r in rows]


def best_trial(
    conn: Connection, study_id: int, direction: Direction, feasible_only: bool = False
) -> Trial | None:
    """The completed trial of the best value (of those whose constraints hold, if
    `feasible_only`), the first of equals."""
    order = trials.c.value.asc() if direction is Direction.MINIMIZE else trials.c.value.desc()
    where = [trials.c.study_id == study_id, trials.c.state == TrialState.COMPLETED.value]
    if feasible_only:
        where.append(trials.c.feasible.is_(True))
    row = conn.execute(
        select(trials).where(*where).order_by(order, trials.c.number).limit(1)
    ).first()
    return row_to_trial(row, intermediate_of(conn, [row.id]).get(row.id)) if row else None


def requeueable_indices(
    conn: Connection, study_id: int, max_retries: int, now: float, limit: int
) -> list[int]:
    """Points of a finite sampler's sequence (grid) whose every attempt failed or expired,
    with retries left, lowest first."""
    state = effective_state(now)
    lost = (TrialState.FAILED.value, EXPIRED)
    candidates = (
        select(trials.c.grid_index)
        .where(trials.c.study_id == study_id, state.in_(lost), trials.c.grid_index.is_not(None))
        .scalar_subquery()
    )
    alive = func.sum(case((state.in_(lost), 0), else_=1))
    rows = conn.execute(
        select(trials.c.grid_index)
        .where(trials.c.study_id == study_id, trials.c.grid_index.in_(candidates))
        .group_by(trials.c.grid_index)
        .having(and_(alive == 0, func.count() <= max_retries))
        .order_by(trials.c.grid_index)
        .limit(limit)
    )
    return [r[0] for r in rows]


def result_for_point(
    conn: Connection, study_id: int, grid_index: int, other_than: int
) -> int | None:
    """The number of another trial of the point (of a finite sequence) that has a result
    (completed or pruned), or None."""
    return conn.execute(
        select(trials.c.number)
        .where(trials.c.study_id == study_id, trials.c.grid_index == grid_index,
               trials.c.id != other_than,
               trials.c.state.in_([TrialState.COMPLETED.value, TrialState.PRUNED.value]))
        .limit(1)
    ).scalar()


# -- intermediate values -------------------------------------------------------------
def among(conn: Connection, column, ids: Iterable[int]) -> Iterator:
    """Conditions `column IN ids`, each for as many ids as one statement takes: on
    PostgreSQL one array parameter for them all (psycopg spent more time turning a list of
    1000 parameters into a query than the query took), on SQLite at most 900 each (its
    limit on parameters)."""
    ids = list(ids)
    if conn.dialect.name == "postgresql":
        if ids:
            yield column == any_(literal(ids, ARRAY(BigInteger)))
        return
    for i in range(0, len(ids), 900):
        yield column.in_(ids[i : i + 900])


def intermediate_of(
    conn: Connection, trial_ids: Iterable[int]
) -> dict[int, dict[int, dict[int, float]]]:
    """The trials' curves: trial id -> objective index -> step -> value."""
    out: dict[int, dict[int, dict[int, float]]] = {}
    iv = intermediate_values
    for where in among(conn, iv.c.trial_id, trial_ids):
        rows = conn.execute(
            select(iv.c.trial_id, iv.c.objective, iv.c.step, iv.c.value)
            .where(where)
            .order_by(iv.c.trial_id, iv.c.objective, iv.c.step)
        )
        for r in rows:
            out.setdefault(r.trial_id, {}).setdefault(r.objective, {})[r.step] = r.value
    return out


def insert_intermediate(
    conn: Connection, trial_id: int, step: int, value: float, objective: int = 0
) -> None:
    """Store the trial's value at `step` about the objective of index `objective`."""
    conn.execute(_INSERT_INTERMEDIATE, {"trial_id": trial_id, "step": step, "value": value,
                                        "objective": objective})


def sampler_history(conn: Connection, study_id: int, now: float) -> list[Trial]:
    """Every trial as samplers see it: number, state, params, value (and the values of
    several objectives and constraints); no curves or info."""
    rows = conn.execute(
        select(trials.c.id, trials.c.number, effective_state(now).label("state"),
               trials.c.params, trials.c.value, trials.c.objective_values,
               trials.c.constraint_values)
        .where(trials.c.study_id == study_id)
        .order_by(trials.c.number)
    )
    return [
        Trial(id=r.id, number=r.number, state=TrialState(r.state), params=json.loads(r.params),
              value=r.value, values=floats_of(r.objective_values),
              constraint_values=floats_of(r.constraint_values))
        for r in rows
    ]
