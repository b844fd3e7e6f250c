"""What a new user of the client ran into: each now fails the way they would expect."""

from __future__ import annotations

import math

import pytest
from optimizer_client import BadRequestError, Client, NotFoundError

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}}


def test_an_objective_that_returns_no_number_fails_its_trial_and_the_run_goes_on(
        client: Client, name: str):
    study = client.create_study(name, SPACE, seed=1)
    answers = iter(["0.5 but as text", (1.0, 2.0), 0.25, float("nan")])
    finished = study.optimize(lambda trial: next(answers), n_trials=4)
    states = [t.state for t in sorted(study.trials(), key=lambda t: t.number)]
    assert len(finished) == 4 and states == ["failed", "failed", "completed", "failed"]
    reasons = [t.data["reason"] for t in sorted(study.trials(), key=lambda t: t.number)]
    assert "str" in reasons[0] and "tuple" in reasons[1]


@pytest.mark.parametrize("value", [math.nan, math.inf, "high"])
def test_a_report_that_is_not_a_finite_number_says_so_and_names_value(
        client: Client, name: str, value):
    trial = client.create_study(name, SPACE).suggest()
    with pytest.raises(BadRequestError, match=r"^value must be (finite|a number)"):
        trial.report(1, value)
    assert trial.report(1, 0.5) is False  # nothing was sent: the trial takes reports


def test_a_missing_bound_is_said_to_be_required(client: Client, name: str):
    with pytest.raises(BadRequestError, match="high is required") as error:
        client.create_study(name, {"x": {"type": "float", "low": 0.0}})
    assert error.value.status == 422 and "x" in error.value.errors["space"]


def test_client_reads_optimizer_url(live_server: str, monkeypatch):
    monkeypatch.setenv("OPTIMIZER_URL", live_server + "/")
    with Client() as client:
        assert client.url == live_server
        client.list_studies()
    monkeypatch.delenv("OPTIMIZER_URL")
    assert Client("http://example.invalid:1").url == "http://example.invalid:1"


def test_a_wrong_base_url_is_told_apart_from_an_unknown_study(live_server: str):
    with Client(live_server + "/api", retries=0) as wrong, Client(live_server) as right:
        with pytest.raises(NotFoundError) as route:
            wrong.get_study(1)
        with pytest.raises(NotFoundError) as study:
            right.get_study(2**40)
    assert route.value.problem["type"].endswith("/unknown-route")
    assert "/v1/" in str(route.value)
    assert study.value.problem["type"].endswith("/not-found")
