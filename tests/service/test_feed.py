"""The change feed on each store: every change shows, once per change, and a cursor
never passes a change that commits after it was given, whatever the order of commits."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from optimizer_api.domain import Owner
from optimizer_api.errors import InvalidRequest
from optimizer_api.service import Final, Intermediate, Service
from optimizer_api.store import Store

ME = Owner("me")
SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


@pytest.fixture
def svc(db_url):
    store = Store(db_url)
    store.prepare()
    yield Service(store)
    store.dispose()


def follow(svc, sid, cursor="0", limit=1000) -> tuple[dict, str]:
    """Every change after `cursor`, page by page: {trial id: trial as last seen}, cursor."""
    seen = {}
    while True:
        got = svc.changes(ME, sid, cursor, limit=limit)
        seen.update({t.id: t for t in got.trials})
        cursor = got.cursor
        if not got.more:
            return seen, cursor


def follow_until(svc, sid, cursor, ids, timeout=60.0) -> tuple[dict, str]:
    """follow() until the trials `ids` have shown. On PostgreSQL the feed trails the
    oldest write transaction in flight on the server (other databases' too), so a change
    may show a moment after its commit: never before, and never skipped."""
    seen: dict = {}
    deadline = time.monotonic() + timeout
    while True:
        more, cursor = follow(svc, sid, cursor)
        seen.update(more)
        if set(ids) <= set(seen) or time.monotonic() > deadline:
            return seen, cursor
        time.sleep(0.05)


def test_each_kind_of_change_shows_after_the_cursor(svc):
    sid = svc.create_study(ME, {"name": "s", "space": SPACE}).view.study.id
    seen, cursor = follow(svc, sid)
    assert seen == {}
    a, b = svc.suggest(ME, sid, count=2).trials
    seen, cursor = follow_until(svc, sid, cursor, {a.id, b.id})
    assert set(seen) == {a.id, b.id} and seen[a.id].state.value == "running"
    assert follow(svc, sid, cursor)[0] == {}  # nothing new: nothing shown
    svc.observe(ME, sid, Intermediate(a.id, 0, 0.5))
    seen, cursor = follow_until(svc, sid, cursor, {a.id})
    assert set(seen) == {a.id} and seen[a.id].intermediate == {0: 0.5}
    svc.observe(ME, sid, Final(b.id, 0.1, user_attrs={"k": 1}))
    (q,) = svc.enqueue(ME, sid, [{"x": 0.2}]).trials
    seen, cursor = follow_until(svc, sid, cursor, {b.id, q.id})
    assert set(seen) == {b.id, q.id} and seen[b.id].user_attrs == {"k": 1}
    svc.cancel(ME, sid, q.id)
    seen, cursor = follow_until(svc, sid, cursor, {q.id})
    assert seen[q.id].state.value == "cancelled"
    everything, _ = follow(svc, sid, limit=1)  # one at a time from the start
    assert set(everything) == {a.id, b.id, q.id}


def test_a_bad_cursor_is_refused_naming_since(svc):
    sid = svc.create_study(ME, {"name": "s", "space": SPACE}).view.study.id
    for bad in ("x", "-1", "1.2.3", "01", "1.0", str(2**64)):
        with pytest.raises(InvalidRequest) as err:
            svc.changes(ME, sid, bad)
        assert "since" in err.value.errors


def test_long_polling_returns_as_soon_as_a_change_commits(svc):
    sid = svc.create_study(ME, {"name": "s", "space": SPACE}).view.study.id
    _, cursor = follow(svc, sid)
    timer = threading.Timer(0.5, lambda: svc.suggest(ME, sid))
    timer.start()
    got = svc.changes(ME, sid, cursor, wait=20)
    timer.join()
    assert len(got.trials) == 1 and got.trials[0].state.value == "running"


def test_followers_miss_nothing_while_8_writers_run(svc):
    sid = svc.create_study(ME, {"name": "s", "space": SPACE}).view.study.id
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(k):
        rng = random.Random(k)
        try:
            for _ in range(15):
                for t in svc.suggest(ME, sid, count=2).trials:
                    svc.observe(ME, sid, Intermediate(t.id, 0, rng.random()))
                    svc.observe(ME, sid, Final(t.id, rng.random()))
        except BaseException as exc:
            errors.append(exc)

    views: dict = {}
    cursors = ["0"]

    def reader():
        while not stop.is_set():
            seen, cursor = follow(svc, sid, cursors[-1], limit=7)
            views.update(seen)
            cursors.append(cursor)

    pool = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    follower = threading.Thread(target=reader)
    follower.start()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    stop.set()
    follower.join()
    assert not errors, errors[0]
    final = {t.id: t for t in svc.trials(ME, sid).trials}
    # the last changes, after the writers stopped
    seen, _ = follow_until(svc, sid, cursors[-1], [i for i in final if views.get(i) != final[i]])
    views.update(seen)
    assert len(final) == 240 and len(cursors) > 3
    assert views == final  # every trial, as it ended: no change was skipped


@pytest.fixture
def pg_store(pg_url):
    store = Store(pg_url)
    store.prepare()
    yield store
    store.dispose()


@pytest.mark.postgres
def test_a_change_that_commits_late_is_not_passed_by_a_cursor(pg_store, pg_url):
    svc = Service(pg_store)
    sid = svc.create_study(ME, {"name": "s", "space": SPACE}).view.study.id
    slow_trial, other = svc.suggest(ME, sid, count=2).trials
    _, cursor = follow_until(svc, sid, "0", {slow_trial.id, other.id})
    engine = create_engine(pg_url)
    try:
        with engine.connect() as slow:  # a writer that began first and commits last
            slow.execute(text("UPDATE trials SET reason = 'late' WHERE id = :id"),
                         {"id": slow_trial.id})
            svc.observe(ME, sid, Final(other.id, 0.5))  # begins later, commits first
            seen, cursor = follow(svc, sid, cursor)
            # A cursor past the other change would skip the slow one: the feed waits.
            assert seen == {}
            slow.commit()
    finally:
        engine.dispose()
    seen, cursor = follow_until(svc, sid, cursor, {slow_trial.id, other.id})
    assert set(seen) == {slow_trial.id, other.id} and seen[slow_trial.id].reason == "late"
