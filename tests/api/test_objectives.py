"""Several objectives and constraints over HTTP: the definition, reports, what trials,
/best, /pareto and the CSV show, and bad input (a 4xx naming the field, nothing stored)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ..contract import validate
from .test_bad_input import snapshot

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
TWO = [{"name": "loss", "direction": "minimize"}, {"name": "acc", "direction": "maximize"}]
MEM = [{"name": "mem", "op": "<=", "bound": 4}]


def checked(response, method: str, path: str):
    validate(method, path.split("?")[0], response.status_code, response.content_type,
             response.get_json())
    return response


def post(http, path, body):
    return checked(http.post(path, json=body), "POST", path)


def get(http, path, **kw):
    return checked(http.get(path, **kw), "GET", path)


@pytest.fixture
def study(http):
    r = post(http, "/v1/studies", {"name": "mo", "space": SPACE, "objectives": TWO,
                                   "constraints": MEM, "seed": 1})
    assert r.status_code == 201, r.json
    assert r.json["objectives"] == TWO and r.json["constraints"][0]["bound"] == 4.0
    return r.json["id"]


def finish(http, sid, loss, acc, mem):
    trial = post(http, f"/v1/studies/{sid}/suggest", {}).json["trials"][0]
    r = post(http, f"/v1/studies/{sid}/observe", {
        "trial_id": trial["id"], "values": {"loss": loss, "acc": acc}, "constraints": {"mem": mem}})
    assert r.status_code == 200, r.json
    return r.json["trial"]


def test_trials_show_their_values_constraints_and_feasibility(http, study):
    done = finish(http, study, 0.2, 0.9, 5)
    assert done["values"] == {"loss": 0.2, "acc": 0.9} and done["value"] == 0.2
    assert done["constraints"] == {"mem": 5.0} and done["feasible"] is False
    running = post(http, f"/v1/studies/{study}/suggest", {}).json["trials"][0]
    assert (running["values"], running["constraints"], running["feasible"]) == (None,) * 3
    listed = get(http, f"/v1/studies/{study}/trials").json["trials"]
    assert listed[0]["values"] == done["values"] and listed[0]["feasible"] is False
    assert get(http, f"/v1/studies/{study}/trials/{running['id']}").json["feasible"] is None
    assert get(http, f"/v1/studies/{study}/history").json["trials"][0]["values"] == done["values"]
    r = http.get(f"/v1/studies/{study}/trials", headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(r.data.decode())))
    assert rows[0]["values_loss"] == "0.2" and rows[0]["values_acc"] == "0.9"
    assert rows[0]["constraints_mem"] == "5.0" and rows[0]["feasible"] == "false"
    assert rows[1]["values_loss"] == "" and rows[1]["feasible"] == ""


def test_pareto_returns_the_feasible_front_and_its_hypervolume(http, study):
    a = finish(http, study, 0.1, 0.5, 1)   # on the front
    b = finish(http, study, 0.3, 0.8, 2)   # on the front
    finish(http, study, 0.4, 0.6, 3)       # dominated by b
    finish(http, study, 0.0, 0.9, 9)       # would dominate all, but infeasible
    front = get(http, f"/v1/studies/{study}/pareto").json
    assert [t["id"] for t in front["trials"]] == [a["id"], b["id"]]
    assert front["n_candidates"] == 3 and front["reference_point_given"] is False
    given = get(http, f"/v1/studies/{study}/pareto?ref=1,0").json
    # (1 - 0.1) * 0.5 + (1 - 0.3) * (0.8 - 0.5): the area a and b dominate up to (1, 0).
    assert given["hypervolume"] == pytest.approx(0.9 * 0.5 + 0.7 * 0.3)
    assert given["reference_point"] == [1.0, 0.0] and given["reference_point_given"]
    r = get(http, f"/v1/studies/{study}/best")
    assert r.status_code == 409 and "pareto" in r.json["detail"]


def test_a_single_objective_study_is_unchanged_on_the_wire(http):
    sid = post(http, "/v1/studies", {"name": "one", "space": SPACE}).json["id"]
    trial = post(http, f"/v1/studies/{sid}/suggest", {}).json["trials"][0]
    done = post(http, f"/v1/studies/{sid}/observe", {"trial_id": trial["id"], "value": 0.5})
    assert not {"values", "constraints", "feasible"} & set(done.json["trial"])
    study = get(http, f"/v1/studies/{sid}").json
    assert "objectives" not in study and "constraints" not in study
    # the objective named as the default names it
    trial = post(http, f"/v1/studies/{sid}/suggest", {}).json["trials"][0]
    r = post(http, f"/v1/studies/{sid}/observe", {"trial_id": trial["id"],
                                                  "values": {"value": 0.25}})
    assert r.status_code == 200 and r.json["trial"]["value"] == 0.25
    assert get(http, f"/v1/studies/{sid}/best").json["trial"]["value"] == 0.25
    front = get(http, f"/v1/studies/{sid}/pareto").json
    assert [t["value"] for t in front["trials"]] == [0.25]


def test_direction_and_the_one_default_objective_are_the_same_definition(http):
    first = post(http, "/v1/studies", {"name": "same", "space": SPACE, "direction": "maximize"})
    again = post(http, "/v1/studies", {"name": "same", "space": SPACE, "objectives": [
        {"name": "value", "direction": "maximize"}]})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    other = post(http, "/v1/studies", {"name": "same", "space": SPACE, "objectives": [
        {"name": "score", "direction": "maximize"}]})
    assert other.status_code == 409


def test_a_named_single_objective_with_a_constraint_takes_value_or_values(http):
    sid = post(http, "/v1/studies", {"name": "named", "space": SPACE, "constraints": MEM,
                                     "objectives": [{"name": "score", "direction": "maximize"}]}
               ).json["id"]
    for body, mem in (({"value": 0.9}, 7), ({"values": {"score": 0.5}}, 3)):
        trial = post(http, f"/v1/studies/{sid}/suggest", {}).json["trials"][0]
        r = post(http, f"/v1/studies/{sid}/observe",
                 {"trial_id": trial["id"], **body, "constraints": {"mem": mem}})
        assert r.status_code == 200, r.json
    best = get(http, f"/v1/studies/{sid}/best").json["trial"]
    assert best["values"] == {"score": 0.5} and best["feasible"] is True  # 0.9 is infeasible


def _bad(http, sid, running):
    obs, create = f"/v1/studies/{sid}/observe", "/v1/studies"
    return [
        # (name, method, path, body, status, field named)
        ("unknown objective", "POST", obs, {"trial_id": running, "values": {
            "loss": 1, "acc": 1, "f1": 1}, "constraints": {"mem": 1}}, 422, "values.f1"),
        ("missing objective", "POST", obs, {"trial_id": running, "values": {"loss": 1},
                                            "constraints": {"mem": 1}}, 422, "values.acc"),
        ("missing constraint", "POST", obs, {"trial_id": running, "values": {
            "loss": 1, "acc": 1}}, 422, "constraints.mem"),
        ("unknown constraint", "POST", obs, {"trial_id": running, "values": {
            "loss": 1, "acc": 1}, "constraints": {"mem": 1, "gpu": 2}}, 422, "constraints.gpu"),
        ("value for two objectives", "POST", obs, {"trial_id": running, "value": 1,
                                                   "constraints": {"mem": 1}}, 422, "value"),
        ("value and values", "POST", obs, {"trial_id": running, "value": 1, "values": {
            "loss": 1, "acc": 1}, "constraints": {"mem": 1}}, 422, "value"),
        ("value not a number", "POST", obs, {"trial_id": running, "values": {
            "loss": "1", "acc": 1}, "constraints": {"mem": 1}}, 422, "values"),
        ("values on an intermediate", "POST", obs, {"trial_id": running, "value": 1, "step": 0,
                                                    "values": {"loss": 1}}, 422, "values"),
        ("intermediate of no objective", "POST", obs, {"trial_id": running, "value": 1,
                                                       "step": 0, "objective": "f1"}, 422,
         "objective"),
        ("early stopping of no objective", "POST", create, {
            "name": "t", "space": SPACE, "objectives": TWO,
            "early_stopping": {"rule": "median", "objective": "f1"}}, 422,
         "early_stopping.objective"),
        ("external missing constraint", "POST", obs, {"params": {"x": 0.5}, "values": {
            "loss": 1, "acc": 1}}, 422, "constraints.mem"),
        ("pareto ref of one number", "GET", f"/v1/studies/{sid}/pareto?ref=1", None, 422, "ref"),
        ("pareto ref not numbers", "GET", f"/v1/studies/{sid}/pareto?ref=a,b", None, 422, "ref"),
        ("pareto ref infinite", "GET", f"/v1/studies/{sid}/pareto?ref=1,inf", None, 422, "ref"),
        ("direction and objectives", "POST", create, {"name": "t", "space": SPACE,
                                                      "direction": "minimize",
                                                      "objectives": TWO}, 422, "objectives"),
        ("five objectives", "POST", create, {"name": "t", "space": SPACE, "objectives": [
            {"name": f"o{i}"} for i in range(5)]}, 422, "objectives"),
        ("objective named twice", "POST", create, {"name": "t", "space": SPACE, "objectives": [
            {"name": "a"}, {"name": "a"}]}, 422, "objectives"),
        ("objective direction", "POST", create, {"name": "t", "space": SPACE, "objectives": [
            {"name": "a", "direction": "up"}]}, 422, "objectives[0].direction"),
        ("objective without name", "POST", create, {"name": "t", "space": SPACE, "objectives": [
            {"direction": "minimize"}]}, 422, "objectives[0].name"),
        ("constraint op", "POST", create, {"name": "t", "space": SPACE, "constraints": [
            {"name": "m", "op": "<", "bound": 1}]}, 422, "constraints[0].op"),
        ("constraint bound", "POST", create, {"name": "t", "space": SPACE, "constraints": [
            {"name": "m", "op": "<=", "bound": "1"}]}, 422, "constraints[0].bound"),
        ("constraint unknown field", "POST", create, {"name": "t", "space": SPACE, "constraints": [
            {"name": "m", "op": "<=", "bound": 1, "hard": True}]}, 422, "constraints[0].hard"),
        ("target_value of two objectives", "POST", create, {"name": "t", "space": SPACE,
                                                            "objectives": TWO,
                                                            "target_value": 1}, 422,
         "target_value"),
    ]


def test_bad_input_is_a_4xx_naming_the_field_and_changes_nothing(http, study):
    running = post(http, f"/v1/studies/{study}/suggest", {}).json["trials"][0]["id"]
    finish(http, study, 0.1, 0.5, 1)
    before = snapshot(http)
    for name, method, path, body, status, field in _bad(http, study, running):
        data = None if body is None else json.dumps(body)
        r = http.open(path, method=method, data=data, content_type="application/json")
        assert r.status_code == status, (name, r.status_code, r.data[:300])
        assert r.mimetype == "application/problem+json", name
        assert field in r.get_json().get("errors", {}), (name, r.get_json())
        checked(r, method, path)
        assert snapshot(http) == before, f"{name} changed the store"
