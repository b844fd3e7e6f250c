"""Ray Tune runs a study's trials (local `ray.init(num_cpus=2)`) against live gunicorn.

Needs the client's `ray` extra (the service's test extra installs it): skipped with the
reason outside CI when Ray is missing, a failure under CI=true.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from optimizer_client import Client

from tests.conftest import IN_CI

try:
    import ray
    from ray import tune
except ImportError as exc:  # pragma: no cover - depends on the installation
    if IN_CI:
        raise RuntimeError(f"CI=true requires Ray (pip install ./client[ray]): {exc}") from exc
    pytest.skip(f"Ray is not installed (pip install ./client[ray]): {exc}",
                allow_module_level=True)

from optimizer_client.ray import OptimizerScheduler, OptimizerSearch  # noqa: E402

# Ray's own modules warn of their deprecations; the suite turns warnings into errors.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::FutureWarning", "ignore::UserWarning")
# Increasing values: once two trials completed, each later one is worse than their median.
VALUES = [0.0, 0.1, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
STEPS = 6


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=80 * 1024 * 1024, _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def train(config: dict) -> None:
    """A learning curve that settles at config["x"] (the study minimizes it)."""
    import time

    for step in range(1, STEPS + 1):
        time.sleep(0.05)
        tune.report({"loss": config["x"] + 1.0 / step, "step": step})


def fit(search: OptimizerSearch, tmp_path, scheduler=None, num_samples=-1):
    tuner = tune.Tuner(
        train,
        tune_config=tune.TuneConfig(search_alg=search, scheduler=scheduler,
                                    num_samples=num_samples, max_concurrent_trials=2),
        run_config=tune.RunConfig(storage_path=str(tmp_path), name="study", verbose=0),
    )
    return tuner.fit()


def test_ray_runs_the_study_and_its_early_stopping(local_ray, live_server, name, tmp_path):
    with Client(live_server) as client:
        search = OptimizerSearch.create(
            client, name, {"x": {"type": "categorical", "choices": VALUES}},
            metric="loss", mode="min", algorithm="grid", max_trials=len(VALUES),
            early_stopping={"rule": "median", "min_steps": 2, "min_trials": 2},
        )
        grid = fit(search, tmp_path, OptimizerScheduler(search))
        study = client.get_study(search.study.id)
        trials = study.trials()
    assert len(grid) == len(VALUES) and not grid.errors  # Ray ran every trial ...
    assert sorted(t.params["x"] for t in trials) == VALUES  # ... the study's, each once
    states = {t.params["x"]: t.state for t in trials}
    assert set(states.values()) <= {"completed", "pruned"}  # every trial observed
    assert states[0.0] == states[0.1] == "completed"
    assert list(states.values()).count("pruned") >= 1  # the study's rule stopped Ray trials
    ray_steps = {r.config["x"]: r.metrics["training_iteration"] for r in grid}
    for t in trials:
        steps = [p["step"] for p in t.data["intermediate_values"]]
        if t.state == "pruned":  # Ray stopped it at the step the study said so
            assert ray_steps[t.params["x"]] < STEPS
            assert t.value == pytest.approx(t.params["x"] + 1.0 / ray_steps[t.params["x"]])
        else:
            assert ray_steps[t.params["x"]] == STEPS and t.value == pytest.approx(
                t.params["x"] + 1.0 / STEPS)
        assert steps == list(range(1, ray_steps[t.params["x"]] + 1))  # each step once
    assert study.data["status"] == "completed"
    assert study.best().params == {"x": 0.0}


def test_without_the_scheduler_trials_run_to_the_end(local_ray, live_server, name, tmp_path):
    """The searcher alone reports every step and completes each trial (nothing stops)."""
    with Client(live_server) as client:
        study = client.create_study(name, {"x": {"type": "float", "low": 0, "high": 1}},
                                    direction="maximize", algorithm="random", max_trials=3,
                                    seed=1)
        with pytest.raises(ValueError, match="contradicts"):
            OptimizerSearch(study, metric="loss", mode="min")
        with pytest.raises(ValueError, match="needs a metric"):
            OptimizerSearch(study).suggest("t0")
        grid = fit(OptimizerSearch(study, metric="loss"), tmp_path)
        trials = client.get_study(study.id).trials()
    assert len(grid) == 3 and [t.state for t in trials] == ["completed"] * 3
    by_x = {r.config["x"]: r.metrics["loss"] for r in grid}
    assert {t.params["x"]: t.value for t in trials} == pytest.approx(by_x)
    for t in trials:
        assert [p["step"] for p in t.data["intermediate_values"]] == list(range(1, STEPS + 1))


def test_importing_the_client_does_not_import_ray() -> None:
    code = "import sys, optimizer_client; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
