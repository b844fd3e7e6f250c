"""Editing studies (rename, criteria, description, metadata) and trials' user_attrs, on
each store; what may not change is refused naming the field, and nothing is stored."""

from __future__ import annotations

import pytest

from optimizer_api.domain import Owner
from optimizer_api.errors import Conflict, InvalidRequest
from optimizer_api.service import External, Failed, Final, Intermediate, Service
from optimizer_api.store import Store

ME = Owner("me")
SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
SPEC = {"name": "s", "space": SPACE, "max_trials": 2}


@pytest.fixture
def svc(db_url):
    store = Store(db_url)
    store.prepare()
    yield Service(store)
    store.dispose()


def test_criteria_name_and_notes_change_and_either_definition_still_loads_it(svc):
    view = svc.create_study(ME, {**SPEC, "description": "first", "metadata": {"team": "a"}}).view
    sid = view.study.id
    assert view.study.description == "first" and view.study.metadata == {"team": "a"}
    svc.suggest(ME, sid, count=2)
    assert svc.suggest(ME, sid).trials == []  # max_trials 2 reached
    view = svc.update_study(ME, sid, {"max_trials": 3, "description": "more",
                                      "metadata": {"team": "b", "ticket": 7}})
    assert view.study.definition["max_trials"] == 3 and view.status == "running"
    assert len(svc.suggest(ME, sid).trials) == 1
    # a worker started with the definition as first given joins, as does the edited one
    assert svc.create_study(ME, SPEC).view.study.id == sid
    assert svc.create_study(ME, {**SPEC, "max_trials": 3}).view.study.id == sid
    with pytest.raises(Conflict):
        svc.create_study(ME, {**SPEC, "max_trials": 9})
    renamed = svc.update_study(ME, sid, {"name": "s2"}).study
    assert renamed.name == "s2" and svc.get_study(ME, sid).study.metadata == {
        "team": "b", "ticket": 7}
    assert svc.create_study(ME, {**SPEC, "name": "s2", "max_trials": 3}).view.study.id == sid
    assert svc.create_study(ME, SPEC).view.study.id != sid  # the old name is free again


def test_what_defines_the_search_cannot_change_and_nothing_is_stored(svc):
    sid = svc.create_study(ME, SPEC).view.study.id
    svc.create_study(ME, {**SPEC, "name": "other"})
    before = svc.get_study(ME, sid).study
    for field, value in (("space", {"y": {"type": "int", "low": 0, "high": 2}}),
                         ("algorithm", "grid"), ("direction", "maximize"), ("seed", 3)):
        with pytest.raises(InvalidRequest) as bad:
            svc.update_study(ME, sid, {field: value, "max_trials": 5})
        assert field in bad.value.errors
    with pytest.raises(Conflict) as taken:
        svc.update_study(ME, sid, {"name": "other", "max_trials": 5})
    assert "name" in taken.value.errors
    with pytest.raises(InvalidRequest) as big:
        svc.update_study(ME, sid, {"metadata": {"a": "x" * 70_000}})
    assert "metadata" in big.value.errors
    assert svc.get_study(ME, sid).study == before


def test_user_attrs_are_set_at_observe_merged_and_bounded(svc):
    sid = svc.create_study(ME, SPEC).view.study.id
    t = svc.suggest(ME, sid).trials[0]
    svc.observe(ME, sid, Intermediate(t.id, 0, 0.5, user_attrs={"gpu": "a100", "tmp": 1}))
    done = svc.observe(ME, sid, Final(t.id, 0.25, user_attrs={"tmp": None, "log": "s3://x"}))
    assert done.trial.user_attrs == {"gpu": "a100", "log": "s3://x"}
    assert svc.trial(ME, sid, t.id).user_attrs == {"gpu": "a100", "log": "s3://x"}
    ext = svc.observe(ME, sid, External({"x": 0.3}, 1.0, user_attrs={"from": "paper"}))
    assert ext.trial.user_attrs == {"from": "paper"}
    u = svc.suggest(ME, sid).trials
    assert u == []  # max_trials: 2 with results
    svc.update_study(ME, sid, {"max_trials": 4})
    u = svc.suggest(ME, sid).trials[0]
    with pytest.raises(InvalidRequest) as big:
        svc.observe(ME, sid, Failed(u.id, "oom", user_attrs={"dump": "x" * 20_000}))
    assert "user_attrs" in big.value.errors
    assert svc.trial(ME, sid, u.id).state.value == "running"  # nothing stored
