"""Slow clients cannot starve the service (real gunicorn with its production worker)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from ..conftest import sqlite_url
from .slowloris import SlowClients

pytestmark = pytest.mark.e2e


def test_fifty_slow_clients_do_not_stop_healthz(gunicorn_factory, tmp_path):
    # 2 workers x 32 threads: more threads than slow clients, as the defaults give on
    # the 2-CPU machine (5 workers x 16). Headers are cut after 4 s here (10 s default).
    server = gunicorn_factory(sqlite_url(tmp_path / "s.db"), workers=2,
                              OPTIMIZER_THREADS="32", OPTIMIZER_HEADER_TIMEOUT="4")
    with SlowClients(server.port, n=50, every=1.0, duration=8) as slow:
        answered = []
        for _ in range(8):  # while every slow client holds a thread
            r = requests.get(server.url + "/healthz", timeout=5)
            answered.append(r.status_code)
            time.sleep(0.5)
        slow.wait()
    assert answered == [200] * 8
    # each slow client was told why it was cut, as a problem
    cut = [a for a in slow.answers if a.startswith(b"HTTP/1.1 408")]
    assert len(cut) == 50, slow.answers[:3]
    head, _, body = cut[0].partition(b"\r\n\r\n")
    assert b"application/problem+json" in head
    assert json.loads(body)["status"] == 408


def test_a_worker_with_every_thread_busy_leaves_new_connections_to_the_others(
        gunicorn_factory, tmp_path):
    # 2 workers x 4 threads against 6 slow clients: whichever worker took more of them
    # stops accepting, so /healthz never waits behind them.
    server = gunicorn_factory(sqlite_url(tmp_path / "s.db"), workers=2,
                              OPTIMIZER_THREADS="4", OPTIMIZER_HEADER_TIMEOUT="30")
    with SlowClients(server.port, n=6, every=1.0, duration=8):
        for _ in range(6):
            assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
            time.sleep(0.3)
