"""Export and import: a study goes from SQLite to PostgreSQL (and back) and exports the
same document again; a bad document is refused naming what is wrong, storing nothing."""

from __future__ import annotations

import copy
import json

import pytest

from optimizer_api.domain import Owner
from optimizer_api.errors import Conflict, InvalidRequest
from optimizer_api.service import Failed, Final, Intermediate, Pruned, Service
from optimizer_api.store import Store

from ..conftest import sqlite_url

ME = Owner("me")
SPACE = {"lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
         "layers": {"type": "int", "low": 1, "high": 4},
         "act": {"type": "categorical", "choices": ["relu", "tanh"]}}


@pytest.fixture
def service():
    """service(url): a Service on a prepared store, disposed after the test."""
    made: list[Store] = []

    def make(url: str) -> Service:
        store = Store(url)
        store.prepare()
        made.append(store)
        return Service(store)

    yield make
    for store in made:
        store.dispose()


def a_study(svc: Service) -> int:
    """A Bayesian study with every kind of trial, curves, notes and a sampler state."""
    view = svc.create_study(ME, {
        "name": "src", "space": SPACE, "algorithm": "bayesian", "max_trials": 40, "seed": 3,
        "early_stopping": {"rule": "median"}, "description": "d", "metadata": {"k": [1, 2]},
        "initial_trials": [{"lr": 0.01, "layers": 2, "act": "relu"}]}).view
    sid = view.study.id
    for i in range(14):
        t = svc.suggest(ME, sid, worker_id=f"w{i}").trials[0]
        for step in range(3):
            svc.observe(ME, sid, Intermediate(t.id, step, 1.0 / (step + 1 + i)))
        kind = i % 4
        if kind == 0:
            svc.observe(ME, sid, Failed(t.id, "oom"))
        elif kind == 1:
            svc.observe(ME, sid, Pruned(t.id))
        elif kind == 2:
            svc.observe(ME, sid, Final(t.id, 0.1 * i, user_attrs={"i": i}))
    svc.enqueue(ME, sid, [{"layers": 3}, {"lr": 0.05, "layers": 1, "act": "tanh"}])
    svc.cancel(ME, sid, svc.trials(ME, sid, states=["queued"]).trials[-1].id)
    svc.update_study(ME, sid, {"max_trials": 50})
    return sid


def without_name(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["study"].pop("name")
    doc["study"]["definition"].pop("name")
    return doc


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back_exports_the_same_document(service, tmp_path, pg_url):
    lite, pg = service(sqlite_url(tmp_path / "a.db")), service(pg_url)
    doc = lite.export_study(ME, a_study(lite))
    assert {t["state"] for t in doc["trials"]} == {
        "running", "completed", "pruned", "failed", "queued", "cancelled"}
    json.dumps(doc, allow_nan=False)  # one JSON document
    moved = pg.import_study(ME, doc).view
    assert moved.study.name == "src"
    again = pg.export_study(ME, moved.study.id)
    assert again == doc  # exact: every field of every trial, curves, notes, counters
    back = lite.import_study(ME, again, name="src-back").view.study
    assert without_name(lite.export_study(ME, back.id)) == without_name(doc)
    # the imported study goes on where it was
    assert pg.get_study(ME, moved.study.id).counts == lite.get_study(ME, back.id).counts
    t = pg.suggest(ME, moved.study.id).trials[0]
    assert t.info["source"] == "queued" and t.params["layers"] == 3


def test_objective_and_constraint_values_go_and_come_back(service, db_url, tmp_path):
    src = service(sqlite_url(tmp_path / "mo.db"))
    sid = src.create_study(ME, {
        "name": "mo", "space": SPACE, "algorithm": "random", "seed": 1,
        "objectives": [{"name": "acc", "direction": "maximize"},
                       {"name": "ms", "direction": "minimize"}],
        "constraints": [{"name": "mb", "op": "<=", "bound": 10}]}).view.study.id
    for i in range(4):
        t = src.suggest(ME, sid).trials[0]
        src.observe(ME, sid, Final(t.id, None, values={"acc": 0.5 + i / 10, "ms": 9.0 - i},
                                   constraints={"mb": 4.0 * i}))
    doc = src.export_study(ME, sid)
    assert [t["constraint_values"] for t in doc["trials"]] == [[0.0], [4.0], [8.0], [12.0]]
    assert doc["trials"][1]["values"] == [0.6, 8.0]
    dst = service(db_url)
    moved = dst.import_study(ME, doc).view.study.id
    assert dst.export_study(ME, moved) == doc
    front = dst.pareto(ME, moved)
    assert sorted(t.number for t in front.trials) == [2]  # 3 breaks the memory bound
    bad = copy.deepcopy(doc)
    bad["study"]["name"] = "mo-bad"
    bad["trials"][0]["values"] = [1.0]
    bad["trials"][1]["constraint_values"] = [float("nan")]
    with pytest.raises(InvalidRequest) as err:
        dst.import_study(ME, bad)
    assert {"trials[0].values", "trials[1].constraint_values"} <= set(err.value.errors)


def test_an_existing_name_is_a_409_unless_renamed(service, db_url):
    svc = service(db_url)
    doc = svc.export_study(ME, a_study(svc))
    with pytest.raises(Conflict) as taken:
        svc.import_study(ME, doc)
    assert "name" in taken.value.errors
    copy_id = svc.import_study(ME, doc, name="copy").view.study.id
    assert svc.get_study(ME, copy_id).study.name == "copy"
    # the copy's definition is the original's: create with it (under the new name) loads it
    spec = {**doc["study"]["given"], "name": "copy", "max_trials": 50}
    assert svc.create_study(ME, spec).view.study.id == copy_id


def _mutations(doc):
    def change(path, value):
        bad = copy.deepcopy(doc)
        target = bad
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return bad

    return [
        (change(["format"], "optuna"), "format"),
        (change(["version"], 2), "version"),
        (change(["study"], []), "study"),
        (change(["study", "definition", "space"], {"x": {"type": "float", "low": 1, "high": 0}}),
         "study.definition.space"),
        (change(["study", "definition", "algorithm"], "annealing"), "study.definition.algorithm"),
        (change(["study", "seed"], -1), "study.seed"),
        (change(["study", "definition"], "AAA"), "study.definition"),
        (change(["study", "definition", "max_trials"], "9"), "study.definition.max_trials"),
        (change(["study", "definition", "direction"], None), "study.definition.direction"),
        (change(["study", "given"], [1]), "study.given"),
        (change(["trials", 0, "state"], {}), "trials[0].state"),
        (change(["study", "next_number"], 3), "trials[3].number"),
        (change(["study", "metadata"], {"a": "x" * 70_000}), "study.metadata"),
        (change(["study", "colour"], 1), "study.colour"),
        (change(["trials"], {}), "trials"),
        (change(["trials", 0, "state"], "done"), "trials[0].state"),
        (change(["trials", 1, "number"], 0), "trials[1].number"),
        (change(["trials", 0, "params", "lr"], 7.0), "trials[0].params.lr"),
        (change(["trials", 2, "params"], {"lr": 0.01}), "trials[2].params.layers"),
        (change(["trials", 0, "value"], "1"), "trials[0].value"),
        (change(["trials", 0, "created_at"], KeyError), "trials[0].created_at"),
        (change(["trials", 0, "intermediate_values"], [[0, 1.0], [0, 2.0]]),
         "trials[0].intermediate_values[1]"),
        (change(["trials", 0, "user_attrs"], [1]), "trials[0].user_attrs"),
    ]


def test_a_bad_document_names_what_is_wrong_and_stores_nothing(service, db_url):
    svc = service(db_url)
    doc = svc.export_study(ME, a_study(svc))
    before = svc.list_studies(ME)[1]
    for bad, path in _mutations(doc):
        with pytest.raises(InvalidRequest) as err:
            svc.import_study(ME, bad, name="new")
        assert path in err.value.errors, (path, err.value.errors)
    assert svc.list_studies(ME)[1] == before
