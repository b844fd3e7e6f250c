"""A big study under the median rule while another study writes, through gunicorn
(timings: benchmarks/stopping_scale.py; here, that every answer is right)."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import insert

from optimizer_api.store import Store, tables

from ..conftest import sqlite_url

pytestmark = pytest.mark.e2e
TRIALS, STEPS = 2_000, 50


def seed(url: str, sid: int) -> None:
    """Completed trials whose curves sit at 1.0 (half of them at 3.0), straight in."""
    store = Store(url)
    with store.write() as conn:
        conn.execute(insert(tables.trials), [
            {"study_id": sid, "number": n, "state": "completed", "params": "{}",
             "value": 1.0, "external": False, "created_at": 0.0, "finished_at": 1.0}
            for n in range(1, TRIALS + 1)])
        ids = [r.id for r in conn.execute(
            tables.trials.select().where(tables.trials.c.study_id == sid))]
        conn.execute(insert(tables.intermediate_values), [
            {"trial_id": t, "step": s, "value": 1.0 if t % 2 else 3.0}
            for t in ids for s in range(STEPS)])
        conn.execute(tables.studies.update().values(next_number=TRIALS + 1))
    store.dispose()


def test_a_report_on_a_big_study_is_judged_right_while_another_study_writes(
        gunicorn_factory, tmp_path):
    url = sqlite_url(tmp_path / "big.db")
    server = gunicorn_factory(url, workers=2)
    space = {"x": {"type": "float", "low": 0, "high": 1}}
    big = requests.post(server.url + "/v1/studies", timeout=30, json={
        "name": "big", "space": space, "early_stopping": {"rule": "median"}}).json()["id"]
    other = requests.post(server.url + "/v1/studies", timeout=30, json={
        "name": "other", "space": space}).json()["id"]
    seed(url, big)
    trial = requests.post(f"{server.url}/v1/studies/{big}/suggest", timeout=30).json()
    tid = trial["trials"][0]["id"]
    answers: dict[str, dict] = {}

    def report(step: int, value: float) -> dict:
        r = requests.post(f"{server.url}/v1/studies/{big}/observe", timeout=60,
                          json={"trial_id": tid, "step": step, "value": value})
        assert r.status_code == 200, r.text
        return r.json()

    def writes() -> None:
        for _ in range(5):
            r = requests.post(f"{server.url}/v1/studies/{other}/suggest", timeout=60)
            assert r.status_code == 200
            answers["other"] = r.json()

    for step in (0, 1):  # before min_steps (2): never stopped
        assert report(step, 2.5)["should_stop"] is False
    writer = threading.Thread(target=writes)
    writer.start()
    # judged at the last step against 2,000 curves: its best, 2.5, is worse than the
    # median of the others' running averages (1.0 for half, 3.0 for the rest: 2.0)
    last = report(STEPS - 1, 2.5)
    writer.join()
    assert last["should_stop"] is True and "median" in last["trial"]["reason"]
    assert answers["other"]["trials"]
