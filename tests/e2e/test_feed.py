"""The change feed end to end: real gunicorn, the real client, writers in threads."""

from __future__ import annotations

import threading

import pytest
from optimizer_client import Client

from ..contract import checked_session

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


@pytest.mark.e2e
def test_a_follower_sees_every_trial_as_it_ended_while_4_workers_run(live_server):
    with Client(live_server, timeout=60) as client:
        study = client.create_study("feed-e2e", SPACE, max_trials=40)
        seen, cursor = study.changes()
        assert seen == []

        def work():
            with Client(live_server, timeout=60, retries=3, backoff=0.05) as mine:
                s = mine.get_study(study.id)
                while (trial := s.suggest()) is not None:
                    trial.report(0, trial.params["x"] * 2)
                    trial.complete(trial.params["x"], user_attrs={"by": "worker"})

        workers = [threading.Thread(target=work) for _ in range(4)]
        for w in workers:
            w.start()
        last: dict[int, dict] = {}
        while any(w.is_alive() for w in workers):
            changed, cursor = study.changes(cursor, wait=1)
            last.update({t.id: t.data for t in changed})
        for w in workers:
            w.join()
        changed, cursor = study.changes(cursor)
        last.update({t.id: t.data for t in changed})
        final = {t.id: t.data for t in study.trials()}
        assert len(final) == 40 and last == final
    s = checked_session()
    url = f"{live_server}/v1/studies/{study.id}/changes"
    r = s.get(url, params={"since": cursor, "wait": 0.5})
    assert r.status_code == 200 and r.json() == {"trials": [], "cursor": cursor, "more": False}
    r = s.get(url, params={"since": "nope"})
    assert r.status_code == 422 and "since" in r.json()["errors"]
