"""Queries on Idempotency-Key records (the protocol: optimizer_api/service/idempotency.py).

A record is named by (owner, scope, key): an owner's key never meets another's.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .tables import idempotency_keys as keys


def _insert_ignoring_conflict(conn: Connection, table, **values) -> bool:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # rowcount is not reliable here on every driver: RETURNING says whether a row went in.
    return conn.execute(statement.returning(*table.primary_key.columns)).first() is not None


def _named(owner: str, scope: str, key: str) -> list:
    return [keys.c.owner == owner, keys.c.scope == scope, keys.c.key == key]


def claim_key(
    conn: Connection, owner: str, scope: str, key: str, fingerprint: str, holder: str,
    now: float,
):
    """Insert the key as in flight, held by `holder`; None if new, else the existing row."""
    inserted = _insert_ignoring_conflict(
        conn, keys, owner=owner, scope=scope, key=key, fingerprint=fingerprint,
        holder=holder, created_at=now,
    )
    if inserted:
        return None
    return conn.execute(select(keys).where(*_named(owner, scope, key))).first()


def retake_key(
    conn: Connection, owner: str, scope: str, key: str, was: str | None, holder: str,
    now: float,
) -> bool:
    """Take over an in-flight key from holder `was`; True when taken (nobody else did)."""
    previous = keys.c.holder.is_(None) if was is None else keys.c.holder == was
    result = conn.execute(
        update(keys)
        .where(*_named(owner, scope, key), keys.c.status_code.is_(None), previous)
        .values(holder=holder, created_at=now)
    )
    return result.rowcount == 1


def finish_key(
    conn: Connection, owner: str, scope: str, key: str, fingerprint: str, holder: str,
    status: int, response: str, now: float,
) -> bool:
    """Store the answer if `holder` still holds the key; False when another took it over
    (or answered it). A claim that is gone altogether (claims are committed without
    waiting for the disk) is made again, answered."""
    held = conn.execute(
        update(keys)
        .where(*_named(owner, scope, key), keys.c.holder == holder,
               keys.c.status_code.is_(None))
        .values(status_code=status, response=response)
    )
    if held.rowcount == 1:
        return True
    return _insert_ignoring_conflict(
        conn, keys, owner=owner, scope=scope, key=key, fingerprint=fingerprint,
        holder=holder, created_at=now, status_code=status, response=response,
    )


def release_key(conn: Connection, owner: str, scope: str, key: str, holder: str) -> None:
    """Forget an in-flight key, if `holder` still holds it."""
    conn.execute(
        delete(keys).where(
            *_named(owner, scope, key), keys.c.status_code.is_(None), keys.c.holder == holder
        )
    )


def purge_keys(conn: Connection, before: float) -> None:
    conn.execute(delete(keys).where(keys.c.created_at < before))
