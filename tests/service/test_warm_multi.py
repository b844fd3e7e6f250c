"""Warm start of a study of several objectives or with constraints, on each store: the
parents' outcomes reach its model by objective and constraint name (negated where the
directions differ, NaN where the parent has none of that name); a parent that shares no
name informs nothing, and the study starts as a cold one does."""

from __future__ import annotations

import math

from optimizer_api.service import External, warm
from optimizer_api.space import Space

from .test_service_contract import ME, clock, make, svc  # noqa: F401 - fixtures

PARENT = [{"name": "acc", "direction": "maximize"}, {"name": "loss", "direction": "minimize"}]


def _result(svc, sid, x, values=None, value=None, constraints=None):  # noqa: F811
    svc.observe(ME, sid, External({"x": x, "k": 2}, value, values, constraints))


def _prior(svc, sid):  # noqa: F811
    with svc.store.read() as conn:
        study = svc.study(ME, sid)
        return warm.prior_trials(conn, study, Space.from_dict(study.definition["space"]))


def same(a, b) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def test_outcomes_reach_the_model_by_name(svc):  # noqa: F811
    several = make(svc, "several", objectives=PARENT,
                   constraints=[{"name": "mem", "op": "<=", "bound": 4}])
    _result(svc, several, 0.5, {"acc": 0.9, "loss": 0.2}, constraints={"mem": 3})
    single = make(svc, "single", direction="maximize")
    _result(svc, single, -0.5, value=0.7)
    child = make(svc, "child", algorithm="bayesian", warm_start={"studies": [several, single]},
                 objectives=[{"name": "loss"}, {"name": "acc"}],  # acc minimized here
                 constraints=[{"name": "mem", "op": ">=", "bound": 1},
                              {"name": "gpu", "op": "<=", "bound": 2}])
    by_study = {t.study_id: t for t in _prior(svc, child)}
    assert same(by_study[several].values, (0.2, -0.9))  # acc negated: directions differ
    assert same(by_study[several].constraint_values, (3.0, math.nan))  # raw; no gpu
    assert same(by_study[single].values, (math.nan, math.nan))  # its one is named "value"
    assert same(by_study[single].constraint_values, (math.nan, math.nan))
    first = svc.suggest(ME, child).trials[0]
    assert first.info == {"source": "warm_start"} and first.params["x"] == 0.5


def test_a_parent_that_shares_no_objective_name_informs_nothing(svc):  # noqa: F811
    parent = make(svc, "parent", objectives=PARENT)
    for i in range(5):
        _result(svc, parent, -0.8 + 0.3 * i, {"acc": 0.5 + 0.1 * i, "loss": 0.3})
    cold = make(svc, "cold", algorithm={"name": "bayesian", "options": {"n_initial": 4}},
                objectives=[{"name": "f1"}, {"name": "f2"}], seed=5)
    warmed = make(svc, "warmed", algorithm={"name": "bayesian", "options": {"n_initial": 4}},
                  objectives=[{"name": "f1"}, {"name": "f2"}], seed=5,
                  warm_start={"studies": ["parent"]})
    assert all(same(t.values, (math.nan, math.nan)) for t in _prior(svc, warmed))
    got = [svc.suggest(ME, sid, count=4).trials for sid in (cold, warmed)]
    assert [t.params for t in got[0]] == [t.params for t in got[1]]
    assert {t.info["source"] for t in got[1]} == {"initial_design"}  # 4, not the warm 3


def test_a_study_of_one_objective_takes_each_parents_first_objective_as_before(svc):  # noqa: F811
    parent = make(svc, "parent", objectives=PARENT)
    _result(svc, parent, 0.25, {"acc": 0.9, "loss": 0.2})
    child = make(svc, "child", algorithm="bayesian", direction="minimize",
                 warm_start={"studies": [parent]})
    [t] = _prior(svc, child)
    assert t.value == -0.9 and t.values is None  # acc, negated into minimize
