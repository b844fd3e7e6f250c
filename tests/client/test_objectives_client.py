"""The client with several objectives and constraints, against the live gunicorn service:
creating such a study, reporting dicts and tuples, `study.optimize`, `study.pareto`."""

from __future__ import annotations

import pytest
from optimizer_client import BadRequestError, Client, ConflictError

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0},
         "y": {"type": "float", "low": 0.0, "high": 1.0}}
TWO = [{"name": "f1", "direction": "minimize"}, {"name": "f2", "direction": "minimize"}]
BUDGET = [{"name": "cost", "op": "<=", "bound": 1.2}]


def zdt1_like(trial) -> dict:
    """Two conflicting objectives and a cost; a dict by objective and constraint name."""
    x, y = trial.params["x"], trial.params["y"]
    trial.report(0, x + 0.5, objective="f1")
    return {"f1": x, "f2": (1 + y) * (1 - x**0.5), "cost": x + y}


def dominates(a, b) -> bool:
    return all(p <= q for p, q in zip(a, b, strict=True)) and a != b


def test_optimize_with_a_dict_and_the_pareto_front(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, objectives=TWO, constraints=BUDGET, seed=3,
                                max_trials=24)
    assert [o["name"] for o in study.objectives] == ["f1", "f2"]
    assert study.constraints[0]["bound"] == 1.2
    ran = study.optimize(zdt1_like, n_workers=3)
    assert len(ran) == 24 and all(t.state == "completed" for t in ran)
    trials = study.trials(state="completed")
    assert all(set(t.values) == {"f1", "f2"} and "cost" in t.constraints for t in trials)
    assert all(t.feasible == (t.constraints["cost"] <= 1.2) for t in trials)
    assert any(not t.feasible for t in trials)  # the constraint matters in this run
    front = study.pareto()
    points = {t.id: (t.values["f1"], t.values["f2"]) for t in trials if t.feasible}
    expected = {i for i, p in points.items() if not any(dominates(q, p)
                                                        for q in points.values())}
    assert {t.id for t in front.trials} == expected and front.hypervolume > 0
    assert all(t.feasible for t in front.trials)
    given = study.pareto(ref=[2.0, 3.0])
    assert given.reference_point == [2.0, 3.0] and given.hypervolume > 0
    with pytest.raises(ConflictError):
        study.best()


def test_a_tuple_in_objective_order_and_a_bad_result(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, objectives=TWO, max_trials=3)

    def objective(trial):
        if trial.number == 2:
            return {"f1": 1.0, "f3": 2.0}  # f3 is not an objective: the trial fails
        return (trial.params["x"], 1 - trial.params["x"])

    study.optimize(objective, n_trials=3)
    by_number = {t.number: t for t in study.trials()}
    assert by_number[0].values == {"f1": by_number[0].params["x"],
                                   "f2": 1 - by_number[0].params["x"]}
    assert by_number[2].state == "failed" and "'f3'" in by_number[2].data["reason"]
    external = study.observe({"x": 0.5, "y": 0.5}, (0.1, 0.2))
    assert external.values == {"f1": 0.1, "f2": 0.2}


def test_complete_with_values_and_constraints_and_a_missing_one(client: Client,
                                                                name: str) -> None:
    study = client.create_study(name, SPACE, objectives=TWO, constraints=BUDGET)
    trial = study.suggest()
    with pytest.raises(BadRequestError) as caught:
        trial.complete({"f1": 0.1, "f2": 0.2})  # no cost: the service names it
    assert "constraints.cost" in caught.value.errors
    assert trial.state == "running"
    trial.complete((0.1, 0.2), constraints={"cost": 0.5})
    assert trial.state == "completed" and trial.feasible is True
    assert study.pareto().trials[0].id == trial.id


def test_the_progress_of_several_objectives_shows_no_best_value() -> None:
    import io

    from optimizer_client.progress import Progress

    for direction, shown in ((None, False), ("minimize", True)):
        progress = Progress(4, direction, True, stream=io.StringIO())
        progress.add("completed", 0.25)
        assert ("best 0.25" in progress.line(0)) is shown


def test_reports_about_each_objective_and_the_one_the_rule_judges(client: Client,
                                                                   name: str) -> None:
    study = client.create_study(name, SPACE, objectives=TWO, early_stopping={
        "rule": "threshold", "bound": 0.5, "objective": "f2"})
    trial = study.suggest()
    assert trial.report(0, 0.1) is False  # f1, not judged
    assert trial.report(1, 9.0, objective="f1") is False  # f1 is not judged, whatever it is
    assert trial.report(0, 0.2, objective="f2") is False
    assert trial.report(1, 0.7, objective="f2") is True  # f2 above the bound (minimized)
    with pytest.raises(BadRequestError) as caught:
        trial.report(2, 0.1, objective="f3")
    assert "objective" in caught.value.errors
    seen = study.trial(trial.id)
    assert seen.curve() == {0: 0.1, 1: 9.0} == seen.curve("f1")
    assert seen.curve("f2") == {0: 0.2, 1: 0.7}
    trial.prune()
    assert study.trial(trial.id).state == "pruned"
