"""End to end: real gunicorn workers and replicas, real HTTP, responses checked against
openapi.yaml by a hook on every session."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time

import pytest

from optimizer_api.devserver import Gunicorn

from ..conftest import sqlite_url
from ..contract import checked_session

GRID_SPACE = {  # 5 x 4 x 3 x 2 = 120 points
    "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "layers": {"type": "int", "low": 1, "high": 4},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
    "dropout": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.5},
}


def objective(p: dict) -> float:
    acts = {"relu": 0.0, "tanh": 0.1, "gelu": 0.05}
    return abs(p["lr"] - 0.01) + 0.1 * abs(p["layers"] - 3) + acts[p["act"]] + p["dropout"]


def drain_grid(urls: list[str], name: str, threads: int = 8) -> list[dict]:
    """8 threads suggest and observe until the grid is empty, alternating between urls."""
    session = checked_session()
    body = {"name": name, "space": GRID_SPACE, "algorithm": {"name": "grid",
                                                              "options": {"grid_points": 5}}}
    sid = session.post(urls[0] + "/v1/studies", json=body).json()["id"]
    handed: list[dict] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        s = checked_session()
        try:
            for i in itertools.count():
                base = urls[(k + i) % len(urls)]
                # every worker calls create at start: same definition, same study
                assert s.post(base + "/v1/studies", json=body).json()["id"] == sid
                r = s.post(f"{base}/v1/studies/{sid}/suggest", json={"count": 1})
                assert r.status_code == 200, r.text
                trials = r.json()["trials"]
                if not trials:
                    return
                trial = trials[0]
                r = s.post(f"{base}/v1/studies/{sid}/observe",
                           json={"trial_id": trial["id"], "value": objective(trial["params"])})
                assert r.status_code == 200, r.text
                with lock:
                    handed.append(trial)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors[0]
    return handed, sid, session


def check_drained(urls, handed, sid, session):
    keys = [tuple(sorted(t["params"].items())) for t in handed]
    assert len(keys) == 120 and len(set(keys)) == 120, "each grid point exactly once"
    assert sorted(t["info"]["grid_index"] for t in handed) == list(range(120))
    study = session.get(f"{urls[-1]}/v1/studies/{sid}").json()
    assert study["trial_counts"]["completed"] == 120
    assert study["status"] == "completed" and "grid exhausted" in study["status_reason"]
    stored = session.get(f"{urls[0]}/v1/studies/{sid}/trials?state=completed").json()
    assert stored["total"] == 120
    best = session.get(f"{urls[0]}/v1/studies/{sid}/best").json()["trial"]
    expected = min(stored["trials"], key=lambda t: objective(t["params"]))
    assert best["params"] == expected["params"] == {
        "lr": 0.01, "layers": 3, "act": "relu", "dropout": 0.0}


@pytest.mark.e2e
def test_grid_drained_by_8_threads_through_4_gunicorn_workers_on_sqlite(
    gunicorn_factory, tmp_path
):
    server = gunicorn_factory(sqlite_url(tmp_path / "grid.db"), workers=4)
    handed, sid, session = drain_grid([server.url], "grid-sqlite")
    check_drained([server.url], handed, sid, session)


@pytest.mark.e2e
@pytest.mark.postgres
def test_grid_drained_through_two_replicas_sharing_postgresql(gunicorn_factory, pg_url):
    replicas = [gunicorn_factory(pg_url, workers=2), gunicorn_factory(pg_url, workers=2)]
    urls = [r.url for r in replicas]
    handed, sid, session = drain_grid(urls, "grid-pg")
    check_drained(urls, handed, sid, session)


@pytest.mark.e2e
def test_expired_lease_requeues_the_grid_point_and_keeps_the_late_result(live_server):
    s = checked_session()
    body = {"name": "lease-e2e", "space": {"a": {"type": "int", "low": 0, "high": 1}},
            "algorithm": "grid", "lease_seconds": 1}
    sid = s.post(live_server + "/v1/studies", json=body).json()["id"]
    first = s.post(f"{live_server}/v1/studies/{sid}/suggest", json={"count": 1}).json()
    lost = first["trials"][0]
    time.sleep(1.3)
    assert s.get(f"{live_server}/v1/studies/{sid}/trials/{lost['id']}").json()["state"] == (
        "expired")
    again = s.post(f"{live_server}/v1/studies/{sid}/suggest", json={"count": 2}).json()
    assert [t["params"]["a"] for t in again["trials"]] == [0, 1]
    late = s.post(f"{live_server}/v1/studies/{sid}/observe",
                  json={"trial_id": lost["id"], "value": 3.0}).json()
    assert late["trial"]["state"] == "completed" and late["trial"]["value"] == 3.0


@pytest.mark.e2e
def test_idempotent_retry_through_gunicorn(live_server):
    s = checked_session()
    body = {"name": "idem-e2e", "space": {"x": {"type": "float", "low": 0, "high": 1}}}
    sid = s.post(live_server + "/v1/studies", json=body).json()["id"]
    url = f"{live_server}/v1/studies/{sid}/suggest"
    first = s.post(url, json={"count": 2}, headers={"Idempotency-Key": "retry-1"})
    second = s.post(url, json={"count": 2}, headers={"Idempotency-Key": "retry-1"})
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    other = s.post(url, json={"count": 3}, headers={"Idempotency-Key": "retry-1"})
    assert other.status_code == 422
    assert s.get(f"{live_server}/v1/studies/{sid}").json()["trial_counts"]["running"] == 2


@pytest.mark.e2e
def test_busy_sqlite_answers_503_with_retry_after_and_loses_nothing(gunicorn_factory, tmp_path):
    path = tmp_path / "busy.db"
    server = gunicorn_factory(sqlite_url(path), workers=2, OPTIMIZER_BUSY_TIMEOUT_MS="200")
    s = checked_session()
    body = {"name": "busy", "space": {"x": {"type": "float", "low": 0, "high": 1}}}
    sid = s.post(server.url + "/v1/studies", json=body).json()["id"]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the file
    try:
        r = s.post(f"{server.url}/v1/studies/{sid}/suggest", json={})
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert r.headers["Content-Type"] == "application/problem+json"
    finally:
        holder.rollback()
        holder.close()
    assert s.get(f"{server.url}/v1/studies/{sid}").json()["trial_counts"]["running"] == 0
    assert len(s.post(f"{server.url}/v1/studies/{sid}/suggest", json={}).json()["trials"]) == 1


@pytest.mark.e2e
def test_unreachable_postgresql_is_alive_but_not_ready(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:9/nothing-listens-here"
    server = Gunicorn(url, workers=1, log_dir=tmp_path).start(wait_for="/healthz")
    try:
        s = checked_session()
        ready = s.get(server.url + "/readyz")
        assert ready.status_code == 503 and int(ready.headers["Retry-After"]) >= 1
        assert s.get(server.url + "/v1/studies").status_code == 503
    finally:
        server.stop()
