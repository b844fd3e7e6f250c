"""RFC 9457 problem bodies, shared by the app's error handlers and the gunicorn worker."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://optimizer-api.dev/problems/"
MEDIA_TYPE = "application/problem+json"


def body(status: int, title: str, detail: str, errors: Any = None, kind: str | None = None
         ) -> dict[str, Any]:
    """A problem object; its `type` is made from `kind`, or from the title."""
    slug = kind or title.lower().replace(" ", "-")
    out: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status,
                           "detail": detail}
    if errors:
        out["errors"] = errors
    return out
