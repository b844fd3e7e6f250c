"""Creating a study and viewing one: the work inside those transactions."""

from __future__ import annotations

import secrets
from typing import NamedTuple

from sqlalchemy import Connection

from ..domain import Study, StudyView
from ..errors import Conflict
from ..space import Space
from ..store import reads, sql
from . import definition
from .status import Counts, status


class Created(NamedTuple):
    """The study, and whether this call created it (False: it existed, same definition)."""

    view: StudyView
    created: bool


def create(conn: Connection, canon: dict, given: dict, now: float) -> Created:
    """Insert the study of canonical definition `canon`, or load it if it exists.

    Raises:
        Conflict: a study of that name exists with another definition.
        AlreadyExists: a concurrent create inserted the name first (retry the transaction).
    """
    study = sql.find_study(conn, canon["name"])
    created = study is None
    if study is None:
        seed = canon["seed"] if canon["seed"] is not None else secrets.randbits(63)
        stored = {**canon, definition.GIVEN: given}
        study = sql.get_study(conn, sql.insert_study(conn, canon["name"], stored, seed, now))
    elif not definition.same(study.definition, canon):
        raise Conflict(
            f"a study named {canon['name']!r} exists with another definition",
            errors={"name": ["exists with another definition"]},
        )
    return Created(view(conn, study, now), created)


def view(conn: Connection, study: Study, now: float) -> StudyView:
    """The study with its counts, status and best trial."""
    counts = Counts(conn, study.id, now)
    best = sql.best_trial(conn, study.id, study.direction)
    space = Space.from_dict(study.definition["space"])
    state, reason = status(conn, study, space, counts, now, best)
    return StudyView(study, counts(), state, reason, best, reads.last_activity(conn, study.id))
