"""History, curves, sorted and filtered pages and CSV export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest

from optimizer_api import create_app

SPACE = {
    "x": {"type": "float", "low": 0, "high": 1},
    "n": {"type": "int", "low": 1, "high": 100, "log": True},
    "o": {"type": "categorical", "choices": ["a", 'b"q', True, 3]},
}


@pytest.fixture
def study(db_url):
    """A maximized study of 40 trials: 24 completed, 8 pruned, 4 failed, 4 running."""
    app = create_app({"DATABASE_URL": db_url})
    http = app.test_client()
    sid = http.post("/v1/studies", json={"name": "e", "space": SPACE, "seed": 5,
                                         "direction": "maximize"}).json["id"]
    trials = http.post(f"/v1/studies/{sid}/suggest", json={"count": 40}).json["trials"]
    for i, t in enumerate(trials):
        observe = f"/v1/studies/{sid}/observe"
        for step in range(3):
            http.post(observe, json={"trial_id": t["id"], "value": step * 0.1, "step": step})
        if i < 24:
            http.post(observe, json={"trial_id": t["id"], "value": float(i)})
        elif i < 32:
            http.post(observe, json={"trial_id": t["id"], "pruned": True})
        elif i < 36:
            http.post(observe, json={"trial_id": t["id"], "failed": True})
    yield http, sid, trials
    app.extensions["optimizer"].store.dispose()


def test_history_keeps_best_changes_and_top_trials_within_the_limit(study):
    http, sid, _ = study
    whole = http.get(f"/v1/studies/{sid}/history").json
    assert whole["total"] == 36 and len(whole["trials"]) == 36
    assert {t["state"] for t in whole["trials"]} == {"completed", "pruned", "failed"}
    some = http.get(f"/v1/studies/{sid}/history?limit=10").json
    numbers = [t["number"] for t in some["trials"]]
    assert some["total"] == 36 and len(numbers) == 10 and numbers == sorted(numbers)
    assert 23 in numbers  # the best (maximize: value 23)
    assert set(some["trials"][0]) == {"id", "number", "state", "value", "params", "finished_at"}


def test_curves_are_bounded_and_carry_intermediate_values(study):
    http, sid, _ = study
    found = http.get(f"/v1/studies/{sid}/curves?limit=8").json
    assert found["total"] == 40 and len(found["trials"]) == 8
    assert all(len(t["intermediate_values"]) == 3 for t in found["trials"])
    states = [t["state"] for t in found["trials"]]
    assert "running" in states and 23 in [t["number"] for t in found["trials"]]


def test_trials_sort_and_filter_by_params_on_the_server(study):
    http, sid, _ = study
    page = http.get(f"/v1/studies/{sid}/trials?sort=-value&state=completed&limit=5").json
    assert page["total"] == 24 and [t["value"] for t in page["trials"]] == [23, 22, 21, 20, 19]
    every = http.get(f"/v1/studies/{sid}/trials").json["trials"]
    cases = [
        ({"x": {"min": 0.25, "max": 0.75}}, lambda p: 0.25 <= p["x"] <= 0.75),
        ({"n": {"max": 10}}, lambda p: p["n"] <= 10),
        ({"o": {"in": ["a", True]}}, lambda p: p["o"] == "a" or p["o"] is True),
        ({"o": {"in": ['b"q', 3.0]}},
         lambda p: p["o"] == 'b"q' or (p["o"] == 3 and not isinstance(p["o"], bool))),
        ({"o": {"in": []}}, lambda p: False),
    ]
    for spec, keep in cases:
        url = f"/v1/studies/{sid}/trials?params={quote(json.dumps(spec))}"
        found = http.get(url).json
        expected = sorted(t["number"] for t in every if keep(t["params"]))
        assert sorted(t["number"] for t in found["trials"]) == expected, spec
        assert found["total"] == len(expected)


@pytest.mark.parametrize("params, field", [
    ('{"zz": {"min": 1}}', "params.zz"),
    ('{"o": {"in": ["nope"]}}', "params.o"),
    ('{"o": {"min": 1}}', "params.o"),
    ('{"x": {"min": "a"}}', "params.x"),
    ('{"x": {}}', "params.x"),
    ('[1]', "params"),
    ('{"x": ', "params"),
])
def test_bad_filters_are_422s_naming_the_field(study, params, field):
    http, sid, _ = study
    r = http.get(f"/v1/studies/{sid}/trials?params={quote(params)}")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert field in r.json["errors"]


def test_csv_export_has_a_column_per_param_and_every_matching_trial(study):
    http, sid, _ = study
    r = http.get(f"/v1/studies/{sid}/trials?limit=1&state=completed&state=pruned",
                 headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.data.decode())))
    assert len(rows) == 32  # limit does not apply to an export
    assert list(rows[0])[:7] == ["number", "id", "state", "value", "params_x", "params_n",
                                 "params_o"]
    every = {t["number"]: t for t in http.get(f"/v1/studies/{sid}/trials").json["trials"]}
    for row in rows:
        t = every[int(row["number"])]
        assert json.loads(row["value"]) == t["value"] and row["state"] == t["state"]
        assert float(row["params_x"]) == t["params"]["x"]
        o = row["params_o"]
        assert (o if isinstance(t["params"]["o"], str) else json.loads(o)) == t["params"]["o"]


def test_importance_follows_the_direction(study):
    http, sid, _ = study
    found = http.get(f"/v1/studies/{sid}/importance").json
    assert found["method"] == "ped-anova" and found["n_trials"] == 24
    assert list(found["importances"]) == ["x", "n", "o"]
    assert abs(sum(found["importances"].values()) - 1) < 1e-9


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_importance_ranks_the_parameter_that_sets_the_best_apart_first(tmp_path, direction):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/i.db"})
    http = app.test_client()
    sid = http.post("/v1/studies", json={"name": "i", "space": SPACE, "seed": 2,
                                         "direction": direction}).json["id"]
    sign = 1 if direction == "minimize" else -1
    for t in http.post(f"/v1/studies/{sid}/suggest", json={"count": 100}).json["trials"]:
        value = sign * (t["params"]["x"] - 0.3) ** 2  # only x matters; best at x = 0.3
        http.post(f"/v1/studies/{sid}/observe", json={"trial_id": t["id"], "value": value})
    shares = http.get(f"/v1/studies/{sid}/importance").json["importances"]
    assert max(shares, key=shares.get) == "x" and shares["x"] > 0.6


def test_study_shows_its_last_activity(study):
    http, sid, _ = study
    view = http.get(f"/v1/studies/{sid}").json
    assert view["last_activity_at"] >= view["created_at"]
    empty = http.post("/v1/studies", json={"name": "empty", "space": SPACE}).json
    assert empty["last_activity_at"] is None


def test_unknown_study_is_a_404_everywhere(study):
    http, _, _ = study
    for path in ("history", "curves", "trials", "importance"):
        r = http.get(f"/v1/studies/999999/{path}")
        assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert http.get("/v1/studies/999999/trials", headers={"Accept": "text/csv"}).status_code == 404


def test_after_pages_by_number_from_a_trial_on_and_says_where_to_go_on(study):
    http, sid, trials = study
    seen, after = [], None
    while True:
        page = http.get(f"/v1/studies/{sid}/trials?limit=7"
                        + (f"&after={after}" if after is not None else "")).json
        seen += [t["number"] for t in page["trials"]]
        assert page["next_offset"] is None or after is None
        after = page["next_after"]
        if after is None:
            break
    assert seen == [t["number"] for t in trials]  # each once, in order, curves included
    done = http.get(f"/v1/studies/{sid}/trials?state=completed&after=20&limit=100").json
    assert [t["number"] for t in done["trials"]] == [21, 22, 23]
    assert done["total"] == 24 and done["next_after"] is None
    assert all(len(t["intermediate_values"]) == 3 for t in done["trials"])


@pytest.mark.parametrize("query", ["after=3&offset=2", "after=3&sort=-value", "after=x"])
def test_after_mixes_with_no_offset_and_no_other_sort(study, query):
    http, sid, _ = study
    r = http.get(f"/v1/studies/{sid}/trials?{query}")
    assert r.status_code == 422 and "after" in r.json["errors"]
