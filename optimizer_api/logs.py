"""Log lines: one JSON object each for machines, plain text on a terminal.

Every record written while a request is served carries its request id, route, method
and study id; the line the app writes when it answers (the access log, api/telemetry.py)
adds the status and the duration. gunicorn's own messages go through the same
formatter (gunicorn_conf.py hands gunicorn `logconfig(...)`).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context, request

from . import config

# Attributes a record may carry (from `extra=` or the request), in the order shown.
FIELDS = ("request_id", "method", "route", "path", "status", "duration_ms", "study_id")


class Formatter(logging.Formatter):
    """JSON lines, or `time level [request id] message key=value` on a terminal.

    Args:
        kind: "json", "text", or None for OPTIMIZER_LOG_FORMAT (auto: text only when
            stderr is a terminal).
    """

    def __init__(self, kind: str | None = None):
        super().__init__()
        kind = kind or config.log_format()
        self.json = kind == "json" or (kind == "auto" and not _tty())

    def format(self, record: logging.LogRecord) -> str:
        fields = {**_request_fields(), **{k: getattr(record, k) for k in FIELDS
                                          if getattr(record, k, None) is not None}}
        when = datetime.fromtimestamp(record.created, UTC)
        message = record.getMessage()
        if self.json:
            line: dict[str, Any] = {
                "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname.lower(), "logger": record.name,
                "message": message, **fields,
            }
            if record.exc_info:
                line["exception"] = self.formatException(record.exc_info)
            return json.dumps(line, default=str)
        extras = " ".join(f"{k}={v}" for k, v in fields.items() if k != "request_id")
        rid = f" [{fields['request_id']}]" if "request_id" in fields else ""
        text = f"{when:%Y-%m-%d %H:%M:%S} {record.levelname:<7}{rid} {message}"
        text += f" {extras}" if extras else ""
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _request_fields() -> dict[str, Any]:
    if not has_request_context():
        return {}
    fields = {"request_id": g.get("request_id"), "method": request.method,
              "route": request.url_rule.rule if request.url_rule else None,
              "study_id": (request.view_args or {}).get("study_id")}
    return {k: v for k, v in fields.items() if v is not None}


def _tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def logconfig(level: str) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its messages and the app's through one handler."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"optimizer": {"()": "optimizer_api.logs.Formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "optimizer",
                                "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
