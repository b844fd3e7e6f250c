"""The dashboard: server-rendered pages whose own JavaScript reads the public JSON API."""

from __future__ import annotations

from flask import Flask

from .pages import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
