"""gunicorn settings: `gunicorn -c python:optimizer_api.gunicorn_conf optimizer_api.wsgi:app`.

Each value can be overridden by an OPTIMIZER_* variable or on gunicorn's command line.
"""

import multiprocessing
import os

import optimizer_api  # noqa: F401 - sets one BLAS thread per worker before numpy loads

bind = os.environ.get("OPTIMIZER_BIND", "127.0.0.1:8000")
# Requests are short and mostly wait on the store: two workers per core plus one.
workers = int(os.environ.get("OPTIMIZER_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("OPTIMIZER_TIMEOUT", 60))  # a Bayesian suggest at large n
graceful_timeout = 30
keepalive = 5
preload_app = False  # each worker builds its app, and its database engine, after the fork
accesslog = os.environ.get("OPTIMIZER_ACCESS_LOG", "-") or None  # "" turns it off
errorlog = "-"
loglevel = os.environ.get("OPTIMIZER_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# gunicorn's control socket lives at one path per user: several instances on one host
# (replicas, tests) would fight over it, and nothing of ours uses it.
control_socket_disable = True
