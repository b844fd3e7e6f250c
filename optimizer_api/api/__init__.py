"""HTTP in and out: blueprints, request schemas and problem+json errors."""

from __future__ import annotations

from flask import Flask

from . import auth, errors, explore, health, studies, trials
from .render import answer

__all__ = ["answer", "init_app"]


def init_app(app: Flask) -> None:
    errors.init_app(app)
    auth.init_app(app)
    for module in (studies, trials, explore, health):
        app.register_blueprint(module.bp)
