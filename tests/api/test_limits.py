"""Every request's cost is bounded: bodies (chunked too), nesting, number sizes, pages,
suggest work, curve lengths; and the contract and the code agree on what is valid."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import insert

from optimizer_api.api import body
from optimizer_api.service import observe
from optimizer_api.store import tables

from ..contract import validate

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
HUGE = int("9" * 401)


def problem_of(r, status: int, method: str, path: str) -> dict:
    assert r.status_code == status, r.data[:300]
    assert r.mimetype == "application/problem+json"
    validate(method, path, status, r.content_type, r.json)
    return r.json


def chunked(http, path: str, payload: bytes):
    environ = {"wsgi.input_terminated": True}
    return http.post(path, input_stream=io.BytesIO(payload), environ_overrides=environ,
                     headers={"Transfer-Encoding": "chunked",
                              "Content-Type": "application/json"})


def test_a_chunked_body_over_the_limit_is_a_413_not_a_cut_body(http):
    big = json.dumps({"name": "c", "space": SPACE, "algorithm": "x" * (2 << 20)}).encode()
    problem_of(chunked(http, "/v1/studies", big), 413, "POST", "/v1/studies")
    assert http.get("/v1/studies").json["total"] == 0
    small = json.dumps({"name": "c", "space": SPACE}).encode()
    assert chunked(http, "/v1/studies", small).status_code == 201


@pytest.mark.parametrize("depth", [40, 10_000])
def test_deeply_nested_json_is_a_400(http, depth):
    payload = b'{"name": "n", "space": ' + b"[" * depth + b"]" * depth + b"}"
    r = http.post("/v1/studies", data=payload, content_type="application/json")
    problem = problem_of(r, 400, "POST", "/v1/studies")
    assert f"more than {body.MAX_DEPTH} levels" in problem["detail"]
    if depth == 40:  # parsed, then measured: the field is named
        assert any(k.startswith("space[0]") for k in problem["errors"])


@pytest.mark.parametrize(("definition", "field"), [
    ({"space": {"x": {"type": "float", "low": 0, "high": HUGE}}}, "space.x.high"),
    ({"space": {"c": {"type": "categorical", "choices": [1, HUGE]}}}, "space.c.choices[1]"),
    ({"space": SPACE, "early_stopping": {"rule": "threshold", "bound": HUGE}},
     "early_stopping.bound"),
    ({"space": SPACE, "algorithm": {"name": "bayesian", "options": {"beta": HUGE}}},
     "algorithm.options.beta"),
])
def test_an_integer_beyond_a_double_is_a_422_naming_the_field(http, definition, field):
    r = http.post("/v1/studies", json={"name": "h", **definition})
    assert field in problem_of(r, 422, "POST", "/v1/studies")["errors"]


def test_big_integers_in_a_query_filter_are_a_422_too(http):
    sid = http.post("/v1/studies", json={"name": "q", "space": SPACE}).json["id"]
    r = http.get(f"/v1/studies/{sid}/trials", query_string={
        "params": json.dumps({"x": {"max": HUGE}})})
    assert "params" in problem_of(r, 422, "GET", f"/v1/studies/{sid}/trials")["errors"]


def test_whole_floats_are_integers_as_the_contract_says(http):
    sid = http.post("/v1/studies", json={"name": "f", "space": SPACE,
                                         "max_trials": 5.0}).json["id"]
    r = http.post(f"/v1/studies/{sid}/suggest", json={"count": 2.0})
    assert r.status_code == 200 and len(r.json["trials"]) == 2
    tid = r.json["trials"][0]["id"]
    r = http.post(f"/v1/studies/{sid}/observe", json={"trial_id": float(tid), "value": 1,
                                                      "step": 3.0})
    assert r.status_code == 200
    r = http.post(f"/v1/studies/{sid}/suggest", json={"count": 2.5})
    assert "count" in problem_of(r, 422, "POST", f"/v1/studies/{sid}/suggest")["errors"]


def test_an_empty_parameter_name_is_invalid_in_the_contract_and_the_code(http):
    from jsonschema import Draft202012Validator

    from ..contract import spec

    schemas = spec()["components"]["schemas"]
    space = {"": {"type": "float", "low": 0, "high": 1}}
    assert not Draft202012Validator(schemas["Space"]).is_valid({"": {}})
    r = http.post("/v1/studies", json={"name": "e", "space": space})
    assert "space" in problem_of(r, 422, "POST", "/v1/studies")["errors"]


def test_studies_come_in_capped_pages(http):
    for i in range(5):
        http.post("/v1/studies", json={"name": f"p{i}", "space": SPACE})
    page = http.get("/v1/studies?limit=2&offset=2").json
    assert [s["name"] for s in page["studies"]] == ["p2", "p3"]
    assert (page["total"], page["limit"], page["offset"], page["next_offset"]) == (5, 2, 2, 4)
    assert http.get("/v1/studies?offset=4").json["next_offset"] is None
    validate("GET", "/v1/studies", 200, "application/json", page)
    problem_of(http.get("/v1/studies?limit=1001"), 422, "GET", "/v1/studies")


def seed_curves(app, sid: int, trials: int, steps: int, params: str) -> None:
    """Completed trials with these params and curves, straight into the store."""
    store = app.extensions["optimizer"].store
    with store.write() as conn:
        ids = [conn.execute(insert(tables.trials).values(
            study_id=sid, number=n, state="completed", params=params, value=1.0,
            external=False, created_at=0.0, finished_at=1.0)).inserted_primary_key[0]
            for n in range(trials)]
        conn.execute(insert(tables.intermediate_values), [
            {"trial_id": t, "step": s, "value": 0.5} for t in ids for s in range(steps)])


def test_a_page_of_trials_stops_before_its_json_gets_too_big(app, http):
    long = "v" * 100_000  # a categorical choice may be that long
    space = {"c": {"type": "categorical", "choices": [long]}}
    sid = http.post("/v1/studies", json={"name": "big", "space": space}).json["id"]
    # 100 trials of ~0.1 MB params and a 500-step curve (20 kB): ~12 MB in all
    seed_curves(app, sid, trials=100, steps=500, params=json.dumps({"c": long}))
    first = http.get(f"/v1/studies/{sid}/trials?limit=100")
    page = first.json
    assert 50 < len(page["trials"]) < 100 and page["total"] == 100
    assert len(first.data) < 9 * 2**20
    assert page["next_offset"] == len(page["trials"])
    rest = http.get(f"/v1/studies/{sid}/trials?limit=100&offset={page['next_offset']}").json
    numbers = [t["number"] for t in page["trials"] + rest["trials"]]
    assert numbers == list(range(len(numbers)))  # no gap, no repeat
    validate("GET", f"/v1/studies/{sid}/trials", 200, "application/json", page)


def test_a_trial_keeps_a_bounded_curve(app, http):
    sid = http.post("/v1/studies", json={"name": "long", "space": SPACE}).json["id"]
    tid = http.post(f"/v1/studies/{sid}/suggest").json["trials"][0]["id"]
    store = app.extensions["optimizer"].store
    with store.write() as conn:
        conn.execute(insert(tables.intermediate_values), [
            {"trial_id": tid, "step": s, "value": 0.5} for s in range(observe.MAX_INTERMEDIATE)])
    r = http.post(f"/v1/studies/{sid}/observe", json={"trial_id": tid, "value": 1,
                                                      "step": observe.MAX_INTERMEDIATE})
    assert "step" in problem_of(r, 422, "POST", f"/v1/studies/{sid}/observe")["errors"]


def test_bayesian_suggest_work_is_capped_by_count_times_dimensions(http):
    space = {f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(256)}
    sid = http.post("/v1/studies", json={"name": "wide", "space": space,
                                         "algorithm": "bayesian"}).json["id"]
    r = http.post(f"/v1/studies/{sid}/suggest", json={"count": 100})
    problem = problem_of(r, 422, "POST", f"/v1/studies/{sid}/suggest")
    assert "at most 3" in problem["errors"]["count"][0]
    assert len(http.post(f"/v1/studies/{sid}/suggest", json={"count": 3}).json["trials"]) == 3
