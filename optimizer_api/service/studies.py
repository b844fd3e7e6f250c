"""Creating a study and viewing one: the work inside those transactions."""

from __future__ import annotations

import secrets
from typing import NamedTuple

from sqlalchemy import Connection

from ..domain import Owner, Study, StudyView
from ..errors import Conflict
from ..space import Space
from ..store import reads, sql
from . import definition, queue, warm
from .quotas import Quotas
from .status import Counts, best_trial, status


class Created(NamedTuple):
    """The study, and whether this call created it (False: it existed, same definition)."""

    view: StudyView
    created: bool


class New(NamedTuple):
    """A study to create: its owner, canonical and given definitions, the quotas, and
    whom the parents it warm-starts from must be visible to."""

    owner: str
    canon: dict
    given: dict
    quotas: Quotas
    notes: dict | None = None  # description and metadata, if given
    viewer: Owner | None = None


def create(conn: Connection, new: New, now: float) -> Created:
    """Insert the owner's study of canonical definition `new.canon`, or load the owner's
    study of that name if it exists.

    Raises:
        Conflict: the owner has a study of that name with another definition.
        QuotaExceeded: the study is new and the owner has as many as allowed.
        InvalidRequest: a warm_start study is unknown or not visible to `new.viewer`.
        AlreadyExists: a concurrent create inserted the name first (retry the transaction).
    """
    canon = new.canon
    study = sql.find_study(conn, new.owner, canon["name"])
    created = study is None
    if study is None:
        new.quotas.check_studies(new.owner, sql.count_studies(conn, new.owner))
        seed = canon["seed"] if canon["seed"] is not None else secrets.randbits(63)
        stored = {**canon, definition.GIVEN: new.given}
        given_notes = new.notes or {}
        notes = {"description": given_notes.get("description"),
                 "user_metadata": given_notes.get("metadata")}
        if canon.get("warm_start"):  # the parents by id, as the study JSON shows them
            viewer = new.viewer or Owner(new.owner)
            stored["warm_start"] = {"studies": warm.resolve(conn, viewer, canon["warm_start"])}
        study_id = sql.insert_study(conn, new.owner, canon["name"], stored, seed, now,
                                    **notes)
        study = sql.get_study(conn, study_id)
        if canon.get("initial_trials"):
            study = queue.enqueue(conn, study, canon["initial_trials"], None, now)[1]
    elif not definition.same(study.definition, canon):
        raise Conflict(
            f"a study named {canon['name']!r} exists with another definition",
            errors={"name": ["exists with another definition"]},
        )
    return Created(view(conn, study, now), created)


def view(conn: Connection, study: Study, now: float) -> StudyView:
    """The study with its counts, status and best trial."""
    counts = Counts(conn, study.id, now)
    best = best_trial(conn, study)
    space = Space.from_dict(study.definition["space"])
    state, reason = status(conn, study, space, counts, now, best)
    return StudyView(study, counts(), state, reason, best, reads.last_activity(conn, study.id))
