"""Idempotency-Key records: claimed before a request runs, answered in its transaction.

A key is scoped to its owner (whom the request acts for), method and path. Claiming
inserts it "in flight" in a transaction of its own, with its holder (holders.py), so
that a concurrent retry sees it and gets a 409; the use case then stores its answer with
the key in the same transaction as its change, so an answer is stored if and only if the
change is. A holder that died (a SIGKILLed worker) leaves an in-flight key behind: a
retry takes it over at once when the holder ran on its node and its process is gone,
and otherwise once the claim is IN_FLIGHT_STALE_AFTER seconds old. Taking over is safe
even from a holder that still runs: the answer is stored only by the holder of the
moment, so a superseded holder's transaction rolls back, change and all (a 409 for it).
Claims are committed without waiting for the disk (a lost claim only loses the 409 for
a concurrent duplicate); the answer is stored durably, with the change.

The answer is stored as it went over the wire (status and JSON body), not as domain
data: replicas of two releases behind one load balancer (a rolling upgrade) must replay
the very answer the first request got, whatever either release's types look like.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from ..errors import InvalidRequest, KeyInFlight, OptimizerError
from ..store import Store, keys, sql
from . import holders

log = logging.getLogger(__name__)
TTL = 24 * 3600.0
# Longer than a request normally runs, shorter than a client's patience with 409s (the
# Python client's default backoff waits 15.5 s in all).
IN_FLIGHT_STALE_AFTER = 10.0


@dataclass(frozen=True)
class Key:
    """An Idempotency-Key as the request gave it: the owner it acts for, its scope
    (method and path), the key, and its body's fingerprint."""

    owner: str
    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Replay:
    """The stored answer to a request made before with the same key and body."""

    status: int
    body: str


def run(store: Store, key: Key, now: Callable[[], float],
        answer: Callable[[Any], tuple[int, Any]], fn: Callable, *args):
    """fn(conn, *args) in a write transaction, its answer stored with the key; a Replay
    instead when the request already ran."""
    holder = holders.new_claim()
    replay = store.run_write(claim, key, holder, now(), durable=False)
    if replay is not None:
        return replay
    try:
        return store.run_write(_answered, key, holder, now, answer, fn, *args)
    except BaseException:
        try:  # nothing was committed: a retry may run again
            store.run_write(release, key, holder, durable=False)
        except OptimizerError as exc:  # the claim lapses by itself (IN_FLIGHT_STALE_AFTER)
            log.warning("could not release an Idempotency-Key: %s", exc)
        raise


def _answered(conn: Connection, key: Key, holder: str, now, answer, fn: Callable, *args):
    result = fn(conn, *args)
    status, body = answer(result)
    if not keys.finish_key(conn, key.owner, key.scope, key.key, key.fingerprint, holder,
                           status, sql.dumps(body), now()):
        raise KeyInFlight("a retry of this request took it over; its answer is the one kept")
    return result


def claim(conn: Connection, key: Key, holder: str, now: float) -> Replay | None:
    """Claim a key for `holder`; None when the request should run, a Replay when it
    already ran.

    Raises:
        InvalidRequest: the key was used with another request body (422).
        KeyInFlight: the first request with this key is still running (409).
    """
    if secrets.randbelow(100) == 0:  # now and then, forget keys older than a day
        keys.purge_keys(conn, now - TTL)
    named = (key.owner, key.scope, key.key)
    row = keys.claim_key(conn, *named, key.fingerprint, holder, now)
    if row is None:
        return None
    if row.fingerprint != key.fingerprint:
        raise InvalidRequest(
            "this Idempotency-Key was used with another request body",
            errors={"Idempotency-Key": ["reused with another request body"]},
        )
    if row.status_code is not None:
        return Replay(row.status_code, row.response)
    gone = holders.is_gone(row.holder)
    if (gone or row.created_at < now - IN_FLIGHT_STALE_AFTER) and keys.retake_key(
            conn, *named, row.holder, holder, now):
        log.warning("an Idempotency-Key in flight was taken over: its holder (%s) %s",
                    row.holder, "is gone" if gone else "held it too long")
        return None
    raise KeyInFlight("a request with this Idempotency-Key is still in flight")


def release(conn: Connection, key: Key, holder: str) -> None:
    """Forget an in-flight key whose request failed, so that a retry runs again."""
    keys.release_key(conn, key.owner, key.scope, key.key, holder)


def fingerprint(body: bytes) -> str:
    """The request body's identity: the same JSON with other spacing or key order is the same."""
    try:
        body = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    except ValueError:
        pass
    return hashlib.sha256(body).hexdigest()
