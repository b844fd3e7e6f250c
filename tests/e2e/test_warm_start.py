"""Warm start end to end: a study learns from earlier ones, through gunicorn and the client."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from optimizer_client import Client

from ..conftest import sqlite_url

SPACE = {"x": {"type": "float", "low": -5, "high": 5}, "y": {"type": "float", "low": -5, "high": 5}}


def parent_value(p):
    return (p["x"] - 1.5) ** 2 + (p["y"] + 2.0) ** 2


def run_parent(client, n=20, direction="minimize", sign=1.0):
    parent = client.create_study(f"parent-{uuid.uuid4().hex[:8]}", SPACE, direction=direction,
                                 algorithm="bayesian", max_trials=n, seed=1)
    while (trial := parent.suggest()) is not None:
        trial.complete(sign * parent_value(trial.params))
    return parent


@pytest.mark.e2e
def test_a_child_study_starts_from_its_parents_best_and_shows_its_parents(api_client):
    # The parent maximizes -f; the child minimizes a shifted, scaled, offset f on a
    # narrower x range and with a parameter of its own.
    parent = run_parent(api_client, direction="maximize", sign=-1.0)
    best = parent.best()
    space = {"x": {"type": "float", "low": -2, "high": 4}, "y": SPACE["y"],
             "z": {"type": "categorical", "choices": ["a", "b"]}}
    name = f"child-{uuid.uuid4().hex[:8]}"
    child = api_client.create_study(name, space, algorithm="bayesian", max_trials=12, seed=2,
                                    warm_start={"studies": [parent.name]})
    assert child.data["warm_start"] == {"studies": [parent.id]}  # by name, shown by id
    again = api_client.create_study(name, space, algorithm="bayesian", max_trials=12, seed=2,
                                    warm_start={"studies": [parent.name]})
    assert again.id == child.id  # the same definition: the same study
    values = []
    while (trial := child.suggest()) is not None:
        p = trial.params
        if trial.number == 0:  # the parents' best opens the study
            assert trial.info == {"source": "warm_start"}
            assert p["x"] == pytest.approx(best.params["x"])
            assert p["y"] == pytest.approx(best.params["y"])
        elif trial.number >= 3:
            assert trial.info["source"] == "model"
        value = 3.0 * ((p["x"] - 1.2) ** 2 + (p["y"] + 1.8) ** 2) + 5.0 + (p["z"] == "b")
        values.append(value)
        trial.complete(value)
    data = api_client.get_study(child.id).data
    assert data["trial_counts"]["completed"] == 12  # the parent's trials are not the child's
    assert data["status"] == "completed"
    assert min(values) < 5.5  # near the child's optimum (5.0) within 12 trials
    assert api_client.get_study(parent.id).data["trial_counts"]["completed"] == 20


@pytest.mark.e2e
def test_a_parent_of_another_owner_is_not_found_and_nothing_is_stored(gunicorn_factory,
                                                                       tmp_path):
    from optimizer_api.service import Tokens
    from optimizer_api.store import Store

    url = sqlite_url(tmp_path / "owners.db")
    store = Store(url)
    tokens = Tokens(store, time.time)
    alice, bob = (tokens.create(who, "write")[0] for who in ("alice", "bob"))
    admin = tokens.create("root", "admin")[0]
    store.dispose()
    server = gunicorn_factory(url, workers=2, OPTIMIZER_AUTH="on")
    with Client(server.url, token=alice) as client:
        parent = run_parent(client, n=4)
    body = {"name": "child", "space": SPACE, "algorithm": "bayesian",
            "warm_start": {"studies": [parent.id]}}
    for ref in (parent.id, parent.name):  # bob sees neither alice's id nor her names
        body["warm_start"] = {"studies": [ref]}
        r = requests.post(f"{server.url}/v1/studies", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {bob}"})
        assert r.status_code == 422, r.text
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert "warm_start.studies[0]" in r.json()["errors"]
    with Client(server.url, token=bob) as client:
        assert client.list_studies() == []  # nothing stored
    with Client(server.url, token=admin) as client:  # an admin sees every owner's study
        child = client.create_study("child", SPACE, algorithm="bayesian",
                                    warm_start={"studies": [parent.id]})
        assert child.data["warm_start"] == {"studies": [parent.id]}
        assert child.suggest().info == {"source": "warm_start"}
