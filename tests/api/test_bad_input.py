"""Malformed requests get a 4xx problem+json naming the field, and change nothing stored."""

from __future__ import annotations

import json

import pytest

from ..contract import validate

SPACE = {"x": {"type": "float", "low": 0, "high": 1}, "c": {"type": "categorical",
                                                            "choices": ["a", "b"]}}


@pytest.fixture
def study(http):
    r = http.post("/v1/studies", json={"name": "s", "space": SPACE, "seed": 1})
    assert r.status_code == 201
    sid = r.json["id"]
    trial = http.post(f"/v1/studies/{sid}/suggest", json={"count": 1}).json["trials"][0]
    done = http.post(f"/v1/studies/{sid}/suggest", json={"count": 1}).json["trials"][0]
    assert http.post(f"/v1/studies/{sid}/observe",
                     json={"trial_id": done["id"], "value": 0.5}).status_code == 200
    return {"id": sid, "running": trial["id"], "done": done["id"]}


def snapshot(http):
    """Everything stored, as the API shows it."""
    studies = http.get("/v1/studies").json["studies"]
    trials = {s["id"]: http.get(f"/v1/studies/{s['id']}/trials").json for s in studies}
    return json.dumps([studies, trials], sort_keys=True)


def _bad(study):
    sid, run, done = study["id"], study["running"], study["done"]
    obs, sug = f"/v1/studies/{sid}/observe", f"/v1/studies/{sid}/suggest"
    j = "application/json"
    space = {"x": {"type": "float", "low": 0, "high": 1}}
    bo = {"name": "t", "space": space, "algorithm": "bayesian"}  # warm start needs it
    return [
        # (name, method, path, raw body, content type, expected status, field named)
        ("bad json", "POST", sug, b"{count: 1", j, 400, None),
        ("json array", "POST", sug, b"[1, 2]", j, 400, None),
        ("not json content type", "POST", sug, b"count=1", "text/plain", 415, None),
        ("NaN literal", "POST", obs, b'{"trial_id": %d, "value": NaN}' % run, j, 400, None),
        ("Infinity literal", "POST", obs, b'{"trial_id": %d, "value": -Infinity}' % run, j, 400,
         None),
        ("huge number", "POST", obs, b'{"trial_id": %d, "value": 1e999}' % run, j, 422, "value"),
        ("bad utf-8", "POST", sug, b'{"worker_id": "\xff\xfe"}', j, 400, None),
        ("count as string", "POST", sug, {"count": "2"}, j, 422, "count"),
        ("count zero", "POST", sug, {"count": 0}, j, 422, "count"),
        ("count bool", "POST", sug, {"count": True}, j, 422, "count"),
        ("unknown suggest field", "POST", sug, {"cnt": 1}, j, 422, "cnt"),
        ("value as string", "POST", obs, {"trial_id": run, "value": "0.5"}, j, 422, "value"),
        ("value missing", "POST", obs, {"trial_id": run}, j, 422, "value"),
        ("step negative", "POST", obs, {"trial_id": run, "value": 1, "step": -1}, j, 422, "step"),
        ("step float", "POST", obs, {"trial_id": run, "value": 1, "step": 1.5}, j, 422, "step"),
        ("failed false", "POST", obs, {"trial_id": run, "failed": False}, j, 422, "failed"),
        ("failed with value", "POST", obs, {"trial_id": run, "failed": True, "value": 1}, j, 422,
         "value"),
        ("unknown trial", "POST", obs, {"trial_id": 99999, "value": 1}, j, 404, "trial_id"),
        ("second final value", "POST", obs, {"trial_id": done, "value": 0.7}, j, 409,
         "trial_id"),
        ("external out of space", "POST", obs, {"params": {"x": 2, "c": "a"}, "value": 1}, j,
         422, "params"),
        ("external unknown choice", "POST", obs, {"params": {"x": 0.5, "c": "z"}, "value": 1}, j,
         422, "params"),
        ("external missing param", "POST", obs, {"params": {"x": 0.5}, "value": 1}, j, 422,
         "params"),
        ("unknown study suggest", "POST", "/v1/studies/999/suggest", {}, j, 404, None),
        ("unknown study get", "GET", "/v1/studies/999", None, None, 404, None),
        ("oversized body", "POST", sug, b'{"worker_id": "' + b"x" * (2 << 20) + b'"}', j, 413,
         None),
        ("study without space", "POST", "/v1/studies", {"name": "t"}, j, 422, "space"),
        ("low >= high", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "float", "low": 1, "high": 1}}}, j, 422, "space"),
        ("log with low <= 0", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "float", "low": 0, "high": 1, "log": True}}}, j, 422, "space"),
        ("step not dividing", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "int", "low": 0, "high": 10, "step": 3}}}, j, 422, "space"),
        ("duplicate choices", "POST", "/v1/studies", {"name": "t", "space": {
            "c": {"type": "categorical", "choices": [1, 1.0]}}}, j, 422, "space"),
        ("empty choices", "POST", "/v1/studies", {"name": "t", "space": {
            "c": {"type": "categorical", "choices": []}}}, j, 422, "space"),
        ("unknown type", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "complex", "low": 0, "high": 1}}}, j, 422, "space"),
        ("unknown param key", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "float", "low": 0, "high": 1, "scale": "log"}}}, j, 422, "space"),
        ("unknown algorithm", "POST", "/v1/studies", {"name": "t", "space": space,
                                                      "algorithm": "annealing"}, j, 422,
         "algorithm"),
        ("bad grid option", "POST", "/v1/studies", {"name": "t", "space": space, "algorithm": {
            "name": "grid", "options": {"grid_points": 0}}}, j, 422, "algorithm"),
        ("direction", "POST", "/v1/studies", {"name": "t", "space": space,
                                              "direction": "up"}, j, 422, "direction"),
        ("same name other definition", "POST", "/v1/studies", {"name": "s", "space": space}, j,
         409, "name"),
        ("max_trials zero", "POST", "/v1/studies", {"name": "t", "space": space,
                                                    "max_trials": 0}, j, 422, "max_trials"),
        ("unknown rule", "POST", "/v1/studies", {"name": "t", "space": space,
                                                 "early_stopping": {"rule": "x"}}, j, 422,
         "early_stopping"),
        ("warm_start unknown id", "POST", "/v1/studies", {**bo, "warm_start": {
            "studies": [99999]}}, j, 422, "warm_start.studies[0]"),
        ("warm_start unknown name", "POST", "/v1/studies", {**bo, "warm_start": {
            "studies": [sid, "no-such-study"]}}, j, 422, "warm_start.studies[1]"),
        ("warm_start same study twice", "POST", "/v1/studies", {**bo, "warm_start": {
            "studies": [sid, "s"]}}, j, 422, "warm_start.studies[1]"),
        ("warm_start six parents", "POST", "/v1/studies", {**bo, "warm_start": {
            "studies": [sid, 2, 3, 4, 5, 6]}}, j, 422, "warm_start.studies"),
        ("warm_start bool", "POST", "/v1/studies", {**bo, "warm_start": {
            "studies": [True]}}, j, 422, "warm_start.studies[0]"),
        ("warm_start a list", "POST", "/v1/studies", {**bo, "warm_start": [sid]}, j, 422,
         "warm_start"),
        ("warm_start of a random study", "POST", "/v1/studies", {
            **bo, "algorithm": "random", "warm_start": {"studies": [sid]}}, j, 422,
         "warm_start"),
        ("bad state filter", "GET", f"/v1/studies/{sid}/trials?state=done", None, None, 422,
         "state"),
        ("heartbeat finished trial", "POST", f"/v1/studies/{sid}/trials/{done}/heartbeat", {}, j,
         409, None),
        ("idempotency key too long", "POST", sug, {}, j, 422, "Idempotency-Key"),
        # found by schemathesis against openapi.yaml
        ("id beyond 64 bits", "GET", "/v1/studies/99999999999999999999999999", None, None, 404,
         None),
        ("delete id beyond 64 bits", "DELETE", f"/v1/studies/{2**64}", None, None, 404, None),
        ("trial id beyond 64 bits", "POST", f"/v1/studies/{sid}/trials/{2**70}/heartbeat", {},
         j, 404, None),
        ("type is an object", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": {}, "choices": [1]}}}, j, 422, "space"),
        ("step too small", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "float", "low": 0, "high": 1, "step": 5e-324}}}, j, 422, "space"),
        ("infinite range", "POST", "/v1/studies", {"name": "t", "space": {
            "x": {"type": "float", "low": -1e308, "high": 1e308}}}, j, 422, "space"),
        ("lone surrogate", "POST", "/v1/studies", b'{"name": "\\ud800", "space": {}}', j, 400,
         None),
        ("NUL in a string", "POST", sug, b'{"worker_id": "a\\u0000b"}', j, 400, None),
        # queued trials
        ("enqueue out of space", "POST", f"/v1/studies/{sid}/trials", {"params": {"x": 2}}, j,
         422, "params.x"),
        ("enqueue unknown param", "POST", f"/v1/studies/{sid}/trials",
         {"params": [{"x": 0.1}, {"zz": 1}]}, j, 422, "params[1].zz"),
        ("enqueue bad choice", "POST", f"/v1/studies/{sid}/trials",
         {"params": [{"c": "a"}, {"c": "q"}]}, j, 422, "params[1].c"),
        ("enqueue no params", "POST", f"/v1/studies/{sid}/trials", {}, j, 422, "params"),
        ("enqueue params a number", "POST", f"/v1/studies/{sid}/trials", {"params": 3}, j, 422,
         "params"),
        ("enqueue nothing", "POST", f"/v1/studies/{sid}/trials", {"params": []}, j, 422,
         "params"),
        ("enqueue user_attrs a list", "POST", f"/v1/studies/{sid}/trials",
         {"params": {"x": 0.1}, "user_attrs": [1]}, j, 422, "user_attrs"),
        ("enqueue huge user_attrs", "POST", f"/v1/studies/{sid}/trials",
         {"params": {"x": 0.1}, "user_attrs": {"a": "x" * 20000}}, j, 422, "user_attrs"),
        ("cancel a running trial", "DELETE", f"/v1/studies/{sid}/trials/{run}", None, None, 409,
         "trial_id"),
        ("cancel an unknown trial", "DELETE", f"/v1/studies/{sid}/trials/99999", None, None, 404,
         "trial_id"),
        # PATCH and user_attrs
        ("patch the space", "PATCH", f"/v1/studies/{sid}", {"space": space, "max_trials": 3}, j,
         422, "space"),
        ("patch the direction", "PATCH", f"/v1/studies/{sid}", {"direction": "maximize"}, j,
         422, "direction"),
        ("patch an unknown field", "PATCH", f"/v1/studies/{sid}", {"colour": "red"}, j, 422,
         "colour"),
        ("patch max_trials zero", "PATCH", f"/v1/studies/{sid}", {"max_trials": 0}, j, 422,
         "max_trials"),
        ("patch an empty name", "PATCH", f"/v1/studies/{sid}", {"name": ""}, j, 422, "name"),
        ("patch metadata a list", "PATCH", f"/v1/studies/{sid}", {"metadata": [1]}, j, 422,
         "metadata"),
        ("patch huge metadata", "PATCH", f"/v1/studies/{sid}",
         {"metadata": {"a": "x" * 70_000}}, j, 422, "metadata"),
        ("patch an unknown study", "PATCH", "/v1/studies/999", {"max_trials": 3}, j, 404, None),
        ("create with metadata a string", "POST", "/v1/studies", {"name": "t", "space": space,
         "metadata": "x"}, j, 422, "metadata"),
        ("observe user_attrs a list", "POST", obs, {"trial_id": run, "value": 1,
                                                    "user_attrs": [1]}, j, 422, "user_attrs"),
        ("observe huge user_attrs", "POST", obs, {"trial_id": run, "value": 1,
         "user_attrs": {"a": "x" * 20_000}}, j, 422, "user_attrs"),
        # the change feed
        ("changes bad cursor", "GET", f"/v1/studies/{sid}/changes?since=abc", None, None, 422,
         "since"),
        ("changes negative cursor", "GET", f"/v1/studies/{sid}/changes?since=-5", None, None,
         422, "since"),
        ("changes limit zero", "GET", f"/v1/studies/{sid}/changes?limit=0", None, None, 422,
         "limit"),
        ("changes wait too long", "GET", f"/v1/studies/{sid}/changes?wait=600", None, None,
         422, "wait"),
        # import
        ("import not a document", "POST", "/v1/studies/import", {"name": "t"}, j, 422,
         "format"),
        ("import a later version", "POST", "/v1/studies/import",
         {"format": "optimizer-api/study", "version": 2}, j, 422, "version"),
        ("import without a study", "POST", "/v1/studies/import",
         {"format": "optimizer-api/study", "version": 1, "trials": []}, j, 422, "study"),
        ("import an empty name", "POST", "/v1/studies/import?name=", {}, j, 422, "name"),
        ("export an unknown study", "GET", "/v1/studies/999/export", None, None, 404, None),
        ("initial trial out of space", "POST", "/v1/studies", {"name": "t", "space": space,
         "initial_trials": [{"x": 0.5}, {"x": 5}]}, j, 422, "initial_trials[1].x"),
    ]


def test_at_least_twenty_distinct_malformed_requests_are_rejected_cleanly(http, study):
    cases = _bad(study)
    assert len(cases) >= 20
    before = snapshot(http)
    for name, method, path, body, ctype, status, field in cases:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body)
        headers = {"Idempotency-Key": "k" * 300} if "idempotency" in name else {}
        r = http.open(path, method=method, data=data, content_type=ctype, headers=headers)
        assert r.status_code == status, (name, r.status_code, r.data[:300])
        assert r.mimetype == "application/problem+json", name
        problem = r.get_json()
        assert problem["status"] == status and problem["title"] and problem["detail"], name
        if field is not None:
            assert field in problem.get("errors", {}), (name, problem)
        validate(method, path.split("?")[0], status, r.content_type, problem)
        assert snapshot(http) == before, f"{name} changed the store"


def test_unknown_route_and_method_are_problems(http):
    r = http.get("/v2/nothing")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    r = http.put("/v1/studies")
    assert r.status_code == 405 and r.mimetype == "application/problem+json"
    assert "POST" in r.headers["Allow"]
