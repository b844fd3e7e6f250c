"""The Idempotency-Key header: a retried POST returns the first answer and changes nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, json, request

from .. import idempotency
from ..errors import InvalidRequest
from ..idempotency import Idempotency

HEADER = "Idempotency-Key"


def idempotent(view: Callable) -> Callable:
    """Wrap a POST view: replay stored answers, and release the key when the view fails."""

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            g.idempotency = None
            return view(**kwargs)
        if not 1 <= len(key) <= 255:
            raise InvalidRequest(
                "Idempotency-Key must be 1 to 255 characters",
                errors={HEADER: ["must be 1 to 255 characters"]},
            )
        service = current_app.extensions["optimizer"]
        scope = f"{request.method} {request.path}"
        fingerprint = idempotency.fingerprint(request.get_data(cache=True))
        replay = service.claim_key(scope, key, fingerprint)
        if replay is not None:
            response = Response(replay.body, replay.status, mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        g.idempotency = (scope, key, fingerprint)
        try:
            return view(**kwargs)
        except BaseException:
            service.release_key(scope, key)  # nothing was committed: a retry may run again
            raise

    return wrapper


def respond(call: Callable[[Idempotency | None], Any], render: Callable) -> Response:
    """Run a use case, storing its rendered answer with the key in the same transaction.

    Args:
        call: runs the use case, given the Idempotency record (or None) to pass on.
        render: result -> (status, JSON-able body).
    """
    claimed = g.get("idempotency")
    idem = Idempotency(*claimed, render) if claimed else None
    result = call(idem)
    status, body = idem.rendered if idem and idem.rendered else render(result)
    return Response(json.dumps(body), status, mimetype="application/json")
