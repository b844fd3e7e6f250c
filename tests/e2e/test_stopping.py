"""Early stopping and completion criteria end to end: the client, through gunicorn."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

STEPS = 10


def quality(k: int) -> float:
    """Trials 0-4 are the reference (0.8); then good (0.9) and bad (0.1) alternate."""
    return 0.8 if k < 5 else (0.9 if k % 2 == 0 else 0.1)


def run(study, reports: list) -> bool:
    """Run one trial to the end or until told to stop; False when the study is done."""
    trial = study.suggest()
    if trial is None:
        return False
    value = quality(trial.params["k"])
    for step in range(STEPS):
        stop = trial.report(step, value)
        reports.append((trial.params["k"], step, stop))
        if stop:
            trial.prune()
            return True
    trial.complete(value)
    return True


@pytest.mark.e2e
def test_median_rule_stops_bad_trials_of_concurrent_workers_at_the_grace_step(api_client):
    study = api_client.create_study(
        f"median-{uuid.uuid4().hex[:8]}", {"k": {"type": "int", "low": 0, "high": 12}},
        direction="maximize", algorithm="grid",
        early_stopping={"rule": "median", "min_steps": 3, "min_trials": 3},
    )
    reports: list = []
    for _ in range(5):  # the reference trials, one after another
        run(study, reports)

    def worker() -> None:
        while run(study, reports):
            pass

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    trials = {t.params["k"]: t for t in study.trials()}
    assert len(trials) == 13
    for k, t in trials.items():
        if quality(k) >= 0.8:
            assert t.state == "completed" and len(t.data["intermediate_values"]) == STEPS, k
        else:  # told to stop exactly when the grace period ended, and pruned with its curve
            assert t.state == "pruned" and t.value == 0.1, k
            assert [v["step"] for v in t.data["intermediate_values"]] == [0, 1, 2, 3], k
            assert "median" in t.data["reason"], t.data["reason"]
    stops = [(k, s) for k, s, stop in reports if stop]
    assert sorted(stops) == [(k, 3) for k in range(5, 13) if k % 2]
    assert study.refresh().status == "completed"


@pytest.mark.e2e
@pytest.mark.parametrize("criterion, expected", [
    ({"target_value": 0.85}, "target_value"),
    ({"no_improvement_trials": 3}, "no_improvement_trials"),
    ({"max_duration_seconds": 1.5}, "max_duration_seconds"),
    ({"max_trials": 4}, "max_trials"),
])
def test_each_completion_criterion_ends_a_study(api_client, criterion, expected):
    study = api_client.create_study(
        f"stop-{uuid.uuid4().hex[:8]}", {"k": {"type": "int", "low": 0, "high": 1000}},
        direction="maximize", algorithm="random", seed=1, **criterion,
    )
    values = iter([0.5, 0.9, 0.7, 0.6, 0.6, 0.6] + [0.1] * 100)
    started = time.monotonic()
    count = 0
    while (trial := study.suggest()) is not None:
        trial.complete(next(values))
        count += 1
        if "max_duration_seconds" in criterion:
            time.sleep(0.1)
        assert count < 100 and time.monotonic() - started < 30
    study.refresh()
    assert study.status == "completed" and expected in study.data["status_reason"]
    expected_count = {"target_value": 2, "no_improvement_trials": 5, "max_trials": 4}
    if expected in expected_count:
        assert count == expected_count[expected]
