"""The gunicorn worker keeps no idle connection open while all its threads are taken, so
that connections waiting in the kernel's backlog are not starved by kept-alive ones
(measured: benchmarks/load.py at 200 workers; the rest of the worker: tests/e2e)."""

from __future__ import annotations

from types import SimpleNamespace

from optimizer_api.worker import Worker


def test_a_worker_with_every_thread_taken_keeps_no_connection_alive():
    worker = Worker.__new__(Worker)  # the attributes the property reads, no gunicorn
    worker.cfg = SimpleNamespace(threads=4)
    worker.max_keepalived = 996  # what gthread sets: worker_connections - threads
    worker._busy = 3
    assert worker.max_keepalived == 996
    worker._busy = 4
    assert worker.max_keepalived == 0
