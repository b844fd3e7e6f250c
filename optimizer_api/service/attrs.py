"""Free-form JSON the user attaches: a study's metadata, a trial's user_attrs. Bounded."""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidRequest

MAX_BYTES = {"metadata": 64 * 1024, "user_attrs": 16 * 1024}


def check_attrs(value: Any, field: str) -> None:
    """InvalidRequest naming `field` unless value is None or a JSON object within its
    size (MAX_BYTES, as compact JSON)."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise _bad(field, "must be a JSON object")
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_BYTES[field]:
        raise _bad(field, f"at most {MAX_BYTES[field]} bytes as JSON, got {size}")


def merged(old: dict | None, new: dict | None, field: str = "user_attrs") -> dict | None:
    """old updated with new (keys set to null are removed), checked for size."""
    if new is None:
        return old
    out = {**(old or {}), **new}
    out = {k: v for k, v in out.items() if v is not None}
    check_attrs(out, field)
    return out


def _bad(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {message}", errors={field: [message]})
