"""gunicorn settings: `gunicorn -c python:optimizer_api.gunicorn_conf optimizer_api.wsgi:app`.

The first five come from config.py (OPTIMIZER_BIND, OPTIMIZER_WORKERS, ...); gunicorn's
command line overrides any of them.
"""

# The package sets one BLAS thread per worker before numpy loads. (Every global here is
# read as a gunicorn setting, and `config` is one: hence the underscore.)
from optimizer_api import config as _config

_server = _config.server()
bind = _server.bind
workers = _server.workers
timeout = _server.timeout
accesslog = _server.accesslog
loglevel = _server.loglevel
worker_class = "sync"
graceful_timeout = 30
keepalive = 5
preload_app = False  # each worker builds its app, and its database engine, after the fork
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# gunicorn's control socket lives at one path per user: several instances on one host
# (replicas, tests) would fight over it, and nothing of ours uses it.
control_socket_disable = True


def on_starting(server):
    """Refuse to serve open on an address other hosts reach (optimizer_api/guard.py)."""
    from optimizer_api import guard

    guard.check(server.cfg.bind)  # RefusedToStart is a RuntimeError: gunicorn exits with it
