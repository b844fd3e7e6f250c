"""Every error leaves as RFC 9457 problem+json: domain errors, validation, HTTP errors."""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, NotFound

from .. import problems
from ..errors import OptimizerError, StoreUnavailable

log = logging.getLogger(__name__)
PROBLEM_BASE = problems.PROBLEM_BASE


def problem(
    status: int, title: str, detail: str, errors=None, headers=None, kind: str | None = None,
    extra=None,
) -> Response:
    body = problems.body(status, title, detail, errors, kind)
    body.update(extra or {})  # RFC 9457 extension members (a quota's name and limit)
    response = Response(json.dumps(body), status, mimetype=problems.MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


def _domain(exc: OptimizerError) -> Response:
    headers = {}
    if isinstance(exc, StoreUnavailable):
        headers["Retry-After"] = str(exc.retry_after)
    headers.update(getattr(exc, "headers", None) or {})  # WWW-Authenticate of a 401
    return problem(exc.status, exc.title, exc.detail, exc.errors, headers,
                   extra=getattr(exc, "extra", None))


def _validation(exc: ValidationError) -> Response:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    fields = ", ".join(sorted(str(k) for k in messages))
    return problem(422, "Invalid request", f"invalid field(s): {fields}", messages)


def _http(exc: HTTPException) -> Response:
    if isinstance(exc, NotFound) and request.url_rule is None:
        # No route matched: most often a wrong base URL. Its own problem type tells it
        # apart from a study or trial that does not exist (type .../not-found).
        return problem(404, "Unknown route", f"no route {request.method} {request.path}: "
                       "the API's routes are under /v1/ (see /openapi.yaml)",
                       kind="unknown-route")
    response = problem(exc.code or 500, exc.name, exc.description or exc.name)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return problem(500, "Internal server error", "an unexpected error occurred; it was logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(OptimizerError, _domain)
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)
