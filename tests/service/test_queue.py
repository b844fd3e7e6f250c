"""Queued trials against each store: handed out first, in order, once; validated against
the space; counted toward max_trials when handed out; cancelled; initial_trials."""

from __future__ import annotations

import threading

import pytest

from optimizer_api.domain import Owner
from optimizer_api.errors import Conflict, InvalidRequest
from optimizer_api.service import Final, Service
from optimizer_api.store import Store

from ..store.test_trial_counts import kept_and_counted

ME = Owner("me")
SPACE = {"x": {"type": "float", "low": -1, "high": 1}, "k": {"type": "int", "low": 1, "high": 4}}


@pytest.fixture
def svc(db_url):
    store = Store(db_url)
    store.prepare()
    clock = [1_000_000.0]
    service = Service(store, lambda: clock[0])
    service.tick = clock
    yield service
    store.dispose()


def make(svc, name="s", **spec) -> int:
    return svc.create_study(ME, {"name": name, "space": SPACE, **spec}).view.study.id


@pytest.mark.parametrize("algorithm", ["random", "bayesian", "grid"])
def test_queued_params_come_first_in_order_then_the_sampler(svc, algorithm):
    sid = make(svc, algorithm=algorithm)
    queued = svc.enqueue(ME, sid, [{"x": 0.5, "k": 2}, {"x": -0.25, "k": 4}]).trials
    assert [t.state.value for t in queued] == ["queued", "queued"]
    first = svc.suggest(ME, sid, count=1).trials
    assert [t.id for t in first] == [queued[0].id]
    assert first[0].params == {"x": 0.5, "k": 2} and first[0].state.value == "running"
    assert first[0].info["source"] == "queued"
    rest = svc.suggest(ME, sid, count=3).trials
    assert rest[0].id == queued[1].id and rest[0].params == {"x": -0.25, "k": 4}
    assert all(t.info is None or t.info.get("source") != "queued" for t in rest[1:])
    assert len(rest) == 3
    counts = svc.get_study(ME, sid).counts
    assert counts["queued"] == 0 and counts["running"] == 4


def test_missing_params_are_drawn_when_handed_out_and_named(svc):
    sid = make(svc)
    svc.enqueue(ME, sid, [{"k": 3}])
    trial = svc.suggest(ME, sid).trials[0]
    assert trial.params["k"] == 3 and -1 <= trial.params["x"] <= 1
    assert trial.info["filled"] == ["x"]


def test_bad_params_are_refused_naming_the_field_and_nothing_is_queued(svc):
    sid = make(svc)
    with pytest.raises(InvalidRequest) as bad:
        svc.enqueue(ME, sid, [{"x": 0.1, "k": 1}, {"x": 7, "k": 1}, {"nope": 1}])
    assert set(bad.value.errors) == {"params[1].x", "params[2].nope"}
    with pytest.raises(InvalidRequest) as bad:
        svc.enqueue(ME, sid, [])
    assert "params" in bad.value.errors
    assert svc.get_study(ME, sid).counts["queued"] == 0


def test_a_queued_trial_counts_toward_max_trials_when_handed_out(svc):
    sid = make(svc, max_trials=2)
    svc.enqueue(ME, sid, [{"x": 0.1, "k": 1}, {"x": 0.2, "k": 1}, {"x": 0.3, "k": 1}])
    view = svc.get_study(ME, sid)
    assert view.status == "running" and view.counts["queued"] == 3
    got = svc.suggest(ME, sid, count=5).trials
    assert [t.params["x"] for t in got] == [0.1, 0.2]
    assert svc.suggest(ME, sid, count=1).trials == []
    assert svc.get_study(ME, sid).counts["queued"] == 1  # never handed out


def test_cancel_withdraws_a_queued_trial_only(svc):
    sid = make(svc)
    a, b = svc.enqueue(ME, sid, [{"x": 0.1, "k": 1}, {"x": 0.2, "k": 2}]).trials
    assert svc.cancel(ME, sid, a.id).trial.state.value == "cancelled"
    with pytest.raises(Conflict):
        svc.cancel(ME, sid, a.id)
    got = svc.suggest(ME, sid).trials[0]
    assert got.id == b.id
    with pytest.raises(Conflict):
        svc.cancel(ME, sid, b.id)  # running now
    svc.observe(ME, sid, Final(got.id, 1.0))
    page = svc.trials(ME, sid, states=["cancelled"])
    assert [t.id for t in page.trials] == [a.id] and page.total == 1
    kept, counted = kept_and_counted(svc.store)  # the triggers count the new states too
    assert kept == counted and counted[(sid, "cancelled")] == 1


def test_initial_trials_of_the_definition_are_queued_at_creation(svc):
    spec = {"initial_trials": [{"x": 0.0, "k": 1}, {"k": 4}]}
    sid = make(svc, **spec)
    assert svc.get_study(ME, sid).counts["queued"] == 2
    assert make(svc, **spec) == sid  # the same definition: the same study, nothing more
    assert svc.get_study(ME, sid).counts["queued"] == 2
    with pytest.raises(InvalidRequest) as bad:
        make(svc, name="t", initial_trials=[{"x": 3}])
    assert "initial_trials[0].x" in bad.value.errors


def test_a_grid_study_hands_out_its_queue_even_after_its_points(svc):
    space = {"k": {"type": "int", "low": 1, "high": 2}}
    sid = svc.create_study(ME, {"name": "g", "space": space, "algorithm": "grid"}).view.study.id
    assert [t.params for t in svc.suggest(ME, sid, count=5).trials] == [{"k": 1}, {"k": 2}]
    svc.enqueue(ME, sid, [{"k": 2}])
    assert svc.get_study(ME, sid).status == "running"
    assert [t.params for t in svc.suggest(ME, sid, count=5).trials] == [{"k": 2}]


def test_eight_threads_take_each_queued_trial_exactly_once(db_url):
    store = Store(db_url)
    store.prepare()
    svc = Service(store)
    sid = make(svc, algorithm="random", max_trials=60)
    queued = svc.enqueue(ME, sid, [{"x": i / 100, "k": 1} for i in range(40)]).trials
    handed: list = []
    lock = threading.Lock()

    def worker():
        while True:
            got = svc.suggest(ME, sid, count=2).trials
            if not got:
                return
            with lock:
                handed.extend(got)

    pool = [threading.Thread(target=worker) for _ in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    ids = [t.id for t in handed]
    assert len(ids) == len(set(ids)) == 60
    from_queue = [t for t in handed if t.info and t.info.get("source") == "queued"]
    assert sorted(t.id for t in from_queue) == [t.id for t in queued]
    store.dispose()
