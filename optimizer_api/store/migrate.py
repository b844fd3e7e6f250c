"""Bringing a database to the schema of this release with Alembic, one process at a time.

The revisions live in migrations/versions/. `upgrade` runs the missing ones in one
transaction that holds the store's schema lock (Store.schema_write), so replicas that
start together queue: the first migrates, the others find the schema current. A database
made before migrations existed is adopted by the first revision, which creates only
what is absent. Alembic records the revision in its table, alembic_version.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

if TYPE_CHECKING:
    from .engine import Store

log = logging.getLogger(__name__)
SCRIPTS = Path(__file__).resolve().parent / "migrations"


class SchemaError(RuntimeError):
    """The database's schema is not the one this release needs, and will not be made so."""


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(SCRIPTS))


def head() -> str:
    """The newest revision this release knows."""
    return _scripts().get_current_head()


def current(conn: Connection) -> str | None:
    """The database's revision; None when no migration has run on it."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store) -> tuple[str | None, str]:
    """Run every missing revision; return (revision before, revision after).

    Raises:
        SchemaError: the database was migrated by a newer release.
    """
    with store.schema_write() as conn:
        before = current(conn)
        _refuse_unknown(before)
        if before != head():
            config = Config()
            config.set_main_option("script_location", str(SCRIPTS))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            log.info("schema migrated from %s to %s", before or "nothing", head())
    return before, head()


def check(store: Store) -> None:
    """Raise SchemaError unless the database is at this release's revision."""
    with store.read(ensure_schema=False) as conn:
        found = current(conn)
    _refuse_unknown(found)
    if found != head():
        raise SchemaError(
            f"the database schema is at revision {found or 'none'}, this release needs "
            f"{head()}: run `optimizer-api migrate` (or set OPTIMIZER_MIGRATE_AT_START=true)"
        )


def _refuse_unknown(revision: str | None) -> None:
    if revision is not None and revision not in {s.revision for s in _scripts().walk_revisions()}:
        raise SchemaError(
            f"the database schema is at revision {revision}, which this release does not "
            "know: a newer release migrated it; run that release (or a newer one)"
        )
