"""Two objectives and a constraint end to end: gunicorn with 4 workers on SQLite and on
PostgreSQL, 6 client threads reporting at once (responses checked against openapi.yaml),
and /pareto giving exactly the feasible non-dominated trials."""

from __future__ import annotations

import threading

import pytest

from ..contract import checked_session

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0},
         "y": {"type": "float", "low": 0.0, "high": 1.0}}
DEFINITION = {
    "name": "e2e-two-objectives", "space": SPACE, "algorithm": "quasi-random", "seed": 11,
    "objectives": [{"name": "error", "direction": "minimize"},
                   {"name": "speed", "direction": "maximize"}],
    "constraints": [{"name": "memory", "op": "<=", "bound": 1.0},
                    {"name": "recall", "op": ">=", "bound": 0.2}],
    "max_trials": 48,
}


def measure(p: dict) -> dict:
    """A trade-off: error falls as x grows, speed falls with x; memory and recall limit y."""
    return {"values": {"error": (1 - p["x"]) ** 2 + 0.1 * p["y"], "speed": 1 - p["x"] ** 0.5},
            "constraints": {"memory": p["x"] + p["y"], "recall": p["y"]}}


def work(url: str, sid: int, worker: str, errors: list) -> None:
    session = checked_session()
    try:
        while True:
            answer = session.post(f"{url}/v1/studies/{sid}/suggest",
                                  json={"worker_id": worker}).json()
            if not answer["trials"]:
                return
            trial = answer["trials"][0]
            r = session.post(f"{url}/v1/studies/{sid}/observe",
                             json={"trial_id": trial["id"], **measure(trial["params"])})
            assert r.status_code == 200, r.text
    except BaseException as exc:  # noqa: BLE001 - the test thread reports it
        errors.append(exc)


@pytest.mark.e2e
def test_pareto_gives_only_feasible_non_dominated_trials_with_several_workers(
        gunicorn_factory, db_url):
    url = gunicorn_factory(db_url, workers=4).url
    session = checked_session()
    sid = session.post(f"{url}/v1/studies", json=DEFINITION).json()["id"]
    errors: list = []
    threads = [threading.Thread(target=work, args=(url, sid, f"w{i}", errors))
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    trials = session.get(f"{url}/v1/studies/{sid}/trials").json()["trials"]
    assert len(trials) == 48 and all(t["state"] == "completed" for t in trials)
    for t in trials:  # what was stored is what was reported, and feasible is right
        expected = measure(t["params"])
        assert t["values"] == expected["values"] and t["constraints"] == expected["constraints"]
        c = t["constraints"]
        assert t["feasible"] == (c["memory"] <= 1.0 and c["recall"] >= 0.2)
    feasible = [t for t in trials if t["feasible"]]
    assert 0 < len(feasible) < len(trials)

    def beats(a, b):
        (ea, sa), (eb, sb) = ((t["values"]["error"], t["values"]["speed"]) for t in (a, b))
        return ea <= eb and sa >= sb and (ea, sa) != (eb, sb)

    expected = sorted(t["id"] for t in feasible if not any(beats(o, t) for o in feasible))
    front = session.get(f"{url}/v1/studies/{sid}/pareto").json()
    assert sorted(t["id"] for t in front["trials"]) == expected
    assert front["n_candidates"] == len(feasible) and front["hypervolume"] > 0
    study = session.get(f"{url}/v1/studies/{sid}").json()
    assert study["status"] == "completed" and study["best_trial"] is None


CURVES = {
    "name": "e2e-objective-curves", "space": SPACE, "algorithm": "quasi-random", "seed": 3,
    "objectives": [{"name": "loss", "direction": "minimize"},
                   {"name": "acc", "direction": "maximize"}],
    "early_stopping": {"rule": "threshold", "bound": 0.5, "min_step": 2, "objective": "acc"},
    "max_trials": 12,
}


def train(url: str, sid: int, errors: list) -> None:
    """Reports both objectives every epoch; stops when told. acc rises with x: trials
    with x < 0.5 fall under the bound at step 2; loss (huge) is never judged."""
    session = checked_session()
    try:
        while True:
            answer = session.post(f"{url}/v1/studies/{sid}/suggest", json={}).json()
            if not answer["trials"]:
                return
            trial = answer["trials"][0]
            x, observe = trial["params"]["x"], f"{url}/v1/studies/{sid}/observe"
            for step in range(4):
                for objective, value in (("loss", 100.0 + step), ("acc", x)):
                    r = session.post(observe, json={"trial_id": trial["id"], "step": step,
                                                    "value": value, "objective": objective})
                    assert r.status_code == 200, r.text
                    stop = r.json()["should_stop"]
                    assert not stop or (objective == "acc" and x < 0.5 and step >= 2), r.text
                if stop:
                    session.post(observe, json={"trial_id": trial["id"], "pruned": True})
                    break
            else:
                session.post(observe, json={"trial_id": trial["id"],
                                            "values": {"loss": 1 - x, "acc": x}})
    except BaseException as exc:  # noqa: BLE001 - the test thread reports it
        errors.append(exc)


@pytest.mark.e2e
def test_workers_report_curves_of_both_objectives_and_the_rule_judges_acc(
        gunicorn_factory, db_url):
    url = gunicorn_factory(db_url, workers=2).url
    session = checked_session()
    sid = session.post(f"{url}/v1/studies", json=CURVES).json()["id"]
    errors: list = []
    threads = [threading.Thread(target=train, args=(url, sid, errors)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    trials = session.get(f"{url}/v1/studies/{sid}/trials").json()["trials"]
    assert len(trials) == 12
    for t in trials:
        low = t["params"]["x"] < 0.5
        assert t["state"] == ("pruned" if low else "completed"), t
        steps = 3 if low else 4
        assert [(p["objective"], p["step"]) for p in t["intermediate_values"]] == [
            *(("loss", s) for s in range(steps)), *(("acc", s) for s in range(steps))]
    assert 0 < sum(t["state"] == "pruned" for t in trials) < 12
