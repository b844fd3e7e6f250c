"""A conditional space end to end: the client against gunicorn (the session's
`live_server`), from creation to the best trial, importance and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from optimizer_client import BadRequestError, Client

SPACE = {
    "family": {"type": "categorical", "choices": ["linear", "tree", "knn"]},
    "alpha": {"type": "float", "low": 1e-4, "high": 10.0, "log": True,
              "when": {"family": ["linear"]}},
    "depth": {"type": "int", "low": 1, "high": 8, "when": {"family": ["tree"]}},
    "pruning": {"type": "categorical", "choices": ["none", "cost"],
                "when": {"family": ["tree"]}},
    "ccp": {"type": "float", "low": 0.0, "high": 0.1, "when": {"pruning": ["cost"]}},
    "k": {"type": "int", "low": 1, "high": 25, "when": {"family": ["knn"]}},
}


def active(params: dict) -> set[str]:
    names = {"family"}
    names |= {"linear": {"alpha"}, "tree": {"depth", "pruning"}, "knn": {"k"}}[params["family"]]
    if params.get("pruning") == "cost":
        names.add("ccp")
    return names


def loss(params: dict) -> float:
    if params["family"] == "tree":
        return 0.1 + abs(params["depth"] - 5) / 10 + (params.get("ccp", 0.05) - 0.02) ** 2
    if params["family"] == "knn":
        return 0.3 + abs(params["k"] - 7) / 50
    return 0.5


@pytest.mark.parametrize("algorithm", ["bayesian", "quasi-random", "grid"])
def test_a_conditional_study_through_the_client(client: Client, name: str, algorithm: str):
    options = {"n_initial": 5} if algorithm == "bayesian" else {}
    study = client.create_study(name, SPACE, algorithm={"name": algorithm, "options": options},
                                seed=4, max_trials=14)
    assert study.data["space"] == {
        n: ({**s, "low": float(s["low"]), "high": float(s["high"])}
            if s["type"] == "float" else s) for n, s in SPACE.items()}

    def objective(trial) -> float:
        assert set(trial.params) == active(trial.params), trial.params
        return loss(trial.params)

    done = study.optimize(objective, n_trials=14, n_workers=2)
    assert len(done) == 14 and {t.state for t in done} == {"completed"}
    trials = study.trials()
    assert all(set(t.params) == active(t.params) for t in trials)
    assert len({t.params["family"] for t in trials}) >= 2
    assert study.best().value == min(t.value for t in trials)
    imp = client.request("GET", f"/v1/studies/{study.id}/importance")
    assert set(imp["importances"]) == set(SPACE)
    text = requests.get(f"{client.url}/v1/studies/{study.id}/trials",
                        headers={"Accept": "text/csv"}, timeout=10).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 14
    for row in rows:
        present = {n for n in SPACE if row[f"params_{n}"] != ""}
        assert present == active({"family": row["params_family"],
                                  "pruning": row["params_pruning"] or None})


def test_bad_conditions_and_bad_external_params_name_the_parameter(client: Client, name: str):
    bad = {**SPACE, "k": {**SPACE["k"], "when": {"family": ["svm"]}}}
    with pytest.raises(BadRequestError) as caught:
        client.create_study(name, bad)
    assert caught.value.status == 422
    assert "k" in caught.value.problem["errors"]["space"]
    assert client.find_study(name) is None  # nothing stored
    study = client.create_study(name, SPACE)
    with pytest.raises(BadRequestError) as caught:
        study.observe({"family": "knn", "k": 5, "depth": 3}, 0.4)
    assert list(caught.value.problem["errors"]["params"]) == ["depth"]
    with pytest.raises(BadRequestError) as caught:
        study.observe({"family": "tree", "depth": 3, "pruning": "cost"}, 0.4)
    assert list(caught.value.problem["errors"]["params"]) == ["ccp"]
    assert study.trials() == []
    trial = study.observe({"family": "tree", "depth": 3, "pruning": "none"}, 0.4)
    assert trial.params == {"family": "tree", "depth": 3, "pruning": "none"}
