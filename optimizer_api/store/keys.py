"""Queries on Idempotency-Key records (the protocol: optimizer_api/service/idempotency.py).

A record is named by (owner, scope, key): an owner's key never meets another's.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .tables import idempotency_keys as keys

# Built once, as store/sql.py does for the suggest/observe path: every keyed POST claims
# and answers a key, and building these per call was a tenth of its CPU.
_NAMED = [keys.c.owner == bindparam("_owner"), keys.c.scope == bindparam("_scope"),
          keys.c.key == bindparam("_key")]
_CLAIMED = ("owner", "scope", "key", "fingerprint", "holder", "created_at")
_ANSWERED = (*_CLAIMED, "status_code", "response")


def _inserts(columns: tuple[str, ...]) -> dict:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the key, per dialect. RETURNING says
    whether a row went in (rowcount is not reliable here on every driver)."""
    return {d.dialect.name: d.insert(keys).values({c: bindparam(f"_{c}") for c in columns})
            .on_conflict_do_nothing().returning(*keys.primary_key.columns)
            for d in (postgresql, sqlite)}


_INSERT_CLAIMED, _INSERT_ANSWERED = _inserts(_CLAIMED), _inserts(_ANSWERED)
_ROW = select(keys).where(*_NAMED)
_FINISH = (
    update(keys)
    .where(*_NAMED, keys.c.holder == bindparam("_holder"), keys.c.status_code.is_(None))
    .values(status_code=bindparam("_status_code"), response=bindparam("_response"))
)


def _insert_ignoring_conflict(conn: Connection, statements: dict, **values) -> bool:
    params = {f"_{c}": v for c, v in values.items()}
    return conn.execute(statements[conn.dialect.name], params).first() is not None


def _named(owner: str, scope: str, key: str) -> list:
    return [keys.c.owner == owner, keys.c.scope == scope, keys.c.key == key]


def claim_key(
    conn: Connection, owner: str, scope: str, key: str, fingerprint: str, holder: str,
    now: float,
):
    """Insert the key as in flight, held by `holder`; None if new, else the existing row."""
    inserted = _insert_ignoring_conflict(
        conn, _INSERT_CLAIMED, owner=owner, scope=scope, key=key, fingerprint=fingerprint,
        holder=holder, created_at=now,
    )
    if inserted:
        return None
    return conn.execute(_ROW, {"_owner": owner, "_scope": scope, "_key": key}).first()


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
    held = conn.execute(_FINISH, {"_owner": owner, "_scope": scope, "_key": key,
                                  "_holder": holder, "_status_code": status,
                                  "_response": response})
    if held.rowcount == 1:
        return True
    return _insert_ignoring_conflict(
        conn, _INSERT_ANSWERED, owner=owner, scope=scope, key=key, fingerprint=fingerprint,
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
