"""What every view shares: the service, the owner, JSON answers, the Idempotency-Key."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json, request

from ..errors import InvalidRequest
from ..service import Key, Replay, Service, idempotency
from .auth import owner
from .render import answer

HEADER = "Idempotency-Key"


def service() -> Service:
    return current_app.extensions["optimizer"]


def ok(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def reply(result: Any) -> Response:
    """A use case's result as the answer; a replayed one exactly as it was first sent."""
    if isinstance(result, Replay):
        response = Response(result.body, result.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    status, body = answer(result)
    return ok(body, status)


def idempotency_key() -> Key | None:
    """The request's Idempotency-Key, scoped to its owner, method and path, or None."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= 255:
        raise InvalidRequest(
            "Idempotency-Key must be 1 to 255 characters",
            errors={HEADER: ["must be 1 to 255 characters"]},
        )
    body = request.get_data(cache=True)
    scope = f"{request.method} {request.path}"
    return Key(owner().name, scope, key, idempotency.fingerprint(body))
