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
    """Build the app: settings, the store (schema migrated or checked), service and routes."""
    from . import api, web
    from .service import Quotas, Service
    from .store import Store

    app = Flask(__name__)
    app.config.from_mapping(_config.load(config))
    app.json.sort_keys = False  # keep the order users gave (it is the grid order)
    store = Store(
        app.config["DATABASE_URL"],
        busy_timeout_ms=app.config["BUSY_TIMEOUT_MS"],
        sqlite_synchronous=app.config["SQLITE_SYNCHRONOUS"],
        migrate_at_start=app.config["MIGRATE_AT_START"],
        threads=app.config["THREADS"],
    )
    store.try_prepare()
    store.dispose()  # no connection may outlive a fork: each process opens its own
    quotas = Quotas.from_config(app.config)
    app.extensions["optimizer"] = Service(store, answer=api.answer, quotas=quotas)
    api.init_app(app)
    web.init_app(app)
    return app
