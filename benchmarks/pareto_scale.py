"""What the reads of studies with several objectives and constraints cost as they grow:
the best feasible trial of a constrained study (GET /best, a study's summary) and the
Pareto front with its hypervolume (GET /pareto), at n completed trials.

Trials go in by bulk insert (1000 rows a statement), 80% completed: a constrained study
(one objective, feasible on about half) and a two-objective one with the same constraint.
Each read is timed in process through the Service, median of `--repeat`, after ANALYZE
(without statistics, PostgreSQL's planner walked the (study, state, value) index and
filtered on feasible: 19 ms at 10,000 trials instead of 0.05).

    nice -n 10 .venv/bin/python benchmarks/pareto_scale.py sqlite:////tmp/p.db --n 10000 100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, text

from optimizer_api.domain import Owner
from optimizer_api.service import Service
from optimizer_api.store import Store, tables

ME = Owner("bench")
SPACE = {"x": {"type": "float", "low": 0, "high": 1}, "y": {"type": "float", "low": 0, "high": 1}}
MEM = [{"name": "mem", "op": "<=", "bound": 1.0}]
TWO = [{"name": "error", "direction": "minimize"}, {"name": "speed", "direction": "maximize"}]


def seed(svc: Service, name: str, n: int, objectives: list | None) -> int:
    spec = {"name": name, "space": SPACE, "constraints": MEM}
    if objectives:
        spec["objectives"] = objectives
    sid = svc.create_study(ME, spec).view.study.id
    rng = np.random.default_rng(0)
    xy = rng.random((n, 2))
    error = (1 - xy[:, 0]) ** 2 + 0.1 * xy[:, 1] + 0.01 * rng.random(n)
    speed = 1 - np.sqrt(xy[:, 0])
    mem = xy.sum(axis=1)
    state = np.where(rng.random(n) < 0.8, "completed", "failed")
    rows = []
    for i in range(n):
        done = state[i] == "completed"
        rows.append(dict(
            study_id=sid, number=i, state=state[i], external=False, created_at=float(i),
            finished_at=float(i) + 1, params=json.dumps({"x": xy[i, 0], "y": xy[i, 1]}),
            value=float(error[i]) if done else None,
            objective_values=json.dumps([error[i], speed[i]]) if done and objectives else None,
            constraint_values=json.dumps([mem[i]]) if done else None,
            feasible=bool(mem[i] <= 1.0) if done else None,
        ))
    with svc.store.write() as conn:
        for i in range(0, n, 1000):
            conn.execute(insert(tables.trials), rows[i:i + 1000])
        conn.execute(tables.studies.update().where(tables.studies.c.id == sid)
                     .values(next_number=n))
    with svc.store.write() as conn:  # the statistics autovacuum would gather after a load
        conn.execute(text("ANALYZE trials"))
    return sid


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    store = Store(args.url)
    store.prepare()
    svc = Service(store)
    results = []
    for n in args.n:
        one = seed(svc, f"constrained-{n}", n, None)
        two = seed(svc, f"two-objectives-{n}", n, TWO)
        front = svc.pareto(ME, two)
        row = {
            "store": store.engine.dialect.name, "n": n,
            "best_feasible_ms": timed(lambda one=one: svc.best(ME, one), args.repeat),
            "study_summary_ms": timed(lambda one=one: svc.get_study(ME, one), args.repeat),
            "pareto_ms": timed(lambda two=two: svc.pareto(ME, two), args.repeat),
            "front_size": len(front.trials), "candidates": front.candidates,
        }
        results.append(row)
        print(json.dumps(row), flush=True)
    store.dispose()
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
