"""Reading request bodies strictly: JSON objects only, no NaN or Infinity literals."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema
from werkzeug.exceptions import UnsupportedMediaType

from ..errors import OptimizerError


class MalformedRequest(OptimizerError):
    status = 400
    title = "Malformed request"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON: values must be finite numbers")


def json_object() -> dict[str, Any]:
    """The body as a JSON object; an empty body is {}."""
    raw = request.get_data(cache=True)  # raises 413 beyond MAX_CONTENT_LENGTH
    if not raw.strip():
        return {}
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"send Content-Type application/json, not {mimetype!r}")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except ValueError as exc:  # includes bad UTF-8
        raise MalformedRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedRequest(f"the body must be a JSON object, not {type(data).__name__}")
    _check_strings(data)
    return data


def _check_strings(value: Any) -> None:
    """Reject what no store can keep: lone surrogates (not UTF-8) and NUL characters."""
    if isinstance(value, str):
        if "\x00" in value:
            raise MalformedRequest("strings must not contain NUL (\\u0000) characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedRequest("strings must be valid Unicode: lone surrogate") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_strings(k)
            _check_strings(v)
    elif isinstance(value, list):
        for v in value:
            _check_strings(v)


def load(schema: Schema) -> dict[str, Any]:
    """The body validated by a marshmallow schema (ValidationError becomes a 422)."""
    return schema.load(json_object())
