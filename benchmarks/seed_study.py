"""Seed a big study straight into the store, as weeks of workers would have left it.

Trials go in by bulk insert (no HTTP, no sampler): params drawn at random from the
space, values from a smooth function of them with noise, a mix of states (completed,
pruned with a curve cut short, failed, running), and intermediate values on a share of
them. Used by the dashboard and scale benchmarks; safe to run against PostgreSQL too.

    .venv/bin/python benchmarks/seed_study.py sqlite:////tmp/big.db --trials 50000
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from sqlalchemy import insert

from optimizer_api.domain import DEFAULT_OWNER, Owner
from optimizer_api.service import Service
from optimizer_api.space import Space
from optimizer_api.store import Store, tables

SPACE = {
    "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "layers": {"type": "int", "low": 1, "high": 8},
    "width": {"type": "int", "low": 16, "high": 1024, "step": 16},
    "dropout": {"type": "float", "low": 0.0, "high": 0.6},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
    "wd": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
    "batch": {"type": "categorical", "choices": [16, 32, 64, 128]},
    "warmup": {"type": "int", "low": 0, "high": 10},
}
STEPS = 10
MEDIAN = {"rule": "median"}


def seed(url: str, n: int, name: str, curves: float = 0.2, seed_: int = 0,
         steps: int = STEPS, algorithm: str = "random",
         early_stopping: dict | None = MEDIAN) -> int:
    """Create study `name` with `n` trials; its id."""
    store = Store(url)
    store.prepare()
    view, _ = Service(store).create_study(
        Owner(DEFAULT_OWNER), {"name": name, "space": SPACE, "direction": "minimize", "seed": seed_,
         "early_stopping": early_stopping, "algorithm": {"name": algorithm}}
    )
    sid = view.study.id
    space = Space.from_dict(SPACE)
    rng = np.random.default_rng(seed_)
    U = rng.random((n, len(space)))
    # value: a bowl in the unit cube (lr and dropout matter most, act a little), plus noise
    value = (4 * (U[:, 0] - 0.6) ** 2 + 2 * (U[:, 3] - 0.2) ** 2 + 0.3 * (U[:, 4] > 0.66)
             + 0.05 * rng.normal(size=n))
    state = rng.choice(["completed", "pruned", "failed", "running"], size=n,
                       p=[0.75, 0.15, 0.07, 0.03])
    now = time.time()
    started = now - n * 2.0 + np.arange(n) * 2.0  # a trial every 2 s
    rows, curve_rows = [], []
    for i in range(n):
        s = state[i]
        rows.append({
            "study_id": sid, "number": i, "state": s, "params": json.dumps(space.decode(U[i])),
            "value": float(value[i]) if s in ("completed", "pruned") else None,
            "reason": "stopped by the median rule" if s == "pruned" else None,
            "worker_id": f"w{i % 200}", "external": False, "created_at": float(started[i]),
            "finished_at": float(started[i] + 60) if s != "running" else None,
            "lease_expires_at": float(now + 600) if s == "running" else None,
        })
    with store.write() as conn:
        # With RETURNING, SQLAlchemy sends multi-row INSERTs (1000 rows each) rather than
        # one per row: on PostgreSQL the trial counts' trigger then runs once per 1000
        # rows, not once per row (store/migrations/versions/0004_trial_counts.py).
        for chunk in range(0, n, 5000):
            conn.execute(insert(tables.trials).returning(tables.trials.c.id),
                         rows[chunk: chunk + 5000])
        ids = [r.id for r in conn.execute(
            tables.trials.select().with_only_columns(tables.trials.c.id, tables.trials.c.number)
            .where(tables.trials.c.study_id == sid).order_by(tables.trials.c.number))]
        for i in np.flatnonzero(rng.random(n) < curves):
            last = steps if state[i] == "completed" else int(rng.integers(2, steps))
            for step in range(last):
                curve_rows.append({"trial_id": ids[i], "step": step,
                                   "value": float(value[i] + 1.0 / (step + 1))})
        for chunk in range(0, len(curve_rows), 20000):
            conn.execute(insert(tables.intermediate_values), curve_rows[chunk: chunk + 20000])
        conn.execute(tables.studies.update().where(tables.studies.c.id == sid)
                     .values(next_number=n))
    store.dispose()
    return sid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL of the store")
    parser.add_argument("--trials", type=int, default=50_000)
    parser.add_argument("--name", default=None)
    parser.add_argument("--curves", type=float, default=0.2, help="share with curves")
    parser.add_argument("--steps", type=int, default=STEPS, help="steps of a full curve")
    parser.add_argument("--algorithm", default="random", help="the study's sampler")
    parser.add_argument("--no-early-stopping", action="store_true",
                        help="no rule (default: median)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    sid = seed(args.url, args.trials, args.name or f"seeded-{args.trials}", args.curves,
               steps=args.steps, algorithm=args.algorithm,
               early_stopping=None if args.no_early_stopping else MEDIAN)
    print(f"study {sid}: {args.trials} trials in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
