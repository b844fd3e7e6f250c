"""The change feed's queries: a study's trials changed after a cursor, and how far a
reader may go without passing a change that is still to commit.

Each trial write sets `trials.change_seq` (triggers, migration 0006). On PostgreSQL it is
the writing transaction's id, and transactions commit in any order: a reader must stop
below the oldest transaction still in flight (the snapshot's xmin), since every one below
it has ended, and any later writer gets a higher id. On SQLite, which has one writer at a
time, it is the study's own counter, read in the reader's snapshot.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text, tuple_

from .sql import intermediate_of, row_to_trial
from .tables import studies, trials

_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


def horizon(conn: Connection, study_id: int) -> int:
    """Every change of the study's trials with change_seq below this is committed and
    visible to the reads that follow on `conn`."""
    if conn.dialect.name == "postgresql":
        return conn.execute(_XMIN).scalar_one()
    seq = conn.execute(select(studies.c.change_seq).where(studies.c.id == study_id)).scalar()
    return (seq or 0) + 1


def changed(conn: Connection, study_id: int, after: tuple[int, int], below: int, limit: int,
            now: float) -> list:
    """The study's trials whose (change_seq, id) is above `after` and change_seq below
    `below`, in that order, at most `limit`, with their curves."""
    rows = conn.execute(
        select(trials)
        .where(trials.c.study_id == study_id,
               tuple_(trials.c.change_seq, trials.c.id) > tuple_(*after),
               trials.c.change_seq < below)
        .order_by(trials.c.change_seq, trials.c.id)
        .limit(limit)
    ).all()
    curves = intermediate_of(conn, [r.id for r in rows])
    return [(r.change_seq, row_to_trial(r, curves.get(r.id), now)) for r in rows]
