"""Queries on Idempotency-Key records (the protocol: optimizer_api/service/idempotency.py)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .tables import idempotency_keys


def _insert_ignoring_conflict(conn: Connection, table, **values):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # rowcount is not reliable here on every driver: RETURNING says whether a row went in.
    return conn.execute(statement.returning(*table.primary_key.columns)).first() is not None


def claim_key(conn: Connection, scope: str, key: str, fingerprint: str, now: float):
    """Insert the key as in flight; return None if new, else the existing row."""
    inserted = _insert_ignoring_conflict(
        conn, idempotency_keys, scope=scope, key=key, fingerprint=fingerprint, created_at=now
    )
    if inserted:
        return None
    return conn.execute(
        select(idempotency_keys).where(
            idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
        )
    ).first()


def retake_key(conn: Connection, scope: str, key: str, now: float, stale_before: float) -> bool:
    """Take over an in-flight key whose holder died; True when taken."""
    result = conn.execute(
        update(idempotency_keys)
        .where(
            idempotency_keys.c.scope == scope,
            idempotency_keys.c.key == key,
            idempotency_keys.c.status_code.is_(None),
            idempotency_keys.c.created_at < stale_before,
        )
        .values(created_at=now)
    )
    return result.rowcount == 1


def finish_key(
    conn: Connection, scope: str, key: str, fingerprint: str, status: int, response: str,
    now: float,
) -> None:
    """Store the answer; an upsert, so that the answer is kept even if the claim was lost
    (claims are committed without waiting for the disk)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(idempotency_keys)
        .values(scope=scope, key=key, fingerprint=fingerprint, created_at=now,
                status_code=status, response=response)
        .on_conflict_do_update(
            index_elements=[idempotency_keys.c.scope, idempotency_keys.c.key],
            set_={"status_code": status, "response": response},
        )
    )


def release_key(conn: Connection, scope: str, key: str) -> None:
    conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.scope == scope,
            idempotency_keys.c.key == key,
            idempotency_keys.c.status_code.is_(None),
        )
    )


def purge_keys(conn: Connection, before: float) -> None:
    conn.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < before))

