"""Load through nginx: many worker processes, each a suggest / 3 reports / complete loop.

The documented deployment (README "Replicas behind nginx"): Debian's nginx running
deploy/nginx.conf (rendered into a temporary folder by tests/e2e/nginx.py) in front of
two gunicorn replicas (optimizer_api/devserver.py, the replicas' default settings) on a
fresh PostgreSQL schema. For each cell (workers x sampler), N worker processes use the
real `optimizer_client` (which retries a 503 after its Retry-After) on one study for
`--seconds`:

- errors by status: every request that failed, and every retry other than of a 503
  (a 502, a 504, a connection failure); a retried 503 is counted apart, not as an error;
- duplicates: a trial id handed to two workers or twice, a number handed out twice, and
  numbers that appear twice in the store;
- lost: every acknowledged final observe must be in the store, completed, with that
  value and its 3 intermediate values (checked against the store at the end);
- trials/s: trials completed (final observe acknowledged) within the window, over it;
- p50/p99 per request kind (suggest, report, complete), as the worker saw it.

Beside each random cell, in the same run: Optuna's RDBStorage on the same PostgreSQL
(its own fresh schema), the same number of worker processes, each ask / 3 x report /
tell with RandomSampler on the same space.

    .venv/bin/python benchmarks/load.py                       # 300 s cells (~45 min)
    .venv/bin/python benchmarks/load.py --seconds 30 --workers 16 --samplers random
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg

from optimizer_api import config
from optimizer_api.devserver import Gunicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from gp_report import header  # noqa: E402

from tests.e2e.nginx import Nginx  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PG = os.environ.get("OPTIMIZER_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SPACE = {
    "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "layers": {"type": "int", "low": 1, "high": 8},
    "width": {"type": "int", "low": 16, "high": 1024, "step": 16},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
}
KINDS = ("suggest", "report", "complete")
STEPS = 3


def objective(params: dict, step: int | None = None) -> float:
    """A cheap value: the benchmark measures the service, not the training."""
    base = abs(params["lr"] - 1e-3) * 100 + params["layers"] / 8 + params["width"] / 1024
    return base + (1.0 / step if step else 0.0) + random.random() * 1e-6


# -- the store ----------------------------------------------------------------------------
def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def schema(prefix: str):
    """A SQLAlchemy URL on a fresh PostgreSQL schema, dropped at the end."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(PG), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{PG}?options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(_libpq(PG), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def _connect(url: str):
    """psycopg connection for a URL made by schema()."""
    base, _, options = url.partition("?options=")
    from urllib.parse import unquote

    return psycopg.connect(_libpq(base), options=unquote(options), autocommit=True)


def max_connections() -> int:
    with psycopg.connect(_libpq(PG)) as conn:
        return int(conn.execute("SHOW max_connections").fetchone()[0])


# -- our workers ---------------------------------------------------------------------------
def _our_worker(i: int, url: str, study_id: int, ready, go, deadline, out: str) -> None:
    from optimizer_client import Client, OptimizerError

    lat = {k: [] for k in KINDS}
    handed: list[tuple[int, int]] = []  # (trial id, number)
    acked: list[tuple[int, float, float]] = []  # (trial id, value, when acknowledged)
    errors: Counter = Counter()
    messages: dict[str, str] = {}
    retried: Counter = Counter()

    def count_retries(response, *args, **kwargs):
        retries = getattr(response.raw, "retries", None)
        for attempt in getattr(retries, "history", ()) or ():
            if attempt.status == 503:
                retried["503"] += 1
            else:  # a 502/504 or a connection failure the client retried: an error
                errors[f"retried {attempt.status or type(attempt.error).__name__}"] += 1

    client = Client(url, timeout=120, retries=10, backoff=0.2)
    client.session.hooks["response"].append(count_retries)
    study = client.get_study(study_id)
    ready.release()
    go.wait()
    end = deadline.value
    while time.monotonic() < end:
        try:
            t = time.perf_counter()
            trial = study.suggest(worker_id=f"w{i}")
            lat["suggest"].append(time.perf_counter() - t)
            handed.append((trial.id, trial.number))
            for step in range(1, STEPS + 1):
                t = time.perf_counter()
                trial.report(step, objective(trial.params, step))
                lat["report"].append(time.perf_counter() - t)
            value = objective(trial.params)
            t = time.perf_counter()
            trial.complete(value)
            lat["complete"].append(time.perf_counter() - t)
            acked.append((trial.id, value, time.monotonic()))
        except OptimizerError as exc:
            kind = str(exc.status or type(exc).__name__)
            errors[kind] += 1
            messages.setdefault(kind, str(exc).splitlines()[0][:200])
        except Exception as exc:  # noqa: BLE001 - counted, and the loop goes on
            errors[type(exc).__name__] += 1
            messages.setdefault(type(exc).__name__, str(exc).splitlines()[0][:200])
            traceback.print_exc()
    client.close()
    Path(out).write_text(json.dumps({"lat": lat, "handed": handed, "acked": acked,
                                     "errors": errors, "retried_503": retried["503"],
                                     "messages": messages}))


# -- Optuna's workers ----------------------------------------------------------------------
def _optuna_worker(i: int, url: str, name: str, ready, go, deadline, out: str) -> None:
    import optuna
    from optuna_rdb import distributions

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    lat = {k: [] for k in KINDS}
    acked: list[tuple[int, float, float]] = []
    handed: list[tuple[int, int]] = []
    errors: Counter = Counter()
    dists = distributions(SPACE)
    study, messages = None, {}
    for attempt in range(20):  # e.g. too many connections: counted, and tried again
        try:
            storage = optuna.storages.RDBStorage(url)
            study = optuna.load_study(study_name=name, storage=storage,
                                      sampler=optuna.samplers.RandomSampler())
            break
        except Exception as exc:  # noqa: BLE001
            errors[f"start: {type(exc).__name__}"] += 1
            messages.setdefault(type(exc).__name__, str(exc).splitlines()[0][:200])
            time.sleep(0.5 * (attempt + 1))
    ready.release()
    go.wait()
    end = deadline.value
    while study is not None and time.monotonic() < end:
        try:
            t = time.perf_counter()
            trial = study.ask(dists)
            lat["suggest"].append(time.perf_counter() - t)
            handed.append((trial._trial_id, trial.number))
            for step in range(1, STEPS + 1):
                t = time.perf_counter()
                trial.report(objective(trial.params, step), step)
                lat["report"].append(time.perf_counter() - t)
            value = objective(trial.params)
            t = time.perf_counter()
            study.tell(trial, value)
            lat["complete"].append(time.perf_counter() - t)
            acked.append((trial._trial_id, value, time.monotonic()))
        except Exception as exc:  # noqa: BLE001 - counted, and the loop goes on
            errors[type(exc).__name__] += 1
            messages.setdefault(type(exc).__name__, str(exc).splitlines()[0][:200])
            time.sleep(0.1)
    Path(out).write_text(json.dumps({"lat": lat, "handed": handed, "acked": acked,
                                     "errors": errors, "retried_503": 0,
                                     "messages": messages, "started": study is not None}))


# -- a cell ----------------------------------------------------------------------------------
def run_workers(target, args: tuple, n: int, seconds: float,
                folder: Path) -> tuple[list[dict], float]:
    """n processes of target(i, *args, ready, go, deadline, out): their outputs, and the
    deadline (time.monotonic) they were given once all had started."""
    ctx = mp.get_context("fork")
    ready, go, deadline = ctx.Semaphore(0), ctx.Event(), ctx.Value("d", 0.0)
    outs = [folder / f"w{i}.json" for i in range(n)]
    procs = [ctx.Process(target=target, args=(i, *args, ready, go, deadline, str(outs[i])))
             for i in range(n)]
    for p in procs:
        p.start()
    for _ in range(n):
        if not ready.acquire(timeout=300):
            raise RuntimeError("workers did not start")
    deadline.value = time.monotonic() + seconds
    go.set()
    for p in procs:
        p.join(seconds + 600)
        if p.is_alive():
            p.kill()
    results = []
    for out in outs:
        if out.exists():
            results.append(json.loads(out.read_text()))
        else:
            results.append({"lat": {k: [] for k in KINDS}, "handed": [], "acked": [],
                            "errors": {"worker died": 1}, "retried_503": 0})
    return results, deadline.value


def summarize(results: list[dict], seconds: float, end: float) -> dict:
    errors, messages = Counter(), {}
    for r in results:
        errors.update(r["errors"])
        messages.update(r.get("messages", {}))
    lat = {k: sorted(x for r in results for x in r["lat"][k]) for k in KINDS}
    acked = [a for r in results for a in r["acked"]]
    within = sum(1 for _, _, when in acked if when <= end)
    handed = [h for r in results for h in r["handed"]]
    ids, numbers = Counter(h[0] for h in handed), Counter(h[1] for h in handed)
    return {
        "trials": len(acked), "trials_per_s": round(within / seconds, 2),
        "workers_started": sum(1 for r in results if r.get("started", True)),
        "errors": dict(errors), "error_count": sum(errors.values()), "messages": messages,
        "retried_503": sum(r["retried_503"] for r in results),
        "duplicate_ids": sum(c - 1 for c in ids.values() if c > 1),
        "duplicate_numbers": sum(c - 1 for c in numbers.values() if c > 1),
        "latency_ms": {k: {"n": len(v), "p50": _pct(v, 50), "p99": _pct(v, 99)}
                       for k, v in lat.items()},
    }


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(1000 * values[min(len(values) - 1, int(len(values) * p / 100))], 1)


def check_ours(db_url: str, study_id: int, results: list[dict]) -> dict:
    """Every acknowledged result in the store, completed, with its value and curve."""
    acked = {tid: value for r in results for tid, value, _ in r["acked"]}
    with _connect(db_url) as conn:
        rows = {tid: (state, value) for tid, state, value in conn.execute(
            "SELECT id, state, value FROM trials WHERE study_id = %s", (study_id,))}
        curves = dict(conn.execute(
            "SELECT t.id, count(*) FROM intermediate_values iv JOIN trials t"
            " ON t.id = iv.trial_id WHERE t.study_id = %s GROUP BY t.id", (study_id,)).fetchall())
        repeated = conn.execute(
            "SELECT count(*) FROM (SELECT number FROM trials WHERE study_id = %s"
            " GROUP BY number HAVING count(*) > 1) AS d", (study_id,)).fetchone()[0]
        states = dict(conn.execute("SELECT state, count(*) FROM trials WHERE study_id = %s"
                                   " GROUP BY state", (study_id,)).fetchall())
    lost = sum(1 for tid, value in acked.items()
               if rows.get(tid) != ("completed", value))
    lost_curves = sum(1 for tid in acked if curves.get(tid) != STEPS)
    return {"lost": lost, "lost_intermediate": lost_curves,
            "store_repeated_numbers": repeated, "store_states": states}


def check_optuna(url: str, name: str, results: list[dict]) -> dict:
    import optuna

    acked = {tid: value for r in results for tid, value, _ in r["acked"]}
    storage = optuna.storages.RDBStorage(url)
    trials = {t._trial_id: t for t in optuna.load_study(study_name=name, storage=storage)
              .get_trials(deepcopy=False)}
    storage.engine.dispose()
    lost = sum(1 for tid, v in acked.items() if tid not in trials
               or trials[tid].state.name != "COMPLETE" or trials[tid].value != v)
    numbers = Counter(t.number for t in trials.values())
    return {"lost": lost, "store_repeated_numbers": sum(1 for c in numbers.values() if c > 1),
            "store_states": dict(Counter(t.state.name.lower() for t in trials.values()))}


def cell_ours(front_url: str, db_url: str, workers: int, sampler: str, seconds: float,
              folder: Path) -> dict:
    from optimizer_client import Client

    with Client(front_url) as c:
        study = c.create_study(f"load-{sampler}-{workers}-{uuid.uuid4().hex[:6]}", SPACE,
                               algorithm=sampler)
    results, end = run_workers(_our_worker, (front_url, study.id), workers, seconds, folder)
    out = summarize(results, seconds, end)
    out.update(check_ours(db_url, study.id, results))
    return out


def cell_optuna(workers: int, seconds: float, folder: Path) -> dict:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with schema("load_optuna") as url:
        name = "load"
        storage = optuna.storages.RDBStorage(url)
        optuna.create_study(study_name=name, storage=storage)
        storage.engine.dispose()
        results, end = run_workers(_optuna_worker, (url, name), workers, seconds, folder)
        out = summarize(results, seconds, end)
        out.update(check_optuna(url, name, results))
    return out


@contextmanager
def deployment(db_url: str, workers: int, env: dict, folder: Path):
    """nginx in front of two replicas (the replicas' default settings, plus `env`)."""
    folder.mkdir()
    replicas = [Gunicorn(db_url, workers=workers, log_dir=folder, env=env, new_session=True)
                for _ in range(2)]
    try:
        for r in replicas:
            r.start()
        with Nginx([r.port for r in replicas], folder / "nginx") as front:
            yield front
    finally:
        for r in replicas:
            r.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", default="16,64,200")
    parser.add_argument("--samplers", default="random,bayesian")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of the replicas (OPTIMIZER_THREADS=8, say)")
    parser.add_argument("--label", default="", help="a note for load.md")
    parser.add_argument("--out", default="load", help="results/<out>.{md,json}")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    samplers = args.samplers.split(",")
    env = dict(e.split("=", 1) for e in args.env)
    os.environ.update(env)  # so that config.server() below reads them too
    server = config.server()
    report = {"seconds": args.seconds, "replicas": 2, "replica_workers": server.workers,
              "replica_threads": server.threads, "max_connections": max_connections(),
              "cores": os.cpu_count(), "env": env, "cells": []}
    with tempfile.TemporaryDirectory(prefix="load-") as tmp, schema("load") as db_url:
        folder = Path(tmp)
        for n in workers:
            # Our replicas run only during our cells: their pooled connections would
            # otherwise take PostgreSQL's connections from Optuna's workers.
            with deployment(db_url, server.workers, env, folder / f"deploy-{n}") as front:
                for sampler in samplers:
                    cell = folder / f"ours-{sampler}-{n}"
                    cell.mkdir()
                    res = cell_ours(front.url, db_url, n, sampler, args.seconds, cell)
                    _print("ours", sampler, n, res)
                    report["cells"].append({"system": "ours", "sampler": sampler,
                                            "workers": n, **res})
            if not args.no_optuna:
                cell = folder / f"optuna-{n}"
                cell.mkdir()
                res = cell_optuna(n, args.seconds, cell)
                _print("optuna", "random", n, res)
                report["cells"].append({"system": "optuna", "sampler": "random",
                                        "workers": n, **res})
    write(report, args)


def _print(system: str, sampler: str, n: int, res: dict) -> None:
    lat = res["latency_ms"]
    print(f"{system:6} {sampler:8} {n:4} workers: {res['trials_per_s']:7.2f} trials/s, "
          f"errors {res['errors'] or 0}, retried 503 {res['retried_503']}, dup "
          f"{res['duplicate_ids']}/{res['duplicate_numbers']}, lost {res['lost']}, "
          + ", ".join(f"{k} p50/p99 {v['p50']}/{v['p99']} ms" for k, v in lat.items()),
          flush=True)


def write(report: dict, args) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(report, indent=1) + "\n")
    cells = report["cells"]
    lines = [f"# Load through nginx ({args.seconds:g} s per cell)", "",
             header(args.label).rstrip(), "",
             f"nginx (deploy/nginx.conf) in front of {report['replicas']} replicas "
             f"({report['replica_workers']} gunicorn workers x {report['replica_threads']} "
             f"threads each) on PostgreSQL (max_connections {report['max_connections']}), "
             f"{report['cores']} cores shared by the replicas, nginx, PostgreSQL and the "
             "worker processes. Each worker: suggest, 3 intermediate reports, complete.", "",
             "| system | sampler | workers | trials/s | vs Optuna | errors | retried 503 "
             "| dup ids/numbers | lost | suggest p50/p99 ms | report p50/p99 ms "
             "| complete p50/p99 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    optuna = {c["workers"]: c["trials_per_s"] for c in cells if c["system"] == "optuna"}
    for c in cells:
        base = optuna.get(c["workers"])
        ratio = (f"{c['trials_per_s'] / base:.2f}x" if base and c["system"] == "ours"
                 and c["sampler"] == "random" else "")
        errs = ", ".join(f"{k}: {v}" for k, v in c["errors"].items()) or "0"
        lat = c["latency_ms"]
        lines.append(
            f"| {c['system']} | {c['sampler']} | {c['workers']} | {c['trials_per_s']:.2f} "
            f"| {ratio} | {errs} | {c['retried_503']} | {c['duplicate_ids']}/"
            f"{c['duplicate_numbers'] + c['store_repeated_numbers']} | {c['lost']} | "
            + " | ".join(f"{lat[k]['p50']}/{lat[k]['p99']}" for k in KINDS) + " |")
    notes = [f"- {c['system']} {c['sampler']} {c['workers']} workers, {kind}: {text}"
             for c in cells for kind, text in c.get("messages", {}).items()]
    notes += [f"- {c['system']} {c['sampler']} {c['workers']} workers: only "
              f"{c['workers_started']} of them could start (connect and load the study)"
              for c in cells if c.get("workers_started", c["workers"]) < c["workers"]]
    if notes:
        lines += ["", "What the errors said (the first of each kind):", "", *notes]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
