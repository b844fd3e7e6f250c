"""Queued trials end to end: real gunicorn, the real client; exactly once under 8 workers
on two replicas sharing PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from optimizer_client import Client, ConflictError

from ..contract import checked_session

SPACE = {"x": {"type": "float", "low": 0, "high": 1},
         "opt": {"type": "categorical", "choices": ["adam", "sgd"]}}


@pytest.mark.e2e
def test_enqueue_list_cancel_and_suggest_through_the_client(live_server):
    with Client(live_server, timeout=30) as client:
        study = client.create_study("queue-e2e", SPACE, max_trials=5,
                                    initial_trials=[{"x": 0.5, "opt": "adam"}])
        more = study.enqueue([{"x": 0.1, "opt": "sgd"}, {"opt": "adam"}],
                             user_attrs={"why": "from the paper"})
        assert [t.state for t in more] == ["queued", "queued"]
        assert more[0].data["user_attrs"] == {"why": "from the paper"}
        assert [t.params for t in study.trials("queued")] == [
            {"x": 0.5, "opt": "adam"}, {"x": 0.1, "opt": "sgd"}, {"opt": "adam"}]
        more[0].cancel()
        assert more[0].state == "cancelled"
        with pytest.raises(ConflictError):
            more[0].cancel()
        first, second, third = study.suggest_many(3)
        assert first.params == {"x": 0.5, "opt": "adam"}
        assert second.params["opt"] == "adam" and second.info["filled"] == ["x"]
        assert third.info is None or third.info.get("source") != "queued"
        assert study.refresh().data["trial_counts"]["queued"] == 0
    s = checked_session()  # the wire shapes, as openapi.yaml has them
    sid = study.id
    r = s.post(f"{live_server}/v1/studies/{sid}/trials", json={"params": {"x": 0.3}})
    assert r.status_code == 201
    r = s.post(f"{live_server}/v1/studies/{sid}/trials", json={"params": {"x": 3}})
    assert r.status_code == 422 and "params.x" in r.json()["errors"]
    assert s.delete(f"{live_server}/v1/studies/{sid}/trials/{first.id}").status_code == 409
    assert s.get(f"{live_server}/v1/studies/{sid}/trials?state=queued").json()["total"] == 1


@pytest.mark.e2e
@pytest.mark.postgres
def test_queued_trials_go_out_exactly_once_to_8_workers_on_two_replicas(
    gunicorn_factory, pg_url
):
    replicas = [gunicorn_factory(pg_url, workers=2), gunicorn_factory(pg_url, workers=2)]
    with Client(replicas[0].url, timeout=60) as client:
        study = client.create_study("queue-pg", SPACE, max_trials=150)
        queued = study.enqueue([{"x": i / 200, "opt": "sgd"} for i in range(120)])
    handed: list[dict] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            with Client(replicas[k % 2].url, timeout=60, retries=5, backoff=0.05) as mine:
                s = mine.get_study(study.id)
                while True:
                    got = s.suggest_many(2, worker_id=None)
                    if not got:
                        return
                    for t in got:
                        t.complete(t.params["x"])
                    with lock:
                        handed.extend(t.data for t in got)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors, errors[0]
    ids = [t["id"] for t in handed]
    assert len(ids) == len(set(ids)) == 150
    from_queue = [t for t in handed if (t["info"] or {}).get("source") == "queued"]
    assert sorted(t["id"] for t in from_queue) == [t.id for t in queued]  # each once
    with Client(replicas[1].url, timeout=60) as client:
        counts = client.get_study(study.id).data["trial_counts"]
    assert counts["completed"] == 150 and counts["queued"] == 0
