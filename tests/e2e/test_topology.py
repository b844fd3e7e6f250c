"""The documented deployment without Docker: deploy/nginx.conf (Debian's nginx) in front
of two gunicorn replicas on PostgreSQL. A grid drained exactly once by many threads,
keyset pages that give each of 100,000 trials once while trials are added, and a replica
killed in the middle of a run with nothing acknowledged lost or doubled.

Without /usr/sbin/nginx (`apt-get install nginx`) these skip, except under CI=true.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
import requests

from optimizer_api.devserver import Gunicorn

from ..conftest import _libpq, _pg_base_url
from .nginx import Nginx, require

pytestmark = pytest.mark.e2e
SPACE = {"x": {"type": "float", "low": 0, "high": 1}, "k": {"type": "int", "low": 0, "high": 9}}


@pytest.fixture(scope="module")
def pg_module_url():
    """A fresh PostgreSQL schema for the module's replicas (see conftest.pg_url)."""
    import psycopg

    require()
    base = _pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(base), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="module")
def topology(pg_module_url, tmp_path_factory):
    """(nginx, [replica, replica]): each replica its own session, so it can be killed whole."""
    folder = tmp_path_factory.mktemp("topology")
    replicas = [Gunicorn(pg_module_url, workers=2, log_dir=folder, new_session=True)
                for _ in range(2)]
    try:
        for r in replicas:
            r.start()
        with Nginx([r.port for r in replicas], folder / "nginx") as front:
            yield front, replicas
    finally:
        for r in replicas:
            r.stop()


def client(url: str):
    from optimizer_client import Client

    return Client(url, timeout=30, retries=8, backoff=0.1)


def run_threads(target, n: int, deadline: float) -> list[str]:
    """Run target(i) in n threads; the errors they raised (and any still running)."""
    errors: list[str] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except Exception as exc:  # reported by the caller's assertion
            errors.append(f"thread {i}: {exc!r}")

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(deadline - time.monotonic(), 0.1))
    return errors + [f"thread {i} still running" for i, t in enumerate(threads) if t.is_alive()]


def test_a_grid_is_drained_exactly_once_by_many_threads_through_nginx(topology):
    front, replicas = topology
    handed: list[tuple] = []
    grid = {"name": "grid", "options": {"grid_points": 12}}  # 12 x 10 = 120 points

    def work(i: int) -> None:
        with client(front.url) as c:
            study = c.create_study("grid", SPACE, algorithm=grid)
            while (trial := study.suggest()) is not None:
                handed.append((trial.params["x"], trial.params["k"]))
                trial.complete(trial.params["x"] + trial.params["k"])

    assert run_threads(work, 16, time.monotonic() + 60) == []
    assert len(handed) == 120 and len(set(handed)) == 120
    served = front.access_log()
    assert all(f"upstream=127.0.0.1:{r.port}" in served for r in replicas)  # both replicas


def test_keyset_pages_give_every_trial_once_while_trials_are_added(topology):
    front, _ = topology
    n = 100_000
    with client(front.url) as c:
        study = c.create_study("big", SPACE)
    _bulk_trials(topology[1][0].db_url, study.id, n)
    stop, added = threading.Event(), []

    def add() -> None:
        with client(front.url) as c:
            mine = c.get_study(study.id)
            while not stop.is_set():
                trial = mine.suggest()
                trial.complete(0.5)
                added.append(trial.number)

    writer = threading.Thread(target=add, daemon=True)
    writer.start()
    seen, after, pages = [], None, 0
    with requests.Session() as http:
        while pages < 100:
            acknowledged = list(added)  # before this page is asked for
            query = "limit=5000" + (f"&after={after}" if after is not None else "")
            page = http.get(f"{front.url}/v1/studies/{study.id}/trials?{query}", timeout=60)
            assert page.status_code == 200, page.text
            page = page.json()
            seen += [t["number"] for t in page["trials"]]
            pages += 1
            added_before = acknowledged  # acknowledged before the page was read
            if (after := page["next_after"]) is None:
                break
    stop.set()
    writer.join(30)
    assert added_before, "no trial was added during the walk"
    assert seen == list(range(len(seen)))  # each once, none skipped, in order
    assert len(seen) >= n and set(added_before) <= set(seen)


def _bulk_trials(db_url: str, study_id: int, n: int) -> None:
    """n completed trials numbered 0..n-1, straight into PostgreSQL in one statement."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO trials (study_id, number, state, params, value, external, created_at,"
            " finished_at) SELECT :sid, g, 'completed', '{\"x\": 0.5, \"k\": 1}', random(),"
            " false, 0, 1 FROM generate_series(0, :last) AS g"), {"sid": study_id, "last": n - 1})
        conn.execute(text("UPDATE studies SET next_number = :n WHERE id = :sid"),
                     {"n": n, "sid": study_id})
    engine.dispose()


def test_a_replica_killed_mid_run_loses_and_doubles_nothing_acknowledged(topology):
    front, replicas = topology
    workers, each = 8, 12
    acked: dict[int, float] = {}
    with client(front.url) as c:
        study = c.create_study("kill", SPACE)

    def work(i: int) -> None:
        with client(front.url) as c:
            mine = c.get_study(study.id)
            for _ in range(each):
                trial = mine.suggest()
                value = trial.params["x"] + i
                for step in (1, 2, 3):
                    trial.report(step, value + 1 / step)
                trial.complete(value)
                acked[trial.id] = value  # the service acknowledged it

    def kill_when_under_way() -> None:
        while len(acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(os.getpgid(replicas[0].process.pid), signal.SIGKILL)  # master and workers

    deadline = time.monotonic() + 90
    killer = threading.Thread(target=kill_when_under_way, daemon=True)
    killer.start()
    assert run_threads(work, workers, deadline) == []
    killer.join(5)
    assert replicas[0].process.poll() is not None  # it died during the run
    assert len(acked) == workers * each
    with client(front.url) as c:  # through the surviving replica
        stored = c.get_study(study.id).trials()
    done = {t.id: t.value for t in stored if t.state == "completed"}
    assert done == acked  # each acknowledged result stored once, with its value
    assert Counter(t.state for t in stored) == {"completed": workers * each}
    curves = [len(t.data["intermediate_values"]) for t in stored]
    assert set(curves) == {3}
