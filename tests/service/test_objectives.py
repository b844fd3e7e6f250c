"""Several objectives and constraints against each store (SQLite and PostgreSQL): what is
stored, the best feasible trial, the Pareto front, and what a sampler is given."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimizer_api.domain import Direction
from optimizer_api.errors import Conflict, InvalidRequest
from optimizer_api.service import External, Final, Intermediate
from optimizer_api.store import sql

from .test_service_contract import ME, clock, make, svc  # noqa: F401 - fixtures

TWO = [{"name": "loss", "direction": "minimize"}, {"name": "acc", "direction": "maximize"}]
MEM = [{"name": "mem", "op": "<=", "bound": 4}]


def finish(svc, sid, values=None, constraints=None, value=None):  # noqa: F811
    trial = svc.suggest(ME, sid).trials[0]
    return svc.observe(ME, sid, Final(trial.id, value, values, constraints)).trial


def test_values_and_constraints_are_stored_in_declared_order(svc):  # noqa: F811
    sid = make(svc, objectives=TWO, constraints=MEM)
    done = finish(svc, sid, {"acc": 0.9, "loss": 0.2}, {"mem": 5})
    stored = svc.trial(ME, sid, done.id)
    assert stored.values == (0.2, 0.9) and stored.value == 0.2
    assert stored.constraint_values == (5.0,)
    study = svc.study(ME, sid)
    assert not stored.feasible(study.constraints)
    assert svc.observe(ME, sid, Final(done.id, None, {"loss": 0.2, "acc": 0.9},
                                      {"mem": 5})).trial == stored  # a retry: no change
    with pytest.raises(Conflict):
        svc.observe(ME, sid, Final(done.id, None, {"loss": 0.1, "acc": 0.9}, {"mem": 5}))


@pytest.mark.parametrize(("values", "constraints", "field"), [
    ({"loss": 1.0}, {"mem": 1}, "values.acc"),
    ({"loss": 1.0, "acc": 1.0, "f1": 2.0}, {"mem": 1}, "values.f1"),
    ({"loss": 1.0, "acc": 1.0}, {}, "constraints.mem"),
    ({"loss": 1.0, "acc": 1.0}, {"mem": 1, "gpu": 2}, "constraints.gpu"),
])
def test_a_final_result_names_what_is_missing_or_unknown_and_stores_nothing(
        svc, values, constraints, field):  # noqa: F811
    sid = make(svc, objectives=TWO, constraints=MEM)
    trial = svc.suggest(ME, sid).trials[0]
    with pytest.raises(InvalidRequest) as caught:
        svc.observe(ME, sid, Final(trial.id, None, values, constraints))
    assert field in caught.value.errors
    after = svc.trial(ME, sid, trial.id)
    assert after.state.value == "running" and after.values is None
    with pytest.raises(InvalidRequest) as caught:
        svc.observe(ME, sid, External({"x": 0.1, "k": 2}, None, values, constraints))
    assert field in caught.value.errors
    assert svc.get_study(ME, sid).counts["completed"] == 0


def test_the_best_trial_is_the_best_feasible_one(svc):  # noqa: F811
    sid = make(svc, direction="maximize", constraints=MEM, max_trials=20)
    rng = np.random.default_rng(3)
    made = [finish(svc, sid, value=float(v), constraints={"mem": float(m)})
            for v, m in zip(rng.uniform(0, 1, 12), rng.uniform(0, 8, 12), strict=True)]
    feasible = [t for t in made if t.constraint_values[0] <= 4]
    assert 0 < len(feasible) < len(made)
    best = svc.best(ME, sid)
    assert best.id == max(feasible, key=lambda t: t.value).id
    assert max(made, key=lambda t: t.value).value > best.value  # an infeasible one is better
    assert svc.get_study(ME, sid).best.id == best.id


def test_a_target_value_is_reached_by_a_feasible_trial_only(svc):  # noqa: F811
    sid = make(svc, constraints=MEM, target_value=0.5)
    finish(svc, sid, value=0.1, constraints={"mem": 9})
    assert svc.get_study(ME, sid).status == "running"
    finish(svc, sid, value=0.4, constraints={"mem": 1})
    view = svc.get_study(ME, sid)
    assert view.status == "completed" and "target_value" in view.status_reason


def _dominates(a, b):
    return all(x <= y for x, y in zip(a, b, strict=True)) and a != b


def test_the_pareto_front_is_the_non_dominated_feasible_trials(svc):  # noqa: F811
    sid = make(svc, objectives=TWO, constraints=MEM)
    rng = np.random.default_rng(7)
    made = []
    for _ in range(30):
        loss, acc, mem = (round(float(v), 1) for v in rng.uniform(0, [1, 1, 8]))
        made.append(finish(svc, sid, {"loss": loss, "acc": acc}, {"mem": mem}))
    candidates = {t.id: (t.values[0], -t.values[1]) for t in made
                  if t.constraint_values[0] <= 4}
    expected = {i for i, y in candidates.items()
                if not any(_dominates(z, y) for z in candidates.values())}
    front = svc.pareto(ME, sid)
    assert {t.id for t in front.trials} == expected
    assert [t.number for t in front.trials] == sorted(t.number for t in front.trials)
    assert front.candidates == len(candidates)
    # The hypervolume up to a point every candidate beats, by counting grid cells of 0.1.
    ref = [1.5, -0.5]
    cells = 0
    for i, j in itertools.product(range(15), range(-15, 5)):
        corner = (i / 10, j / 10)  # the cell's best corner, in minimization form
        if any(y[0] <= corner[0] and y[1] <= corner[1] for y in candidates.values()):
            cells += 1
    assert svc.pareto(ME, sid, ref).hypervolume == pytest.approx(cells / 100)
    default = svc.pareto(ME, sid)
    assert not default.reference_given and len(default.reference_point) == 2
    assert default.reference_point[0] > max(y[0] for y in candidates.values())
    assert default.reference_point[1] < min(-y[1] for y in candidates.values())  # maximized
    with pytest.raises(InvalidRequest) as caught:
        svc.pareto(ME, sid, [1.0])
    assert "ref" in caught.value.errors


def test_a_study_of_several_objectives_has_no_single_best(svc):  # noqa: F811
    sid = make(svc, objectives=TWO)
    finish(svc, sid, {"loss": 0.3, "acc": 0.7})
    with pytest.raises(Conflict):
        svc.best(ME, sid)
    assert svc.get_study(ME, sid).best is None
    assert svc.pareto(ME, sid).candidates == 1


def test_intermediate_values_may_be_about_any_objective_and_no_other(svc):  # noqa: F811
    sid = make(svc, objectives=TWO, early_stopping={"rule": "median"})
    trial = svc.suggest(ME, sid).trials[0]
    svc.observe(ME, sid, Intermediate(trial.id, 0, 0.5))
    svc.observe(ME, sid, Intermediate(trial.id, 1, 0.4, "loss"))
    svc.observe(ME, sid, Intermediate(trial.id, 1, 0.8, "acc"))
    with pytest.raises(InvalidRequest) as caught:
        svc.observe(ME, sid, Intermediate(trial.id, 2, 0.3, "f1"))
    assert "objective" in caught.value.errors
    stored = svc.trial(ME, sid, trial.id)
    assert stored.intermediate == {0: 0.5, 1: 0.4}
    assert stored.objective_curves == {1: {1: 0.8}}


def test_the_sampler_gets_the_objectives_constraints_and_values(svc, clock):  # noqa: F811
    sid = make(svc, objectives=TWO, constraints=MEM)
    finish(svc, sid, {"loss": 0.3, "acc": 0.7}, {"mem": 2})
    study = svc.study(ME, sid)
    assert [o.name for o in study.objectives] == ["loss", "acc"]
    assert study.objectives[1].direction is Direction.MAXIMIZE
    with svc.store.read() as conn:
        [trial] = sql.sampler_history(conn, sid, clock())
    assert trial.values == (0.3, 0.7) and trial.constraint_values == (2.0,)
