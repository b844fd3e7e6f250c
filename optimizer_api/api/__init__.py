"""HTTP in and out: blueprints, request schemas and problem+json errors."""

from __future__ import annotations

from flask import Flask

from . import auth, body, errors, explore, health, studies, telemetry, trials
from .render import answer

__all__ = ["answer", "init_app"]


def init_app(app: Flask) -> None:
    telemetry.init_app(app)  # first: every answer, errors included, gets its request id
    errors.init_app(app)
    auth.init_app(app)
    app.before_request(body.bound_chunked_body)
    for module in (studies, trials, explore, health):
        app.register_blueprint(module.bp)
