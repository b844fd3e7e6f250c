"""Changing a study after its creation: its name, description and metadata, and its
completion criteria. What it searches (space, algorithm, direction, seed, early stopping,
initial trials) never changes: that would be another study.

The definition as first given stays stored (definition.GIVEN) beside the edited one, and
"create" with either returns the study (definition.same): workers started before an edit
keep joining it. A renamed study is found by its new name only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection

from ..domain import Study
from ..errors import Conflict, InvalidRequest
from ..store import sql
from . import definition
from .attrs import check_attrs

CRITERIA = ("max_trials", "max_failed_trials", "target_value", "no_improvement_trials",
            "max_duration_seconds", "lease_seconds")
FIXED = ("space", "algorithm", "direction", "seed", "early_stopping", "initial_trials")
NOTES = ("description", "metadata")


def check(changes: Mapping[str, Any]) -> None:
    """InvalidRequest naming each field that may not change."""
    fixed = [f for f in FIXED if f in changes]
    if fixed:
        message = "cannot be changed: it defines what the study searches (create a new study)"
        raise InvalidRequest(f"{', '.join(fixed)}: {message}",
                             errors={f: [message] for f in fixed})
    check_attrs(changes.get("metadata"), "metadata")


def update(conn: Connection, study: Study, changes: Mapping[str, Any]) -> Study:
    """Apply checked `changes` (check) to the locked study; the study as updated.

    Raises:
        Conflict: naming `name`, when the owner has another study of the new name.
    """
    check(changes)
    values: dict[str, Any] = {}
    stored = dict(study.definition)
    for field in CRITERIA:
        if field in changes:
            stored[field] = changes[field]
    if "lease_seconds" in changes:
        stored["lease_seconds"] = float(changes["lease_seconds"]
                                        or definition.DEFAULT_LEASE_SECONDS)
    name = changes.get("name", study.name)
    if name != study.name:
        other = sql.find_study(conn, study.owner, name)
        if other is not None:
            raise Conflict(f"a study named {name!r} exists",
                           errors={"name": ["another study has this name"]})
        stored["name"] = values["name"] = name
    if stored != study.definition:
        values["definition"] = stored
    if "description" in changes:
        values["description"] = changes["description"]
    if "metadata" in changes:
        values["user_metadata"] = changes["metadata"]
    if values:
        sql.update_study(conn, study.id, **values)
    return replace(study, name=name, definition=stored,
                   description=changes.get("description", study.description),
                   metadata=changes.get("metadata", study.metadata))
