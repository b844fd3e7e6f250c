"""The bayesian algorithm end to end: through gunicorn, with the Python client."""

from __future__ import annotations

import threading
import uuid

import pytest


@pytest.mark.e2e
def test_bayesian_reaches_the_optimum_of_a_2d_quadratic_in_a_fixed_budget(api_client):
    space = {"x": {"type": "float", "low": -5, "high": 5},
             "y": {"type": "float", "low": -5, "high": 5}}
    study = api_client.create_study(f"bo-{uuid.uuid4().hex[:8]}", space, algorithm="bayesian",
                                max_trials=25, seed=3)
    while (trial := study.suggest()) is not None:
        p = trial.params
        trial.complete((p["x"] - 1.5) ** 2 + (p["y"] + 2.0) ** 2)
        if trial.number >= 10:  # past the initial design, suggestions explain themselves
            assert trial.info["source"] == "model", trial.info
            assert {"predicted_mean", "predicted_std", "acquisition"} <= set(trial.info)
    best = study.best()
    assert best.value < 0.05, best.params
    assert abs(best.params["x"] - 1.5) < 0.25 and abs(best.params["y"] + 2.0) < 0.25


@pytest.mark.e2e
def test_eight_concurrent_workers_get_eight_distinct_configurations(api_client):
    space = {"lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
             "n": {"type": "int", "low": 1, "high": 64},
             "act": {"type": "categorical", "choices": ["relu", "tanh"]}}
    study = api_client.create_study(f"bo-par-{uuid.uuid4().hex[:8]}", space, algorithm="bayesian",
                                seed=5)
    for _ in range(20):  # n = 20 observed trials
        trial = study.suggest()
        trial.complete(abs(trial.params["lr"] - 0.01) + trial.params["n"] / 64)
    got, lock = [], threading.Lock()
    barrier = threading.Barrier(8)

    def ask():
        barrier.wait()
        trial = study.suggest()
        with lock:
            got.append(trial)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    configs = {tuple(sorted(t.params.items())) for t in got}
    assert len(got) == 8 and len(configs) == 8
    assert all(t.info["source"] == "model" for t in got)
