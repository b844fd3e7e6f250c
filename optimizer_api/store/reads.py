"""Read-only queries behind the dashboard and exports: sorted and filtered pages of
trials, the columns of the finished trials, curves of chosen trials, last activity.

Parameter filters run in SQL on the params' JSON, so a page of a 100k-trial study
never loads the rest; the JSON functions differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Float, and_, case, cast, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from ..domain import Trial, TrialState
from .sql import (
    among,
    effective_state,
    floats_of,
    in_states,
    intermediate_of,
    row_to_trial,
    state_counts,
)
from .tables import intermediate_values, trials

FINISHED = (TrialState.COMPLETED.value, TrialState.PRUNED.value, TrialState.FAILED.value)
SORTS = {
    "number": (trials.c.number.asc(),),
    "-number": (trials.c.number.desc(),),
    "value": (trials.c.value.asc().nulls_last(), trials.c.number.asc()),
    "-value": (trials.c.value.desc().nulls_last(), trials.c.number.asc()),
}


@dataclass(frozen=True)
class ParamFilter:
    """Trials whose param `name` lies in [low, high] (numbers) or is one of `choices`."""

    name: str
    low: float | None = None
    high: float | None = None
    choices: Sequence[Any] | None = None


class Page(NamedTuple):
    """Trials of a study, how many match in all (None: not counted), and whether more
    matched past the last one when the page was read."""

    trials: list[Trial]
    total: int | None
    more: bool


def page(
    conn: Connection, study_id: int, now: float, *, states: Sequence[str] | None = None,
    filters: Sequence[ParamFilter] = (), sort: str = "number", limit: int = 100,
    offset: int = 0, after: int | None = None, curves: bool = True, count: bool = True,
) -> Page:
    """One page of the study's trials with their curves (unless not `curves`), and how
    many match in all (unless not `count`).

    The page holds at most `limit` trials, fewer where more would be over PAGE_BYTES
    (measured before any curve is read): always at least one.
    With `after` (a trial number; sort by number only), the page starts past it: keyset
    paging, which reads only the page however far into the study it is, and gives each
    trial once while trials are added (they get higher numbers).
    """
    where = [trials.c.study_id == study_id]
    if states:
        where.append(in_states(states, now))
    where += [_matches(conn, f) for f in filters]
    total = _count(conn, study_id, now, states, where if filters else None) if count else None
    if after is not None:
        where.append(trials.c.number > after)
    rows = conn.execute(
        select(trials, _row_bytes()).where(*where).order_by(*SORTS[sort])
        .limit(limit + 1).offset(offset)
    ).all()
    kept = _within_budget(conn, rows[:limit], curves)
    found = intermediate_of(conn, (r.id for r in kept)) if curves else {}
    return Page([row_to_trial(r, found.get(r.id), now) for r in kept], total,
                len(kept) < len(rows))


def _count(conn: Connection, study_id: int, now: float, states, filtered) -> int:
    """How many trials match: from the study's counts, unless params are filtered (the
    conditions `filtered`): then only a scan can tell."""
    if filtered is not None:
        return conn.execute(select(func.count()).select_from(trials).where(*filtered)
                            ).scalar_one()
    counts = state_counts(conn, study_id, now)
    return sum(n for s, n in counts.items() if not states or s in states)


# What one page of trials may take as JSON, about: a worker holds it a few times over
# while it answers (rows, Trial objects, dicts, the text). 47 MB pages (10,000 trials of
# 100 steps) used to hold ~480 MB in a worker.
PAGE_BYTES = 8 * 2**20
POINT_BYTES = 40  # {"step": 12, "value": 0.123456789012}, in a trial's JSON
ROW_BYTES = 400  # a trial's JSON without its params, info, reason and curve


def _row_bytes():
    text = [trials.c.params, trials.c.info, trials.c.reason, trials.c.worker_id,
            trials.c.objective_values, trials.c.constraint_values]
    return sum((func.coalesce(func.length(c), 0) for c in text), ROW_BYTES).label("size")


def _within_budget(conn: Connection, rows, curves: bool = True) -> list:
    """The first rows whose JSON (curves counted if sent) fits PAGE_BYTES; one at least."""
    points = _curve_lengths(conn, [r.id for r in rows]) if curves else {}
    kept, used = [], 0
    for r in rows:
        used += r.size + POINT_BYTES * points.get(r.id, 0)
        if kept and used > PAGE_BYTES:
            break
        kept.append(r)
    return kept


def _curve_lengths(conn: Connection, ids: list[int]) -> dict[int, int]:
    """How many intermediate values each trial has (read from the primary key alone)."""
    out: dict[int, int] = {}
    for where in among(conn, intermediate_values.c.trial_id, ids):
        out.update(conn.execute(
            select(intermediate_values.c.trial_id, func.count())
            .where(where)
            .group_by(intermediate_values.c.trial_id)
        ).all())
    return out


def _rows_by_id(conn: Connection, ids: list[int]) -> list:
    rows = []
    for where in among(conn, trials.c.id, ids):
        rows += conn.execute(select(trials).where(where)).all()
    return rows


def finished(conn: Connection, study_id: int, now: float) -> list[tuple[int, int, str, Any]]:
    """(id, number, state, value) of every completed, pruned or failed trial, by number."""
    # Finished states are stored as they are (only running trials lapse): the index serves.
    return [tuple(r) for r in conn.execute(
        select(trials.c.id, trials.c.number, trials.c.state, trials.c.value)
        .where(trials.c.study_id == study_id, trials.c.state.in_(FINISHED))
        .order_by(trials.c.number)
    )]


def with_curves(conn: Connection, study_id: int, now: float) -> list[tuple[int, int, str, Any]]:
    """(id, number, state, value) of every trial that reported a curve, by number."""
    state = effective_state(now)
    reported = select(intermediate_values.c.trial_id).where(
        intermediate_values.c.trial_id == trials.c.id).exists()
    return [tuple(r) for r in conn.execute(
        select(trials.c.id, trials.c.number, state, trials.c.value)
        .where(trials.c.study_id == study_id, reported)
        .order_by(trials.c.number)
    )]


def completed(conn: Connection, study_id: int) -> list[Trial]:
    """The completed trials with their params and value only, by number."""
    rows = conn.execute(
        select(trials.c.id, trials.c.number, trials.c.params, trials.c.value)
        .where(trials.c.study_id == study_id, trials.c.state == TrialState.COMPLETED.value)
        .order_by(trials.c.number)
    )
    return [Trial(r.id, r.number, TrialState.COMPLETED, json.loads(r.params), r.value)
            for r in rows]


def front_candidates(
    conn: Connection, study_id: int, feasible_only: bool
) -> list:
    """(id, value, objective values as JSON) of the completed trials (those whose
    constraints hold, if `feasible_only`), by number: what a Pareto front is chosen from."""
    where = [trials.c.study_id == study_id, trials.c.state == TrialState.COMPLETED.value]
    if feasible_only:
        where.append(trials.c.feasible.is_(True))
    return conn.execute(
        select(trials.c.id, trials.c.value, trials.c.objective_values)
        .where(*where).order_by(trials.c.number)
    ).all()


def best_completed(conn: Connection, study_id: int, descending: bool, limit: int) -> list[Trial]:
    """The `limit` best completed trials (highest values first if `descending`) with their
    params and value, and the values of several objectives and constraints where stored."""
    order = trials.c.value.desc() if descending else trials.c.value.asc()
    rows = conn.execute(
        select(trials.c.id, trials.c.number, trials.c.params, trials.c.value,
               trials.c.objective_values, trials.c.constraint_values)
        .where(trials.c.study_id == study_id, trials.c.state == TrialState.COMPLETED.value,
               trials.c.value.is_not(None))
        .order_by(order, trials.c.number)
        .limit(limit)
    )
    return [Trial(r.id, r.number, TrialState.COMPLETED, json.loads(r.params), r.value,
                  values=floats_of(r.objective_values),
                  constraint_values=floats_of(r.constraint_values))
            for r in rows]


def trials_by_id(conn: Connection, ids: Iterable[int], now: float, curves: bool) -> list[Trial]:
    """The trials of these ids, by number; with their curves if `curves`."""
    ids = list(ids)
    rows = sorted(_rows_by_id(conn, ids), key=lambda r: r.number)
    found = intermediate_of(conn, ids) if curves else {}
    return [row_to_trial(r, found.get(r.id), now) for r in rows]


def last_activity(conn: Connection, study_id: int) -> float | None:
    """When a trial of the study was last created or finished (None: no trial yet)."""
    created = conn.execute(
        select(trials.c.created_at).where(trials.c.study_id == study_id)
        .order_by(trials.c.number.desc()).limit(1)
    ).scalar()
    ended = conn.execute(  # max() as a walk down the index, on either store
        select(trials.c.finished_at)
        .where(trials.c.study_id == study_id, trials.c.finished_at.is_not(None))
        .order_by(trials.c.finished_at.desc()).limit(1)
    ).scalar()
    times = [t for t in (created, ended) if t is not None]
    return max(times) if times else None


# -- parameter filters on the params' JSON ------------------------------------------------
def _matches(conn: Connection, f: ParamFilter):
    kind, text, where = _json_field(conn, f.name)
    number = case((kind == "number", cast(text, Float)))
    if f.choices is None:
        bounds = [kind == "number"]
        if f.low is not None:
            bounds.append(number >= f.low)
        if f.high is not None:
            bounds.append(number <= f.high)
        return where(and_(*bounds))
    alternatives = [_equals(kind, text, number, c) for c in f.choices]
    return where(or_(*alternatives) if alternatives else false())


def _equals(kind, text, number, choice: Any):
    if isinstance(choice, bool):
        return and_(kind == "boolean", text == json.dumps(choice))
    if isinstance(choice, int | float):
        return and_(kind == "number", number == float(choice))
    return and_(kind == "string", text == choice)


def _json_field(conn: Connection, name: str):
    """(JSON type as PostgreSQL names it, the value as text, how to apply a condition on
    them) for params[name], in SQL."""
    if conn.dialect.name == "postgresql":
        doc = cast(trials.c.params, JSONB)
        kind = func.jsonb_typeof(func.jsonb_extract_path(doc, name))
        return kind, func.jsonb_extract_path_text(doc, name), lambda condition: condition
    # SQLite: one scan of json_each per row; it finds any key, whatever characters it
    # holds (a JSON path may not).
    each = func.json_each(trials.c.params).table_valued("key", "value", "type")
    kind = case(
        (each.c.type.in_(["integer", "real"]), "number"),
        (each.c.type.in_(["true", "false"]), "boolean"),
        (each.c.type == "text", "string"),
        else_=each.c.type,
    )
    text = case((each.c.type == "true", "true"), (each.c.type == "false", "false"),
                else_=each.c.value)
    return kind, text, lambda condition: (
        select(each.c.key).where(each.c.key == name, condition).exists()
    )
