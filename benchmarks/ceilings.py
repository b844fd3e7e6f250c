"""The two ceilings the throughput benchmark measures ours against, as gunicorn apps.

- `trivial`: a Flask endpoint that answers a constant JSON body: what Flask and
  gunicorn's sync workers cost on their own.
- `naive`: a Flask endpoint that commits one SQLite row per request the way most code
  does it: plain sqlite3, WAL, default busy handling (Python's 5 s timeout, so SQLite's
  busy handler sleeps 1, 2, 5 ... up to 100 ms between retries while another process
  holds the write lock).

    gunicorn --config python:optimizer_api.gunicorn_conf --pythonpath benchmarks \
        'ceilings:trivial()'
    CEILING_DB=/tmp/naive.db gunicorn ... 'ceilings:naive()'
"""

from __future__ import annotations

import os
import sqlite3
import time

from flask import Flask, request


def trivial() -> Flask:
    app = Flask("trivial")

    @app.route("/", methods=["GET", "POST"])
    def index():
        return {"ok": True}

    return app


def naive() -> Flask:
    app = Flask("naive")
    path = os.environ.get("CEILING_DB", "/tmp/optimizer-bench-naive.db")
    with sqlite3.connect(path) as conn:  # each worker at start (not preloaded): DDL only
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, at REAL, body TEXT)")
    conn.close()

    held: dict[int, sqlite3.Connection] = {}  # pid -> this worker's connection

    def connection() -> sqlite3.Connection:
        pid = os.getpid()  # opened in the worker, after gunicorn forked
        if pid not in held:
            held[pid] = sqlite3.connect(path)  # default timeout: 5 s of busy-handler sleeps
        return held[pid]

    @app.route("/", methods=["GET", "POST"])
    def index():
        conn = connection()
        with conn:  # implicit BEGIN before the INSERT, COMMIT on exit
            cur = conn.execute(
                "INSERT INTO rows (at, body) VALUES (?, ?)",
                (time.time(), request.get_data(as_text=True)),
            )
        return {"id": cur.lastrowid}

    return app
