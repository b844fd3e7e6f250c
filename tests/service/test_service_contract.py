"""The use cases against each store: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from optimizer_api.domain import Owner
from optimizer_api.errors import Conflict, InvalidRequest, NotFound
from optimizer_api.service import (
    External,
    Failed,
    Final,
    Intermediate,
    Key,
    Pruned,
    Service,
    holders,
    idempotency,
)
from optimizer_api.store import Store

ME = Owner("me")
SPACE = {"x": {"type": "float", "low": -1, "high": 1}, "k": {"type": "int", "low": 1, "high": 4}}


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def svc(db_url, clock):
    store = Store(db_url)
    store.prepare()
    yield Service(store, clock)
    store.dispose()


def make(svc, name="s", **spec):
    view, created = svc.create_study(ME, {"name": name, "space": SPACE, **spec})
    return view.study.id


def obs(**kw):
    """The observation the API would build from a request body of these fields."""
    if "params" in kw:
        return External(**kw)
    if kw.pop("failed", False):
        return Failed(**kw)
    if kw.pop("pruned", False):
        return Pruned(**kw)
    return Intermediate(**kw) if "step" in kw else Final(**kw)


fingerprint = idempotency.fingerprint


def claim(svc, key: Key, holder: str | None = None):
    """Claim a key as a request would, for `holder` (a new claim of this process)."""
    holder = holder or holders.new_claim()
    return svc.store.run_write(idempotency.claim, key, holder, svc.clock())


def release(svc, key: Key, holder: str) -> None:
    svc.store.run_write(idempotency.release, key, holder)


def keyed(svc, answer):
    """The same service, storing answers to keyed requests as `answer` renders them."""
    return Service(svc.store, svc.clock, answer=answer)


def test_create_is_create_or_load(svc):
    first, created = svc.create_study(ME, {"name": "s", "space": SPACE, "seed": 3})
    again, created_again = svc.create_study(ME, {"name": "s", "space": SPACE, "seed": 3})
    assert created and not created_again and first.study.id == again.study.id
    with pytest.raises(Conflict):
        svc.create_study(ME, {"name": "s", "space": SPACE, "seed": 4})
    assert [v.study.name for v in svc.list_studies(ME)[0]] == ["s"]
    assert svc.list_studies(ME, "s")[0][0].study.id == first.study.id
    assert svc.list_studies(ME, "nope") == ([], 0)


def test_delete_removes_the_study_and_its_trials(svc):
    sid = make(svc)
    trial = svc.suggest(ME, sid).trials[0]
    svc.observe(ME, sid, obs(trial_id=trial.id, value=1.0, step=1))
    svc.delete_study(ME, sid)
    with pytest.raises(NotFound):
        svc.get_study(ME, sid)
    with pytest.raises(NotFound):
        svc.delete_study(ME, sid)


def test_random_suggestions_follow_the_seed_not_the_interleaving(svc):
    a, b = make(svc, "a", seed=11), make(svc, "b", seed=11)
    batch = svc.suggest(ME, a, count=4).trials
    one_by_one = [svc.suggest(ME, b).trials[0] for _ in range(4)]
    assert [t.params for t in batch] == [t.params for t in one_by_one]
    assert [t.number for t in batch] == [0, 1, 2, 3]
    assert len({t.params["x"] for t in batch}) == 4


def test_observe_final_intermediate_failed_pruned_external(svc):
    sid = make(svc)
    t1, t2, t3 = svc.suggest(ME, sid, count=3).trials
    assert svc.observe(ME, sid, obs(trial_id=t1.id, value=0.5, step=0)).should_stop is False
    svc.observe(ME, sid, obs(trial_id=t1.id, value=0.5, step=0))  # the same report again
    with pytest.raises(Conflict):
        svc.observe(ME, sid, obs(trial_id=t1.id, value=0.7, step=0))
    done = svc.observe(ME, sid, obs(trial_id=t1.id, value=0.25)).trial
    assert done.state.value == "completed" and done.value == 0.25 and done.intermediate == {0: 0.5}
    assert svc.observe(ME, sid, obs(trial_id=t1.id, value=0.25)).trial.value == 0.25  # retry
    with pytest.raises(Conflict):
        svc.observe(ME, sid, obs(trial_id=t1.id, value=0.3))
    with pytest.raises(Conflict):
        svc.observe(ME, sid, obs(trial_id=t1.id, value=0.3, step=1))
    failed = svc.observe(ME, sid, obs(trial_id=t2.id, failed=True, reason="OOM")).trial
    assert failed.state.value == "failed" and failed.reason == "OOM"
    svc.observe(ME, sid, obs(trial_id=t3.id, value=2.0, step=3))
    pruned = svc.observe(ME, sid, obs(trial_id=t3.id, pruned=True)).trial
    assert pruned.state.value == "pruned" and pruned.value == 2.0
    ext = svc.observe(ME, sid, obs(params={"x": 0.1, "k": 2}, value=-1.0)).trial
    assert ext.external and ext.state.value == "completed" and ext.number == 3
    with pytest.raises(InvalidRequest):
        svc.observe(ME, sid, obs(params={"x": 0.1, "k": 2.5}, value=-1.0))
    assert svc.best(ME, sid).id == ext.id
    view = svc.get_study(ME, sid)
    assert view.counts == {"running": 0, "completed": 2, "pruned": 1, "failed": 1, "expired": 0,
                           "queued": 0, "cancelled": 0}


def test_best_follows_the_direction(svc):
    sid = make(svc, direction="maximize")
    for value in (1.0, 3.0, 2.0):
        trial = svc.suggest(ME, sid).trials[0]
        svc.observe(ME, sid, obs(trial_id=trial.id, value=value))
    assert svc.best(ME, sid).value == 3.0


def test_max_trials_counts_results_and_replaces_failures(svc):
    sid = make(svc, max_trials=3)
    trials = svc.suggest(ME, sid, count=5).trials
    assert len(trials) == 3
    assert svc.suggest(ME, sid).trials == []
    svc.observe(ME, sid, obs(trial_id=trials[0].id, failed=True))
    replacement = svc.suggest(ME, sid, count=5).trials
    assert len(replacement) == 1
    for t in trials[1:] + replacement:
        svc.observe(ME, sid, obs(trial_id=t.id, value=1.0))
    view = svc.get_study(ME, sid)
    assert view.status == "completed" and "max_trials" in view.status_reason
    assert view.counts["completed"] == 3


def test_max_failed_trials_ends_the_study(svc):
    sid = make(svc, max_failed_trials=2)
    for _ in range(2):
        svc.observe(ME, sid, obs(trial_id=svc.suggest(ME, sid).trials[0].id, failed=True))
    result = svc.suggest(ME, sid)
    assert result.trials == [] and result.status == "completed"
    assert "max_failed_trials" in result.status_reason


def test_lease_lapses_and_a_late_result_is_kept(svc, clock):
    sid = make(svc, lease_seconds=10, max_trials=1)
    trial = svc.suggest(ME, sid).trials[0]
    clock.now += 5
    svc.observe(ME, sid, obs(trial_id=trial.id, value=1.0, step=0))  # renews the lease
    clock.now += 8
    assert svc.get_study(ME, sid).counts["running"] == 1
    clock.now += 3
    assert svc.trial(ME, sid, trial.id).state.value == "expired"
    with pytest.raises(Conflict):
        svc.heartbeat(ME, sid, trial.id)
    replacement = svc.suggest(ME, sid).trials
    assert len(replacement) == 1 and replacement[0].id != trial.id
    late = svc.observe(ME, sid, obs(trial_id=trial.id, value=0.5)).trial
    assert late.state.value == "completed" and late.value == 0.5


def test_heartbeat_renews_the_lease(svc, clock):
    sid = make(svc, lease_seconds=10)
    trial = svc.suggest(ME, sid).trials[0]
    for _ in range(3):
        clock.now += 8
        svc.heartbeat(ME, sid, trial.id)
    assert svc.trial(ME, sid, trial.id).state.value == "running"


def test_grid_points_requeue_once_after_failure_or_expiry(svc, clock):
    grid = {"name": "grid", "options": {"grid_points": 2}}
    sid = make(svc, algorithm=grid, lease_seconds=10,
               **{"space": {"a": {"type": "int", "low": 0, "high": 2}}})
    first = svc.suggest(ME, sid, count=2).trials
    assert [t.grid_index for t in first] == [0, 1]
    svc.observe(ME, sid, obs(trial_id=first[0].id, failed=True))
    clock.now += 11  # trial 1 expires
    again = svc.suggest(ME, sid, count=5).trials
    assert [t.grid_index for t in again] == [0, 1, 2]
    assert [t.params["a"] for t in again] == [0, 1, 2]
    for t in again[:2]:
        svc.observe(ME, sid, obs(trial_id=t.id, failed=True))
    svc.observe(ME, sid, obs(trial_id=again[2].id, value=1.0))
    end = svc.suggest(ME, sid, count=5)
    assert end.trials == [] and end.status == "completed"
    assert "grid exhausted" in end.status_reason


def test_worker_id_gets_its_running_trials_back(svc):
    sid = make(svc)
    mine = svc.suggest(ME, sid, count=2, worker_id="w1").trials
    assert [t.id for t in svc.suggest(ME, sid, count=2, worker_id="w1").trials] == [
        t.id for t in mine]
    other = svc.suggest(ME, sid, count=1, worker_id="w2").trials
    assert other[0].id not in {t.id for t in mine}
    svc.observe(ME, sid, obs(trial_id=mine[0].id, value=1.0))
    svc.observe(ME, sid, obs(trial_id=mine[1].id, value=1.0))
    fresh = svc.suggest(ME, sid, worker_id="w1").trials
    assert fresh[0].id not in {t.id for t in mine}


def test_suggest_expires_lapsed_leases_before_counting_and_giving_back(svc, clock):
    sid = make(svc, lease_seconds=10, max_trials=2)
    lapsed = svc.suggest(ME, sid, count=2, worker_id="w1").trials
    assert svc.suggest(ME, sid, worker_id="w2").trials == []  # max_trials reached
    clock.now += 11  # both leases lapse: they no longer count, nor come back to w1
    fresh = svc.suggest(ME, sid, count=2, worker_id="w1").trials
    assert len(fresh) == 2 and not {t.id for t in fresh} & {t.id for t in lapsed}
    assert [svc.trial(ME, sid, t.id).state.value for t in lapsed] == ["expired"] * 2
    counts = svc.get_study(ME, sid).counts
    assert (counts["running"], counts["expired"]) == (2, 2)
    assert [t.id for t in svc.suggest(ME, sid, count=2, worker_id="w1").trials] == [
        t.id for t in fresh]  # its running ones, read again under the lock


def test_idempotency_keys_replay_reject_and_lock(svc):
    sid = make(svc)
    scope = f"POST /v1/studies/{sid}/suggest"
    one = fingerprint(b'{"count": 1}')
    assert one == fingerprint(b'{ "count" : 1 }')  # same JSON, other spacing
    mine = holders.new_claim()
    assert claim(svc, Key("me", scope, "k", one), mine) is None
    with pytest.raises(Conflict):  # still in flight
        claim(svc, Key("me", scope, "k", one))
    release(svc, Key("me", scope, "k", one), mine)
    svc = keyed(svc, lambda r: (200, {"n": [t.number for t in r.trials]}))
    svc.suggest(ME, sid, key=Key("me", scope, "k", one))
    replay = claim(svc, Key("me", scope, "k", one))
    assert replay.status == 200 and replay.body == '{"n":[0]}'
    assert svc.suggest(ME, sid, key=Key("me", scope, "k", one)) == replay  # not run again
    with pytest.raises(InvalidRequest):
        claim(svc, Key("me", scope, "k", fingerprint(b'{"count": 2}')))
    empty = fingerprint(b"{}")
    other = holders.new_claim()
    assert claim(svc, Key("me", scope, "k2", empty), other) is None
    release(svc, Key("me", scope, "k2", empty), other)  # the request failed: retry runs
    assert claim(svc, Key("me", scope, "k2", empty)) is None


def test_an_answer_is_stored_even_if_its_claim_was_lost(svc):
    sid = make(svc)
    scope = f"POST /v1/studies/{sid}/suggest"
    empty = fingerprint(b"{}")
    # no claim (as after a power loss that took the undurable claim): the answer is kept
    answer = lambda r: (200, {"ok": 1})  # noqa: E731
    key = Key("me", scope, "lost", empty)
    svc.store.run_write(idempotency._answered, key, holders.new_claim(), svc.clock, answer,
                        svc._suggest, ME, sid, 1, None, *svc._precompute(ME, sid, 1, None)[1:])
    assert claim(svc, key).body == '{"ok":1}'


def test_completion_criteria(svc, clock):
    target = make(svc, "t", target_value=0.1)
    trial = svc.suggest(ME, target).trials[0]
    svc.observe(ME, target, obs(trial_id=trial.id, value=0.05))
    assert "target_value" in svc.suggest(ME, target).status_reason
    assert svc.suggest(ME, target).trials == []

    patience = make(svc, "p", no_improvement_trials=2)
    for value in (1.0, 2.0, 3.0):
        clock.now += 1
        t = svc.suggest(ME, patience).trials[0]
        svc.observe(ME, patience, obs(trial_id=t.id, value=value))
    view = svc.get_study(ME, patience)
    assert view.status == "completed" and "no_improvement" in view.status_reason

    timed = make(svc, "d", max_duration_seconds=60)
    assert svc.suggest(ME, timed).trials
    clock.now += 61
    assert svc.suggest(ME, timed).trials == []


def test_concurrent_suggests_hand_out_each_grid_point_once(svc):
    sid = make(svc, algorithm={"name": "grid"},
               **{"space": {"a": {"type": "int", "low": 0, "high": 9},
                            "b": {"type": "categorical", "choices": [0, 1, 2, 3]}}})
    seen, lock = [], threading.Lock()

    def worker():
        while True:
            trials = svc.suggest(ME, sid, count=3).trials
            if not trials:
                return
            for t in trials:
                svc.observe(ME, sid, obs(trial_id=t.id, value=float(t.params["a"])))
            with lock:
                seen.extend(t.grid_index for t in trials)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(40))
    assert svc.get_study(ME, sid).counts["completed"] == 40


def test_in_flight_key_has_its_own_problem_type(http):
    sid = http.post("/v1/studies", json={"name": "k", "space": SPACE}).json["id"]
    svc = http.application.extensions["optimizer"]
    claim(svc, Key("default", f"POST /v1/studies/{sid}/suggest", "held", fingerprint(b"{}")))
    r = http.post(f"/v1/studies/{sid}/suggest", json={}, headers={"Idempotency-Key": "held"})
    assert r.status_code == 409
    assert r.json["type"].endswith("/idempotency-key-in-flight")


def test_the_same_definition_still_loads_after_a_release_changes_a_default(svc):
    from optimizer_api.store import sql

    view, _ = svc.create_study(ME, {"name": "g", "space": SPACE, "algorithm": "grid"})
    older = {**view.study.definition,  # as an older release would have filled it in
             "algorithm": {"name": "grid", "options": {"grid_points": 7, "max_retries": 1}}}
    with svc.store.write() as conn:
        sql.update_study(conn, view.study.id, definition=older)
    again, created = svc.create_study(ME, {"name": "g", "space": SPACE, "algorithm": "grid"})
    assert not created and again.study.id == view.study.id
    assert again.study.algorithm["options"]["grid_points"] == 7  # it runs as it was created
    with pytest.raises(Conflict):
        svc.create_study(ME, {"name": "g", "space": SPACE,
                          "algorithm": {"name": "grid", "options": {"grid_points": 3}}})


def test_a_gp_proposal_made_outside_the_lock_is_redone_if_another_worker_was_served(svc):
    sid = make(svc, algorithm={"name": "bayesian", "options": {"n_initial": 2}}, seed=4)
    for x, k in ((-0.5, 1), (0.2, 2), (0.7, 4), (0.0, 3)):
        svc.observe(ME, sid, obs(params={"x": x, "k": k}, value=(x - 0.1) ** 2 + k))
    _, space, stale = svc._precompute(ME, sid, 1, None)  # from a snapshot, before the lock
    other = svc.suggest(ME, sid).trials[0]  # meanwhile another worker is served
    assert other.params == stale.proposal.suggestions[0].params  # the same snapshot
    mine = svc.store.run_write(svc._suggest, ME, sid, 1, None, space, stale).trials[0]
    assert mine.params != other.params  # made again, knowing the other's running trial
    _, space, fresh = svc._precompute(ME, sid, 1, None)
    used = svc.store.run_write(svc._suggest, ME, sid, 1, None, space, fresh).trials[0]
    assert used.params == fresh.proposal.suggestions[0].params  # nobody came between
