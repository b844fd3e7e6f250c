"""A whole `bayesian` suggest through the HTTP service, and quality through it.

Latency: a real gunicorn on a temporary SQLite file (access log off). For each n, a
6-D study (Hartmann-6 padded, as in gp_cost.py) gets n - 1 results as external trials,
one untimed suggest (cold: it stores the fit the next ones start from) completed with
its value, then `reps` timed rounds of suggest (the client's round trip) + observe, so
the i-th timed suggest sees n + i observations, as in a live study.

Quality: each (problem, seed) study runs through the Python client (suggest, observe),
beside the in-process sampler on the same seed; we report both median regrets and
whether every suggestion matched exactly.

    .venv/bin/python benchmarks/gp_http.py latency            # ~5 min: 3 passes
    .venv/bin/python benchmarks/gp_http.py quality --seeds 10
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as the service does, in this process and gunicorn's

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "client")]

from optimizer_client import Client  # noqa: E402

from benchmarks.gp_cost import history, make_case  # noqa: E402
from benchmarks.gp_report import header  # noqa: E402
from benchmarks.gp_runs import run_ours  # noqa: E402
from benchmarks.problems import PROBLEMS  # noqa: E402
from optimizer_api.devserver import Gunicorn  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def start_server(workers: int) -> tuple[Gunicorn, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="gp_http_"))
    server = Gunicorn(f"sqlite:///{tmp / 'bench.db'}", workers=workers, log_dir=tmp)
    return server.start(), tmp


def latency_at(client: Client, n: int, reps: int) -> dict:
    """Seconds of `reps` suggests of a study with n (then n + 1, ...) observations."""
    space, f = make_case("6")
    study = client.create_study(
        f"latency-{n}-{time.time_ns()}", space, algorithm="bayesian", seed=0
    )
    for t in history(space, f, n - 1):
        study.observe(t.params, t.value)
    t0 = time.perf_counter()
    first = study.suggest()
    cold = time.perf_counter() - t0
    first.complete(float(f(first.params)))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        trial = study.suggest()
        times.append(time.perf_counter() - t0)
        trial.complete(float(f(trial.params)))
        assert (trial.info or {}).get("source") == "model", trial.info
    return {"n": n, "cold": cold, "median": float(np.median(times)), "all": times}


def run_latency(args) -> None:
    server, tmp = start_server(args.workers)
    ns = [int(n) for n in args.ns.split(",")]
    rows = []
    try:
        with Client(server.url, timeout=120) as client:
            for p in range(args.passes):
                for n in ns:
                    rows.append({"pass": p, **latency_at(client, n, args.reps)})
                    print(json.dumps(rows[-1]), flush=True)
    finally:
        server.stop()
    lines = [
        header(f"gunicorn with {args.workers} workers, SQLite file, access log off.").rstrip(),
        "",
        "Seconds per suggest over HTTP (the Python client's round trip), 6-D: per pass the "
        f"median of {args.reps} consecutive suggest+observe rounds (a new study each time); "
        f"the median over {args.passes} passes, and their range; cold = the first suggest "
        "(no stored fit).",
        "",
        "| n | median | per-pass medians (min-max) | cold |",
        "|---|---|---|---|",
    ]
    for n in ns:
        meds = [r["median"] for r in rows if r["n"] == n]
        cold = np.median([r["cold"] for r in rows if r["n"] == n])
        lines.append(
            f"| {n} | {np.median(meds):.3f} | {min(meds):.3f}-{max(meds):.3f} | {cold:.3f} |"
        )
    write(args.out, rows, lines)


def quality_pair(client: Client, name: str, seed: int, budget: int) -> dict:
    """One study through the service and the same seed in-process."""
    problem = PROBLEMS[name]
    study = client.create_study(
        f"quality-{name}-{seed}-{time.time_ns()}",
        problem.space,
        algorithm="bayesian",
        seed=seed,
        max_trials=budget,
    )
    t0 = time.perf_counter()
    http, http_params = [], []
    for _ in range(budget):
        trial = study.suggest()
        value = float(problem.func(trial.params))
        trial.complete(value)
        http.append(value)
        http_params.append(trial.params)
    seconds = time.perf_counter() - t0
    local, _, _ = run_ours(problem, seed, budget)
    return {
        "problem": name,
        "seed": seed,
        "regret_http": min(http) - problem.optimum,
        "regret_local": min(local) - problem.optimum,
        "identical": http == local,
        "first_difference": next(
            (i for i, (a, b) in enumerate(zip(http, local, strict=True)) if a != b), None
        ),
        "seconds_http": seconds,
    }


def run_quality(args) -> None:
    server, tmp = start_server(args.workers)
    rows = []
    try:
        with Client(server.url, timeout=120) as client:
            for name in args.problems.split(","):
                for seed in range(args.seeds):
                    rows.append(quality_pair(client, name, seed, args.budget))
                    print(json.dumps(rows[-1]), flush=True)
    finally:
        server.stop()
    lines = [
        header().rstrip(),
        "",
        f"Median final simple regret, {args.budget} trials, {args.seeds} seeds: through the "
        "HTTP service (Python client, gunicorn, SQLite) and in-process, same seeds.",
        "",
        "| problem | HTTP | in-process | runs identical | median s per HTTP run |",
        "|---|---|---|---|---|",
    ]
    for name in args.problems.split(","):
        rs = [r for r in rows if r["problem"] == name]
        lines.append(
            f"| {name} | {np.median([r['regret_http'] for r in rs]):.4g} "
            f"| {np.median([r['regret_local'] for r in rs]):.4g} "
            f"| {sum(r['identical'] for r in rs)}/{len(rs)} "
            f"| {np.median([r['seconds_http'] for r in rs]):.1f} |"
        )
    write(args.out, rows, lines)


def write(name: str, rows: list[dict], lines: list[str]) -> None:
    out = RESULTS / name  # a bare name lands in results/; a path goes where it says
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("what", choices=("latency", "quality"))
    ap.add_argument("--ns", default="50,100,200,500,1000")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--passes", type=int, default=3, help="latency: repeat the sweep")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    args.out = args.out or ("gp_http" if args.what == "latency" else "gp_http_quality")
    (run_latency if args.what == "latency" else run_quality)(args)


if __name__ == "__main__":
    main()
