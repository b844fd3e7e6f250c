"""Reading request bodies strictly and at a bounded cost: JSON objects only, at most
MAX_CONTENT_LENGTH bytes (chunked bodies too), MAX_DEPTH levels deep, no NaN or Infinity
literals, no number beyond a double's range, no string a store cannot keep."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import current_app, request
from marshmallow import Schema
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from ..errors import InvalidRequest, OptimizerError

# Our bodies nest 5 levels (a study's space, a parameter, its choices); 32 leaves room
# and keeps every walk over a body short. Deeper is a 400 naming where it went too deep.
MAX_DEPTH = 32


class MalformedRequest(OptimizerError):
    status = 400
    title = "Malformed request"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON: values must be finite numbers")


def bound_chunked_body() -> None:
    """Read a chunked body now, at most the route's limit (body_limit), or answer 413.

    With a Content-Length, werkzeug answers 413 itself; without one (Transfer-Encoding:
    chunked) its stream stops quietly at the limit, and a cut body would be accepted.
    """
    limit = body_limit()
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    raw = request.environ["wsgi.input"].read(limit + 1)
    if len(raw) > limit:
        raise RequestEntityTooLarge(f"the body is over {limit} bytes")
    request.environ["wsgi.input"] = io.BytesIO(raw)  # what the request's stream reads


# Routes whose bodies may be bigger than MAX_CONTENT_LENGTH, and the setting that bounds them.
LARGE_BODIES = {"studies.import_study": "IMPORT_MAX_BYTES"}


def body_limit() -> int:
    """The most bytes this request's body may have."""
    setting = LARGE_BODIES.get(request.endpoint or "", "MAX_CONTENT_LENGTH")
    limit = current_app.config[setting]
    request.max_content_length = limit  # what werkzeug checks against Content-Length
    return limit


def json_object() -> dict[str, Any]:
    """The body as a JSON object; an empty body is {}."""
    raw = request.get_data(cache=True)  # raises 413 beyond body_limit()
    if not raw.strip():
        return {}
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"send Content-Type application/json, not {mimetype!r}")
    data = parse(raw)
    if not isinstance(data, dict):
        raise MalformedRequest(f"the body must be a JSON object, not {type(data).__name__}")
    return data


def parse(raw: bytes | str, where: str = "") -> Any:
    """JSON text as checked values (see check); `where` prefixes the fields named."""
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise _too_deep(where or "the body") from None
    except ValueError as exc:  # includes bad UTF-8
        raise MalformedRequest(f"the body is not valid JSON: {exc}") from None
    check(data, where)
    return data


def check(data: Any, where: str = "") -> None:
    """Reject, naming the field, what would cost or break more than it is worth: nesting
    beyond MAX_DEPTH, integers beyond a double's range (a 422), lone surrogates and NUL
    characters, which no store keeps. Iterative: no recursion on the client's structure."""
    stack: list[tuple[Any, str, int]] = [(data, where, 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            _check_string(value, path)
        elif isinstance(value, bool | float) or value is None:
            continue
        elif isinstance(value, int):
            _check_int(value, path)
        elif depth >= MAX_DEPTH:
            raise _too_deep(path or "the body")
        elif isinstance(value, dict):
            for k, v in value.items():
                _check_string(k, path)
                stack.append((v, f"{path}.{k}" if path else k, depth + 1))
        else:  # a list
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))


def _check_int(value: int, path: str) -> None:
    try:
        float(value)
    except OverflowError:
        message = "a number beyond the range of a double (about 1.8e308)"
        raise InvalidRequest(f"{path}: {message}", errors={path: [message]}) from None


def _check_string(value: str, path: str) -> None:
    if "\x00" in value:
        raise MalformedRequest("strings must not contain NUL (\\u0000) characters",
                               errors={path: ["contains NUL"]} if path else None)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedRequest("strings must be valid Unicode: lone surrogate",
                               errors={path: ["lone surrogate"]} if path else None) from None


def _too_deep(path: str) -> MalformedRequest:
    message = f"nested more than {MAX_DEPTH} levels deep"
    return MalformedRequest(f"{path}: {message}", errors={path: [message]})


def load(schema: Schema) -> dict[str, Any]:
    """The body validated by a marshmallow schema (ValidationError becomes a 422)."""
    return schema.load(json_object())
