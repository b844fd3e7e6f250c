"""HTTP in and out: blueprints, request schemas and problem+json errors."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import errors, health, studies, trials


class IdConverter(IntegerConverter):
    """Ids are positive 64-bit integers; any other number in a path is a 404."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=2**63 - 1)


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    errors.init_app(app)
    for module in (studies, trials, health):
        app.register_blueprint(module.bp)
