"""Conditional spaces through the API: bad conditions and bad external params are 422s
naming the parameter and store nothing; every sampler suggests exactly the active ones."""

from __future__ import annotations

import json

import pytest

from ..contract import validate
from ..space.test_conditional import NESTED, expected_active

CAT = {"type": "categorical", "choices": ["sgd", "adam"]}
FLOAT = {"type": "float", "low": 0, "high": 1}


def _studies(http):
    return json.dumps(http.get("/v1/studies").json, sort_keys=True)


@pytest.mark.parametrize("space, name, reason", [
    ({"opt": CAT, "momentum": {**FLOAT, "when": {"optimiser": ["sgd"]}}}, "momentum",
     "unknown parameter 'optimiser'"),
    ({"opt": CAT, "lr": FLOAT, "momentum": {**FLOAT, "when": {"lr": [0.5]}}}, "momentum",
     "'lr' is not categorical"),
    ({"opt": CAT, "momentum": {**FLOAT, "when": {"opt": ["rmsprop"]}}}, "momentum",
     "must be one of ['sgd', 'adam'], got 'rmsprop'"),
    ({"a": {**CAT, "when": {"b": ["sgd"]}}, "b": {**CAT, "when": {"a": ["adam"]}}}, "b",
     "cycle b -> a -> b"),
])
def test_bad_conditions_are_422s_naming_the_parameter(http, space, name, reason):
    before = _studies(http)
    r = http.post("/v1/studies", json={"name": "c", "space": space})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert any(reason in m for m in r.json["errors"]["space"][name]), r.json
    assert name in r.json["detail"]
    validate("POST", "/v1/studies", 422, r.content_type, r.json)
    assert _studies(http) == before


@pytest.mark.parametrize("algorithm", ["random", "quasi-random", "bayesian", "grid"])
def test_suggestions_carry_exactly_the_active_parameters(http, algorithm):
    options = {"n_initial": 4} if algorithm == "bayesian" else {"grid_points": 1}
    if algorithm in ("random", "quasi-random"):
        options = {}
    r = http.post("/v1/studies", json={"name": algorithm, "space": NESTED, "seed": 5,
                                       "algorithm": {"name": algorithm, "options": options}})
    assert r.status_code == 201, r.json
    sid, seen = r.json["id"], set()
    for _ in range(6):
        r = http.post(f"/v1/studies/{sid}/suggest", json={"count": 2})
        assert r.status_code == 200, r.json
        validate("POST", "/v1/studies/{id}/suggest", 200, r.content_type, r.json)
        for trial in r.json["trials"]:
            params = trial["params"]
            assert set(params) == expected_active(params), params
            seen.add(params["optimizer"])
            value = params["lr"] + params.get("momentum", 0) - params.get("beta1", 0)
            assert http.post(f"/v1/studies/{sid}/observe",
                             json={"trial_id": trial["id"], "value": value}).status_code == 200
    assert len(seen) >= 2  # more than one branch was visited


def test_a_grid_study_runs_through_exactly_the_valid_combinations(http):
    r = http.post("/v1/studies", json={"name": "g", "space": NESTED, "algorithm": {
        "name": "grid", "options": {"grid_points": 2}}})
    sid = r.json["id"]
    got = []
    while True:
        r = http.post(f"/v1/studies/{sid}/suggest", json={"count": 7})
        if not r.json["trials"]:
            break
        got += [t["params"] for t in r.json["trials"]]
    # lr 2 x (sgd: momentum 2 x (3 dampenings + 1) + adam: beta1 2 + none 1)
    assert len(got) == 2 * (2 * 4 + 2 + 1)
    assert len({json.dumps(p, sort_keys=True) for p in got}) == len(got)
    assert r.json["study_status"] in ("running", "completed")


def test_external_results_must_carry_exactly_the_active_parameters(http):
    sid = http.post("/v1/studies", json={"name": "e", "space": NESTED}).json["id"]
    obs = f"/v1/studies/{sid}/observe"
    ok = {"optimizer": "sgd", "momentum": 0.9, "nesterov": True, "dampening": 1, "lr": 0.01}
    before = json.dumps(http.get(f"/v1/studies/{sid}/trials").json, sort_keys=True)
    for params, name in [
        ({**ok, "beta1": 0.9}, "beta1"),                       # inactive but given
        ({k: v for k, v in ok.items() if k != "dampening"}, "dampening"),  # active, missing
        ({**ok, "optimizer": "adam", "beta1": 0.9}, "momentum"),  # sgd's params on adam
    ]:
        r = http.post(obs, json={"params": params, "value": 1.0})
        assert r.status_code == 422 and name in r.json["errors"]["params"], r.json
        validate("POST", "/v1/studies/{id}/observe", 422, r.content_type, r.json)
    assert json.dumps(http.get(f"/v1/studies/{sid}/trials").json, sort_keys=True) == before
    r = http.post(obs, json={"params": ok, "value": 1.0})
    assert r.status_code == 200 and r.json["trial"]["params"] == ok
    r = http.post(obs, json={"params": {"optimizer": "none", "lr": 0.5}, "value": 2.0})
    assert r.status_code == 200 and r.json["trial"]["params"] == {"optimizer": "none", "lr": 0.5}


def test_conditional_trials_on_both_stores_filter_and_export(db_url):
    from urllib.parse import quote

    from optimizer_api import create_app

    app = create_app({"DATABASE_URL": db_url})
    http = app.test_client()
    try:
        sid = http.post("/v1/studies", json={"name": "both", "space": NESTED, "seed": 2,
                                             "algorithm": {"name": "random"}}).json["id"]
        trials = http.post(f"/v1/studies/{sid}/suggest", json={"count": 30}).json["trials"]
        for t in trials:
            http.post(f"/v1/studies/{sid}/observe", json={"trial_id": t["id"], "value": 1.0})
        stored = http.get(f"/v1/studies/{sid}/trials?limit=100").json["trials"]
        assert {t["id"]: t["params"] for t in stored} == {t["id"]: t["params"] for t in trials}
        # a filter on a conditional parameter keeps only trials where it is active
        query = quote(json.dumps({"momentum": {"min": 0.0}}))
        found = http.get(f"/v1/studies/{sid}/trials?limit=100&params={query}").json["trials"]
        assert sorted(t["id"] for t in found) == sorted(
            t["id"] for t in trials if "momentum" in t["params"])
        assert 0 < len(found) < 30
        text = http.get(f"/v1/studies/{sid}/trials", headers={"Accept": "text/csv"}).text
        header, *rows = text.strip().splitlines()
        assert len(rows) == 30 and "params_dampening" in header
    finally:
        app.extensions["optimizer"].store.dispose()
