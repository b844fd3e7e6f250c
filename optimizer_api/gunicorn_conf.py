"""gunicorn settings: `gunicorn -c python:optimizer_api.gunicorn_conf optimizer_api.wsgi:app`.

The values come from config.py (OPTIMIZER_BIND, OPTIMIZER_WORKERS, ...); gunicorn's
command line overrides any of them. The hooks below give each master a fresh folder
for the workers' Prometheus metrics and say where the service listens once it does.
"""

# The package sets one BLAS thread per worker before numpy loads. (Every global here is
# read as a gunicorn setting, and `config` is one: hence the underscores.)
import os as _os
import shutil as _shutil
import tempfile as _tempfile

from optimizer_api import config as _config
from optimizer_api import logs as _logs

_server = _config.server()
bind = _server.bind
workers = _server.workers
timeout = _server.timeout
loglevel = _server.loglevel
# gthread with a bounded pool, made to accept only with a free thread and to time out
# slow headers (optimizer_api/worker.py): slow clients cannot starve the service.
worker_class = "optimizer_api.worker.Worker"
threads = _server.threads
# Replace a worker after this many requests (each at a different count, so they do not
# all restart at once): whatever one big request made it hold is given back.
max_requests = _server.max_requests
max_requests_jitter = _server.max_requests // 10
graceful_timeout = 30
keepalive = 5
# What gunicorn rejects itself, before the app sees the request (as problem+json, see
# worker.py): a request line over 8 KiB (414), more than 100 header fields or one over
# 8 KiB (431). Bodies are bounded by the app (MAX_CONTENT_LENGTH, 413).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
preload_app = False  # each worker builds its app, and its database engine, after the fork
errorlog = "-"
logconfig_dict = _logs.logconfig(loglevel)  # JSON lines, or text on a terminal
# The app logs every request itself (optimizer_api/logs.py: request id, route, status,
# duration, study), as OPTIMIZER_ACCESS_LOG says; gunicorn's own access log would repeat it.
accesslog = None
# gunicorn's control socket lives at one path per user: several instances on one host
# (replicas, tests) would fight over it, and nothing of ours uses it.
control_socket_disable = True

_METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server):
    """Refuse to serve open on an address other hosts reach (optimizer_api/guard.py), then
    make a fresh folder for this master's workers' metrics (inside the given one, if any):
    counts left by an earlier run must not be added to this one's."""
    from optimizer_api import guard

    guard.check(server.cfg.bind)  # RefusedToStart is a RuntimeError: gunicorn exits with it
    parent = _os.environ.get(_METRICS_ENV) or None
    _os.environ[_METRICS_ENV] = _tempfile.mkdtemp(prefix="optimizer-metrics-", dir=parent)


def when_ready(server):
    for listener in server.LISTENERS:
        print(f"optimizer-api: serving on {listener}", flush=True)


def child_exit(server, worker):
    """A dead worker's live gauges stop counting; its counters stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    _shutil.rmtree(_os.environ.get(_METRICS_ENV, ""), ignore_errors=True)
