"""optimizer-api: a hyperparameter-tuning service."""

from __future__ import annotations

import os

from flask import Flask

from . import config as _config

# One BLAS thread per process, set before numpy loads (nothing above imports it): gunicorn
# runs several workers per core, and numpy's and scipy's bundled OpenBLAS pools fighting
# over the cores made a Bayesian suggestion 30x slower (benchmarks/gp_cost.py). Users may
# override these variables.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, the store (schema created if absent), service and routes."""
    from . import api
    from .service import Service
    from .store import Store

    app = Flask(__name__)
    app.config.from_mapping(_config.load(config))
    app.json.sort_keys = False  # keep the order users gave (it is the grid order)
    store = Store(
        app.config["DATABASE_URL"],
        busy_timeout_ms=app.config["BUSY_TIMEOUT_MS"],
        sqlite_synchronous=app.config["SQLITE_SYNCHRONOUS"],
        threads=app.config["THREADS"],
    )
    store.try_create_schema()
    store.dispose()  # no connection may outlive a fork: each process opens its own
    app.extensions["optimizer"] = Service(store, answer=api.answer)
    api.init_app(app)
    return app
