"""The client against a live gunicorn service (the session's `live_server`)."""

from __future__ import annotations

import math
import uuid
from concurrent.futures import ThreadPoolExecutor

import optimizer_client.study
import pytest
from optimizer_client import (
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    OptimizerError,
    Study,
)

SPACE = {
    "x": {"type": "float", "low": -5.0, "high": 5.0},
    "n": {"type": "int", "low": 1, "high": 4},
    "kind": {"type": "categorical", "choices": ["a", "b"]},
}


def objective(params: dict) -> float:
    """A cheap deterministic objective over SPACE."""
    return (params["x"] - 1.0) ** 2 + params["n"] + (0.5 if params["kind"] == "b" else 0.0)


def test_create_is_create_or_load(client: Client, name: str) -> None:
    first = client.create_study(name, SPACE, algorithm="random", seed=3, max_trials=5)
    again = client.create_study(name, SPACE, algorithm={"name": "random"}, seed=3, max_trials=5)
    assert isinstance(first, Study) and again.id == first.id
    assert first.name == name and first.direction == "minimize"
    assert first.data["max_trials"] == 5 and first.status == "running"
    with pytest.raises(ConflictError) as caught:
        client.create_study(name, SPACE, direction="maximize", seed=3, max_trials=5)
    assert caught.value.status == 409 and caught.value.problem["status"] == 409


def test_get_find_list_delete(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    assert client.get_study(study.id).name == name
    assert client.find_study(name).id == study.id
    assert client.find_study(f"{name}-absent") is None
    assert study.id in {s.id for s in client.list_studies()}
    client.delete_study(study.id)
    assert client.find_study(name) is None
    with pytest.raises(NotFoundError):
        client.get_study(study.id)


def test_suggest_report_complete_until_done(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, max_trials=4, seed=11)
    values = []
    while (trial := study.suggest(worker_id="w1")) is not None:
        assert set(trial.params) == set(SPACE) and trial.state == "running"
        for step in range(3):
            assert trial.report(step, objective(trial.params) + 3 - step) is False
        trial.complete(objective(trial.params))
        assert trial.state == "completed" and trial.value == objective(trial.params)
        values.append(trial.value)
    assert len(values) == 4
    assert study.status == "completed"
    assert study.refresh().data["trial_counts"]["completed"] == 4
    done = study.trials(state="completed")
    assert sorted(t.number for t in done) == sorted({t.number for t in done})
    assert all(len(t.data["intermediate_values"]) == 3 for t in done)
    assert study.best().value == min(values)


def test_best_follows_the_direction(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, direction="maximize")
    assert study.best() is None
    for value in (1.0, 7.0, 3.0):
        study.suggest().complete(value)
    assert study.best().value == 7.0


def test_fail_and_prune(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    failing, pruned = study.suggest_many(2)
    failing.fail("out of memory")
    assert failing.state == "failed" and failing.data["reason"] == "out of memory"
    pruned.report(0, 4.0)
    pruned.heartbeat()
    pruned.prune()
    assert pruned.state == "pruned" and pruned.value == 4.0
    states = {t.id: t.state for t in study.trials(state=["failed", "pruned"])}
    assert states == {failing.id: "failed", pruned.id: "pruned"}


def test_context_manager_marks_failed_on_exception(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    trial = study.suggest()
    with pytest.raises(ValueError, match="diverged"):
        with trial:
            raise ValueError("loss diverged")
    stored = study.trial(trial.id)
    assert stored.state == "failed"
    assert stored.data["reason"] == "ValueError: loss diverged"
    trial = study.suggest()
    with pytest.raises(RuntimeError):
        with trial:
            raise RuntimeError("x" * 50_000)
    assert trial.state == "failed" and trial.data["reason"].startswith("RuntimeError: xxx")


def test_context_manager_clean_exit_changes_nothing(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    with study.suggest() as trial:
        pass
    assert study.trial(trial.id).state == "running"
    with study.suggest() as done:
        done.complete(2.0)
    assert study.trial(done.id).state == "completed"


def test_external_observe(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    params = {"x": 0.5, "n": 2, "kind": "a"}
    trial = study.observe(params, 1.25)
    assert trial.params == params and trial.value == 1.25
    assert trial.state == "completed" and trial.data["external"] is True
    with pytest.raises(BadRequestError) as caught:
        study.observe({"x": 50.0, "n": 2, "kind": "a"}, 1.0)
    assert caught.value.status in (400, 422) and caught.value.problem["status"] in (400, 422)
    assert len(study.trials()) == 1


def test_errors_carry_the_problem(client: Client, name: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_study(10**9)
    error = caught.value
    assert error.status == 404 and error.response.status_code == 404
    assert error.problem["status"] == 404 and error.problem["title"] in str(error)
    assert isinstance(error, OptimizerError)
    bad_space = {"x": {"type": "float", "low": 2.0, "high": 1.0}}
    with pytest.raises(BadRequestError) as caught:
        client.create_study(name, bad_space)
    assert "x" in str(caught.value.problem)
    assert client.find_study(name) is None


def test_trial_errors(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    trial = study.suggest()
    with pytest.raises(BadRequestError) as caught:
        trial.complete(math.nan)  # refused before it leaves: JSON has no NaN
    assert caught.value.status is None
    with pytest.raises(BadRequestError) as caught:
        client.request("POST", f"/v1/studies/{study.id}/observe", json={"trial_id": trial.id})
    assert caught.value.status in (400, 422)
    trial.complete(1.0)
    trial.complete(1.0)  # the same final value again: a safe retry
    with pytest.raises(ConflictError):
        trial.complete(2.0)
    assert study.trial(trial.id).value == 1.0


def test_trials_pages_through_limit_and_offset(
    client: Client, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(optimizer_client.study, "PAGE_SIZE", 2)
    study = client.create_study(name, SPACE)
    made = [study.observe({"x": 0.1 * i, "n": 1, "kind": "a"}, float(i)) for i in range(5)]
    study.suggest()
    assert [t.id for t in study.trials(state="completed")] == [t.id for t in made]
    assert len(study.trials()) == 6


def test_worker_id_gets_its_running_trials_back(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    first = study.suggest_many(2, worker_id="w-7")
    again = study.suggest_many(2, worker_id="w-7")
    assert [t.id for t in again] == [t.id for t in first]


def test_same_idempotency_key_counts_once(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE)
    path = f"/v1/studies/{study.id}/observe"
    body = {"params": {"x": 0.0, "n": 3, "kind": "b"}, "value": 5.0}
    key = str(uuid.uuid4())
    first = client.request("POST", path, json=body, idempotency_key=key)
    second = client.request("POST", path, json=body, idempotency_key=key)
    assert second["trial"]["id"] == first["trial"]["id"]
    assert len(study.trials()) == 1
    with pytest.raises(BadRequestError) as caught:
        client.request("POST", path, json=body | {"value": 6.0}, idempotency_key=key)
    assert caught.value.status == 422
    assert [t.value for t in study.trials()] == [5.0]


def test_one_client_shared_by_threads_drains_a_grid(client: Client, name: str) -> None:
    space = {
        "a": {"type": "int", "low": 1, "high": 4},
        "b": {"type": "categorical", "choices": ["x", "y", "z"]},
        "c": {"type": "categorical", "choices": [True, False]},
    }
    study = client.create_study(name, space, algorithm="grid")

    def work(worker: int) -> list[tuple]:
        seen = []
        while (trial := study.suggest(worker_id=f"w{worker}")) is not None:
            with trial:
                trial.complete(trial.params["a"] * (2 if trial.params["c"] else 1))
            seen.append(tuple(sorted(trial.params.items())))
        return seen

    with ThreadPoolExecutor(8) as pool:
        points = [p for seen in pool.map(work, range(8)) for p in seen]
    assert len(points) == len(set(points)) == 24
    assert len(study.trials(state="completed")) == 24
    assert study.best().params["a"] == 1 and study.best().params["c"] is False
