"""trial_counts, kept by the database's triggers, always equals a count of the trials:
after bulk loads, every kind of state change, deletes, and many writers at once."""

from __future__ import annotations

import threading

from sqlalchemy import func, insert, select

from optimizer_api.domain import Owner
from optimizer_api.service import Failed, Final, Intermediate, Pruned, Service
from optimizer_api.store import Store, sql, tables

ME = Owner("me")
SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


def kept_and_counted(store: Store) -> tuple[dict, dict]:
    """(the counts trial_counts holds, a GROUP BY over trials), non-zero ones only."""
    t, c = tables.trials, tables.trial_counts
    with store.read() as conn:
        kept = {(s, st): n for s, st, n in conn.execute(select(c.c.study_id, c.c.state, c.c.n))
                if n}
        counted = {(s, st): n for s, st, n in conn.execute(
            select(t.c.study_id, t.c.state, func.count()).group_by(t.c.study_id, t.c.state))}
    return kept, counted


def test_counts_follow_bulk_loads_state_changes_and_deletes(db_url):
    store = Store(db_url)
    store.prepare()
    clock = [1000.0]
    svc = Service(store, lambda: clock[0])
    a = svc.create_study(ME, {"name": "a", "space": SPACE, "lease_seconds": 5}).view.study.id
    b = svc.create_study(ME, {"name": "b", "space": SPACE}).view.study.id
    with store.write() as conn:  # a bulk insert, as benchmarks/seed_study.py makes
        conn.execute(insert(tables.trials), [
            {"study_id": b, "number": n, "state": ("completed", "failed")[n % 2],
             "params": "{}", "value": 1.0, "external": False, "created_at": 0.0}
            for n in range(300)])
        sql.update_study(conn, b, next_number=300)
    running = svc.suggest(ME, a, count=5).trials
    svc.observe(ME, a, Final(running[0].id, 0.1))
    svc.observe(ME, a, Failed(running[1].id))
    svc.observe(ME, a, Intermediate(running[2].id, 1, 0.3))
    svc.observe(ME, a, Pruned(running[2].id))
    clock[0] += 10  # the last two lapse; the next suggest marks them expired
    svc.suggest(ME, a, count=2)
    svc.observe(ME, a, Final(running[3].id, 0.2))  # a late result of an expired trial
    kept, counted = kept_and_counted(store)
    assert kept == counted
    assert svc.get_study(ME, a).counts == {
        "completed": 2, "failed": 1, "pruned": 1, "expired": 1, "running": 2, "queued": 0,
        "cancelled": 0}
    assert svc.get_study(ME, b).counts["completed"] == 150
    svc.delete_study(ME, b)
    kept, counted = kept_and_counted(store)
    assert kept == counted and all(study == a for study, _ in counted)
    store.dispose()


def test_counts_stay_exact_with_many_writers_on_one_study(db_url):
    store = Store(db_url)
    store.prepare()
    svc = Service(store)
    sid = svc.create_study(ME, {"name": "busy", "space": SPACE}).view.study.id
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for k in range(15):
                trial = svc.suggest(ME, sid).trials[0]
                ending = Failed(trial.id) if (i + k) % 5 == 0 else Final(trial.id, 0.5)
                svc.observe(ME, sid, ending)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    kept, counted = kept_and_counted(store)
    assert kept == counted
    assert sum(counted.values()) == 120 and counted[(sid, "failed")] == 24
    store.dispose()

