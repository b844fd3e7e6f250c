"""optimizer-api: a hyperparameter-tuning service."""

from __future__ import annotations

from flask import Flask

from . import config as _config


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, the store (schema created if absent), service and routes."""
    from . import api
    from .service import Service
    from .store import Store

    app = Flask(__name__)
    app.config.from_mapping(_config.load(config))
    app.json.sort_keys = False  # keep the order users gave (it is the grid order)
    store = Store(app.config["DATABASE_URL"], busy_timeout_ms=app.config["BUSY_TIMEOUT_MS"])
    store.try_create_schema()
    store.dispose()  # no connection may outlive a fork: each process opens its own
    app.extensions["optimizer"] = Service(store)
    api.init_app(app)
    return app
