"""Idempotency-Key records: claimed before a request runs, answered in its transaction.

A key is scoped to a method and path. Claiming inserts it "in flight" in a transaction
of its own, so that a concurrent retry sees it and gets a 409; the use case then stores
its answer with the key in the same transaction as its change, so an answer is stored
if and only if the change is. A holder that died leaves an in-flight key behind, which a
retry takes over once it is IN_FLIGHT_STALE_AFTER seconds old. Claims are committed
without waiting for the disk (a lost claim only loses the 409 for a concurrent
duplicate); the answer is stored durably, with the change, by an upsert.

The answer is stored as it went over the wire (status and JSON body), not as domain
data: replicas of two releases behind one load balancer (a rolling upgrade) must replay
the very answer the first request got, whatever either release's types look like.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from ..errors import InvalidRequest, KeyInFlight
from ..store import keys, sql

TTL = 24 * 3600.0
IN_FLIGHT_STALE_AFTER = 300.0


@dataclass(frozen=True)
class Key:
    """An Idempotency-Key as the request gave it: its scope, and its body's fingerprint."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Replay:
    """The stored answer to a request made before with the same key and body."""

    status: int
    body: str


def claim(conn: Connection, key: Key, now: float) -> Replay | None:
    """Claim a key; None when the request should run, a Replay when it already ran.

    Raises:
        InvalidRequest: the key was used with another request body (422).
        KeyInFlight: the first request with this key is still running (409).
    """
    if secrets.randbelow(100) == 0:  # now and then, forget keys older than a day
        keys.purge_keys(conn, now - TTL)
    row = keys.claim_key(conn, key.scope, key.key, key.fingerprint, now)
    if row is None:
        return None
    if row.fingerprint != key.fingerprint:
        raise InvalidRequest(
            "this Idempotency-Key was used with another request body",
            errors={"Idempotency-Key": ["reused with another request body"]},
        )
    if row.status_code is not None:
        return Replay(row.status_code, row.response)
    if keys.retake_key(conn, key.scope, key.key, now, now - IN_FLIGHT_STALE_AFTER):
        return None
    raise KeyInFlight("a request with this Idempotency-Key is still in flight")


def finish(conn: Connection, key: Key, answer: tuple[int, Any], now: float) -> None:
    """Store the answer (status, JSON-able body) in the use case's transaction."""
    status, body = answer
    keys.finish_key(conn, key.scope, key.key, key.fingerprint, status, sql.dumps(body), now)


def release(conn: Connection, key: Key) -> None:
    """Forget an in-flight key whose request failed, so that a retry runs again."""
    keys.release_key(conn, key.scope, key.key)


def fingerprint(body: bytes) -> str:
    """The request body's identity: the same JSON with other spacing or key order is the same."""
    try:
        body = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    except ValueError:
        pass
    return hashlib.sha256(body).hexdigest()
