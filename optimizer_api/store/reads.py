"""Read-only queries behind the dashboard and exports: sorted and filtered pages of
trials, the columns of the finished trials, curves of chosen trials, last activity.

Parameter filters run in SQL on the params' JSON, so a page of a 100k-trial study
never loads the rest; the JSON functions differ between SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Float, and_, case, cast, false, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from ..domain import Trial, TrialState
from .sql import effective_state, intermediate_of, row_to_trial
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


def page(
    conn: Connection, study_id: int, now: float, *, states: Sequence[str] | None = None,
    filters: Sequence[ParamFilter] = (), sort: str = "number", limit: int = 100,
    offset: int = 0, after: int | None = None,
) -> tuple[list[Trial], int | None]:
    """One page of the study's trials (with their curves) and how many match in all.

    With `after` (a trial number; sort by number only), the page starts past it and the
    total is not counted (None): how an export walks a big study without offsets.
    """
    where = [trials.c.study_id == study_id]
    if states:
        where.append(effective_state(now).in_(list(states)))
    where += [_matches(conn, f) for f in filters]
    total = None
    if after is None:
        total = conn.execute(select(func.count()).select_from(trials).where(*where)).scalar_one()
    else:
        where.append(trials.c.number > after)
    rows = conn.execute(
        select(trials).where(*where).order_by(*SORTS[sort]).limit(limit).offset(offset)
    ).all()
    curves = intermediate_of(conn, [r.id for r in rows])
    return [row_to_trial(r, curves.get(r.id), now) for r in rows], total


def finished(conn: Connection, study_id: int, now: float) -> list[tuple[int, int, str, Any]]:
    """(id, number, state, value) of every completed, pruned or failed trial, by number."""
    state = effective_state(now)
    return [tuple(r) for r in conn.execute(
        select(trials.c.id, trials.c.number, state, trials.c.value)
        .where(trials.c.study_id == study_id, state.in_(FINISHED))
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


def trials_by_id(conn: Connection, ids: Iterable[int], now: float, curves: bool) -> list[Trial]:
    """The trials of these ids, by number; with their curves if `curves`."""
    ids = list(ids)
    rows = []
    for chunk in (ids[i : i + 900] for i in range(0, len(ids), 900)):
        rows += conn.execute(select(trials).where(trials.c.id.in_(chunk))).all()
    rows.sort(key=lambda r: r.number)
    found = intermediate_of(conn, ids) if curves else {}
    return [row_to_trial(r, found.get(r.id), now) for r in rows]


def last_activity(conn: Connection, study_id: int) -> float | None:
    """When a trial of the study was last created or finished (None: no trial yet)."""
    created = conn.execute(
        select(trials.c.created_at).where(trials.c.study_id == study_id)
        .order_by(trials.c.number.desc()).limit(1)
    ).scalar()
    ended = conn.execute(
        select(func.max(trials.c.finished_at)).where(trials.c.study_id == study_id)
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
