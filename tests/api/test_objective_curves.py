"""Intermediate values about any objective of a study of several, over HTTP on SQLite and
PostgreSQL: each objective keeps its own curve, the early-stopping rule judges the one
its `objective` names (in that objective's direction) and no other, and every way a
trial is read (one trial, the list, the CSV, the change feed, export and import) shows
which objective a value is about. Answers are checked against openapi.yaml."""

from __future__ import annotations

import csv
import io

import pytest

from optimizer_api import create_app

from .test_objectives import SPACE, TWO, get, post

OBSERVE = "/v1/studies/{}/observe"


@pytest.fixture
def http(db_url):
    app = create_app({"DATABASE_URL": db_url})
    yield app.test_client()
    app.extensions["optimizer"].store.dispose()


def make(http, name="curves", **spec) -> int:
    r = post(http, "/v1/studies", {"name": name, "space": SPACE, "objectives": TWO,
                                   "seed": 1, **spec})
    assert r.status_code == 201, r.json
    return r.json["id"]


def report(http, sid, trial_id, step, value, objective=None):
    body = {"trial_id": trial_id, "step": step, "value": value}
    if objective is not None:
        body["objective"] = objective
    r = post(http, OBSERVE.format(sid), body)
    assert r.status_code == 200, r.json
    return r.json


def suggest(http, sid) -> int:
    return post(http, f"/v1/studies/{sid}/suggest", {}).json["trials"][0]["id"]


def finish(http, sid, trial_id, loss, acc):
    r = post(http, OBSERVE.format(sid), {"trial_id": trial_id,
                                         "values": {"loss": loss, "acc": acc}})
    assert r.status_code == 200, r.json


def test_a_trial_keeps_one_curve_per_objective_and_shows_which(http):
    sid = make(http)
    tid = suggest(http, sid)
    report(http, sid, tid, 0, 0.9)  # the first objective, by default
    report(http, sid, tid, 1, 0.7, "loss")
    report(http, sid, tid, 0, 0.55, "acc")  # the same step, another objective
    report(http, sid, tid, 0, 0.55, "acc")  # a retry of the same report: nothing new
    again = post(http, OBSERVE.format(sid), {"trial_id": tid, "step": 0, "value": 0.6,
                                             "objective": "acc"})
    assert again.status_code == 409 and "step" in again.json["errors"]
    unknown = post(http, OBSERVE.format(sid), {"trial_id": tid, "step": 2, "value": 1,
                                               "objective": "f1"})
    assert unknown.status_code == 422 and list(unknown.json["errors"]) == ["objective"]
    expected = [{"objective": "loss", "step": 0, "value": 0.9},
                {"objective": "loss", "step": 1, "value": 0.7},
                {"objective": "acc", "step": 0, "value": 0.55}]
    assert get(http, f"/v1/studies/{sid}/trials/{tid}").json["intermediate_values"] == expected
    listed = get(http, f"/v1/studies/{sid}/trials").json["trials"]
    assert listed[0]["intermediate_values"] == expected
    feed = get(http, f"/v1/studies/{sid}/changes?since=0").json["trials"]
    assert feed[0]["intermediate_values"] == expected
    beat = post(http, f"/v1/studies/{sid}/trials/{tid}/heartbeat", {})
    assert beat.json["trial"]["intermediate_values"] == expected
    curves = get(http, f"/v1/studies/{sid}/curves").json["trials"]
    assert curves[0]["intermediate_values"] == expected
    finish(http, sid, tid, 0.6, 0.6)
    exported = http.get(f"/v1/studies/{sid}/trials", headers={"Accept": "text/csv"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows[0]["values_acc"] == "0.6"


def test_the_rule_judges_the_objective_it_names_in_its_direction(http):
    # acc is maximized: 0.3 is below the bound and stops; were the rule judging loss
    # (minimized), 0.3 would be below a bound of 0.5 and fine, and 5.0 would stop.
    sid = make(http, early_stopping={"rule": "threshold", "bound": 0.5, "objective": "acc"})
    assert get(http, f"/v1/studies/{sid}").json["early_stopping"]["objective"] == "acc"
    tid = suggest(http, sid)
    assert report(http, sid, tid, 0, 5.0)["should_stop"] is False  # loss: not judged
    assert report(http, sid, tid, 1, 9.0, "loss")["should_stop"] is False
    assert report(http, sid, tid, 0, 0.9, "acc")["should_stop"] is False
    stop = report(http, sid, tid, 1, 0.3, "acc")
    assert stop["should_stop"] is True and "below the bound" in stop["trial"]["reason"]


def test_by_default_the_rule_judges_the_first_objective_only(http):
    sid = make(http, early_stopping={"rule": "threshold", "bound": 0.5})
    assert "objective" not in get(http, f"/v1/studies/{sid}").json["early_stopping"]
    tid = suggest(http, sid)
    assert report(http, sid, tid, 0, 0.01, "acc")["should_stop"] is False  # not judged
    assert report(http, sid, tid, 0, 0.4)["should_stop"] is False  # loss below 0.5: fine
    assert report(http, sid, tid, 1, 0.6, "loss")["should_stop"] is True


def test_the_median_rule_compares_the_judged_objective_of_other_trials_only(http):
    """Three completed trials reached acc 0.9 and loss 0.1 at every step. A fourth at acc
    0.85 is worse than the median (acc is maximized): it stops. A summary that mixed in
    the loss curves (mean 0.5) or judged in loss's direction would let it go on."""
    sid = make(http, early_stopping={"rule": "median", "objective": "acc", "min_steps": 1})
    for _ in range(3):
        tid = suggest(http, sid)
        for step in range(4):
            report(http, sid, tid, step, 0.1, "loss")
            report(http, sid, tid, step, 0.9, "acc")
        finish(http, sid, tid, 0.1, 0.9)
    tid = suggest(http, sid)
    for step in range(4):
        assert report(http, sid, tid, step, 50.0, "loss")["should_stop"] is False
    assert report(http, sid, tid, 0, 0.85, "acc")["should_stop"] is False  # grace step
    stop = report(http, sid, tid, 1, 0.85, "acc")
    assert stop["should_stop"] is True, stop["trial"]
    pruned = post(http, OBSERVE.format(sid), {"trial_id": tid, "pruned": True}).json["trial"]
    assert pruned["state"] == "pruned" and pruned["value"] == 50.0  # the first objective's


def test_a_faster_trial_at_acc_goes_on_under_the_median_rule(http):
    """The counterpart: a trial as good as the others in acc goes on, whatever its loss."""
    sid = make(http, early_stopping={"rule": "median", "objective": "acc", "min_steps": 1,
                                     "min_trials": 1})
    tid = suggest(http, sid)
    for step in range(3):
        report(http, sid, tid, step, 0.1, "loss")
        report(http, sid, tid, step, 0.5, "acc")
    finish(http, sid, tid, 0.1, 0.5)
    tid = suggest(http, sid)
    for step in range(3):
        assert report(http, sid, tid, step, 0.9, "acc")["should_stop"] is False
        assert report(http, sid, tid, step, 99.0, "loss")["should_stop"] is False


def test_the_judged_objective_must_be_one_the_study_declares(http):
    bad = post(http, "/v1/studies", {"name": "bad", "space": SPACE, "objectives": TWO,
                                     "early_stopping": {"rule": "median", "objective": "f1"}})
    assert bad.status_code == 422
    assert list(bad.json["errors"]) == ["early_stopping.objective"]
    single = post(http, "/v1/studies", {"name": "one", "space": SPACE,
                                        "early_stopping": {"rule": "median",
                                                           "objective": "loss"}})
    assert single.status_code == 422
    assert list(single.json["errors"]) == ["early_stopping.objective"]
    ok = post(http, "/v1/studies", {"name": "one", "space": SPACE,
                                    "early_stopping": {"rule": "median", "objective": "value"}})
    assert ok.status_code == 201
    assert get(http, "/v1/studies").json["total"] == 1  # the bad ones stored nothing


def test_naming_the_first_objective_is_the_same_definition_as_leaving_it_out(http):
    sid = make(http, name="same", early_stopping={"rule": "median"})
    again = post(http, "/v1/studies", {"name": "same", "space": SPACE, "objectives": TWO,
                                       "seed": 1, "early_stopping": {"rule": "median",
                                                                     "objective": "loss"}})
    assert (again.status_code, again.json["id"]) == (200, sid)
    other = post(http, "/v1/studies", {"name": "same", "space": SPACE, "objectives": TWO,
                                       "seed": 1, "early_stopping": {"rule": "median",
                                                                     "objective": "acc"}})
    assert other.status_code == 409


def test_export_and_import_keep_each_objectives_curve(http):
    sid = make(http, early_stopping={"rule": "median", "objective": "acc"})
    tid = suggest(http, sid)
    report(http, sid, tid, 0, 0.9)
    report(http, sid, tid, 0, 0.2, "acc")
    report(http, sid, tid, 3, 0.4, "acc")
    finish(http, sid, tid, 0.8, 0.4)
    doc = get(http, f"/v1/studies/{sid}/export").json
    [trial] = doc["trials"]
    assert trial["intermediate_values"] == [[0, 0.9]]
    assert trial["objective_intermediate_values"] == {"acc": [[0, 0.2], [3, 0.4]]}
    made = post(http, "/v1/studies/import?name=copy", doc)
    assert made.status_code == 201, made.json
    copy = made.json["id"]
    shown = get(http, f"/v1/studies/{copy}/trials").json["trials"][0]["intermediate_values"]
    assert [(p["objective"], p["step"]) for p in shown] == [("loss", 0), ("acc", 0),
                                                            ("acc", 3)]
    again = get(http, f"/v1/studies/{copy}/export").json
    assert again["trials"] == doc["trials"]
    assert again["study"]["definition"]["early_stopping"]["objective"] == "acc"
    bad = dict(doc, trials=[dict(trial, objective_intermediate_values={"loss": [[0, 1.0]],
                                                                       "f1": [[0, 1.0]]})])
    refused = post(http, "/v1/studies/import?name=bad", bad)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {
        "trials[0].objective_intermediate_values.loss",
        "trials[0].objective_intermediate_values.f1"}
