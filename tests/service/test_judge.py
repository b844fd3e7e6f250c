"""Judging a report from one number per other trial decides as the whole curves would;
a re-queued grid point's copy is told to stop once a late result arrives for the point."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import insert

from optimizer_api import stopping
from optimizer_api.domain import DEFAULT_OWNER, Direction, Owner, Trial, TrialState
from optimizer_api.service import Final, Intermediate, Service
from optimizer_api.store import Store, cohorts, tables

from .test_service_contract import Clock

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
ME = Owner(DEFAULT_OWNER)
STATES = [TrialState.COMPLETED, TrialState.PRUNED, TrialState.RUNNING, TrialState.FAILED]


@pytest.fixture
def store(db_url):
    store = Store(db_url)
    store.prepare()
    yield store
    store.dispose()


def random_trials(rng, n: int) -> list[Trial]:
    """Curves of any length, with gaps, some starting late; states of every kind."""
    out = []
    for i in range(n):
        steps = sorted(rng.choice(40, size=rng.integers(0, 25), replace=False).tolist())
        out.append(Trial(i + 1, i, STATES[rng.integers(len(STATES))], {"x": 0.5},
                         float(rng.random()), {s: float(rng.random()) for s in steps}))
    return out


def put(store: Store, trials: list[Trial], now: float) -> int:
    svc = Service(store, lambda: now)
    sid = svc.create_study(ME, {"name": "j", "space": SPACE}).view.study.id
    with store.write() as conn:
        for t in trials:
            conn.execute(insert(tables.trials).values(
                id=t.id, study_id=sid, number=t.number, state=t.state.value, params="{}",
                value=t.value, external=False, created_at=0.0, lease_expires_at=now + 60))
        rows = [{"trial_id": t.id, "step": s, "value": v}
                for t in trials for s, v in t.intermediate.items()]
        if rows:
            conn.execute(insert(tables.intermediate_values), rows)
    return sid


@pytest.mark.parametrize("rule", ["median", "asha"])
def test_a_rule_decides_the_same_from_summaries_as_from_whole_curves(store, rule):
    rng = np.random.default_rng(7)
    trials = random_trials(rng, 60)
    sid = put(store, trials, now=100.0)
    r = stopping.get(rule)
    options = r.validate_options({"min_trials": 2} if rule == "median" else {})
    judged = 0
    for trial in trials:
        if trial.state is not TrialState.RUNNING:
            continue
        for direction in Direction:
            need = r.cohort(trial, options)
            others = [t for t in trials if t.id != trial.id]
            whole = r.should_stop(trial, others, direction, options)
            if need is None:
                assert not whole.stop
                continue
            with store.read() as conn:
                few = cohorts.summaries(conn, sid, 100.0, need.step, need.kind, need.states)
            few = [t for t in few if t.id != trial.id]
            assert r.should_stop(trial, few, direction, options) == whole
            judged += whole.stop
    assert judged > 0  # some stopped: the comparison saw both answers


def test_a_late_result_tells_the_requeued_copy_of_its_grid_point_to_stop(store):
    clock = Clock()
    svc = Service(store, clock)
    grid = {"name": "grid", "options": {"grid_points": 2}}
    sid = svc.create_study(ME, {"name": "g", "space": SPACE, "algorithm": grid,
                            "lease_seconds": 10}).view.study.id
    first = svc.suggest(ME, sid).trials[0]
    clock.now += 11  # its lease lapses: the point goes back to the queue
    copy = svc.suggest(ME, sid).trials[0]
    assert copy.grid_index == first.grid_index and copy.id != first.id
    assert svc.observe(ME, sid, Intermediate(copy.id, 0, 0.5)).should_stop is False
    late = svc.observe(ME, sid, Final(first.id, 0.3))  # the first attempt finishes after all
    assert late.trial.state is TrialState.COMPLETED and late.trial.value == 0.3
    told = svc.observe(ME, sid, Intermediate(copy.id, 1, 0.4))
    assert told.should_stop and "already has a result" in told.trial.reason
    other = svc.suggest(ME, sid).trials[0]  # the rest of the grid is not affected
    assert other.grid_index != first.grid_index
    assert svc.observe(ME, sid, Intermediate(other.id, 0, 0.5)).should_stop is False
