"""Copy a study of our store into an Optuna RDB storage (SQLite), trial for trial.

Each trial becomes a FrozenTrial through `optuna.trial.create_trial` (Optuna checks its
params against their distributions, its state against its value). `study.add_trials`
would then write them one transaction each, ~14 ms a trial with 8 parameters on this
machine (12 minutes for 50,000), so the same rows go into Optuna's own tables in bulk
instead, and a sample is read back through `RDBStorage.get_trial` to check the copy.

    .venv/bin/python benchmarks/optuna_rdb.py sqlite:////tmp/big.db 1 /tmp/big-optuna.db
"""

from __future__ import annotations

import argparse
import datetime
import json
import time

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
)
from optuna.storages._rdb import models
from optuna.trial import FrozenTrial, TrialState, create_trial
from sqlalchemy import create_engine, insert, select

from optimizer_api.store import tables

STATES = {"completed": TrialState.COMPLETE, "pruned": TrialState.PRUNED,
          "failed": TrialState.FAIL, "running": TrialState.RUNNING}
FINITE = models.TrialValueModel.TrialValueType.FINITE
FINITE_STEP = models.TrialIntermediateValueModel.TrialIntermediateValueType.FINITE


def distributions(space: dict) -> dict[str, BaseDistribution]:
    """Our search space as Optuna's distributions."""
    out: dict[str, BaseDistribution] = {}
    for name, spec in space.items():
        if spec["type"] == "categorical":
            out[name] = CategoricalDistribution(spec["choices"])
        elif spec["type"] == "int":
            out[name] = IntDistribution(spec["low"], spec["high"], log=spec.get("log", False),
                                        step=spec.get("step") or 1)
        else:
            out[name] = FloatDistribution(spec["low"], spec["high"], log=spec.get("log", False),
                                          step=spec.get("step"))
    return out


def read_study(url: str, study_id: int) -> tuple[dict, list[FrozenTrial]]:
    """The study's definition and its trials as Optuna FrozenTrials, by number."""
    engine = create_engine(url)
    with engine.connect() as conn:
        definition = json.loads(conn.execute(
            select(tables.studies.c.definition).where(tables.studies.c.id == study_id)).scalar())
        curves: dict[int, dict[int, float]] = {}
        iv = tables.intermediate_values
        t = tables.trials
        for trial_id, step, value in conn.execute(
                select(iv.c.trial_id, iv.c.step, iv.c.value).join(t, t.c.id == iv.c.trial_id)
                .where(t.c.study_id == study_id)):
            curves.setdefault(trial_id, {})[step] = value
        rows = conn.execute(select(t).where(t.c.study_id == study_id).order_by(t.c.number)).all()
    engine.dispose()
    dists = distributions(definition["space"])
    return definition, [_frozen(r, dists, curves.get(r.id)) for r in rows]


def _frozen(row, dists: dict, curve: dict | None) -> FrozenTrial:
    stamp = datetime.datetime.fromtimestamp
    trial = create_trial(
        state=STATES[row.state], value=row.value, params=json.loads(row.params),
        distributions=dists, intermediate_values=curve)
    trial.number = row.number
    trial.datetime_start = stamp(row.created_at)
    trial.datetime_complete = stamp(row.finished_at) if row.finished_at else None
    return trial


def write_study(path: str, name: str, direction: str, trials: list[FrozenTrial]) -> int:
    """A new Optuna study in the SQLite file `path` holding `trials`; its study id."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    study = optuna.create_study(storage=storage, study_name=name, direction=direction)
    with storage.engine.begin() as conn:
        conn.execute(insert(models.TrialModel.__table__), [
            {"number": t.number, "study_id": study._study_id, "state": t.state.name,
             "datetime_start": t.datetime_start, "datetime_complete": t.datetime_complete}
            for t in trials])
        ids = dict(conn.execute(
            select(models.TrialModel.trial_id, models.TrialModel.number)
            .where(models.TrialModel.study_id == study._study_id)).all())
        by_number = {number: trial_id for trial_id, number in ids.items()}
        params, values, steps = [], [], []
        for t in trials:
            tid = by_number[t.number]
            params += [{"trial_id": tid, "param_name": n,
                        "param_value": d.to_internal_repr(t.params[n]),
                        "distribution_json": distribution_to_json(d)}
                       for n, d in t.distributions.items()]
            if t.values:
                values.append({"trial_id": tid, "objective": 0, "value": t.values[0],
                               "value_type": FINITE.name})
            steps += [{"trial_id": tid, "step": s, "intermediate_value": v,
                       "intermediate_value_type": FINITE_STEP.name}
                      for s, v in t.intermediate_values.items()]
        for table, rows in ((models.TrialParamModel, params), (models.TrialValueModel, values),
                            (models.TrialIntermediateValueModel, steps)):
            for i in range(0, len(rows), 20_000):
                conn.execute(insert(table.__table__), rows[i:i + 20_000])
    _check(storage, study._study_id, trials, by_number)
    storage.engine.dispose()
    return study._study_id


def _check(storage, study_id: int, trials: list[FrozenTrial], by_number: dict) -> None:
    """Read a sample back through Optuna: what it sees is what was written."""
    assert storage.get_n_trials(study_id) == len(trials)
    for t in trials[:: max(1, len(trials) // 50)]:
        back = storage.get_trial(by_number[t.number])
        assert (back.number, back.state, back.params) == (t.number, t.state, t.params), t.number
        assert back.intermediate_values == t.intermediate_values, t.number
        assert back.value == t.value, t.number


def copy(url: str, study_id: int, path: str) -> int:
    """Copy study `study_id` of our store at `url` into a new Optuna SQLite file."""
    definition, trials = read_study(url, study_id)
    return write_study(path, definition["name"], definition["direction"], trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL of our store")
    parser.add_argument("study_id", type=int)
    parser.add_argument("path", help="the Optuna SQLite file to create")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0 = time.perf_counter()
    sid = copy(args.url, args.study_id, args.path)
    print(f"optuna study {sid} in {args.path}: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
