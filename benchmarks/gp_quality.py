"""Quality of the `bayesian` sampler against the tools users would pick instead.

Each (problem, method, seed) run spends a budget of trials, one at a time or in batches
(`--batch 4`: 4 asked before any is told); we report per problem the median, upper
quartile and worst final simple regret over seeds, wins/ties/losses against Optuna's
GPSampler paired by seed, and each method's average rank by median.

Runs of the other methods do not change with our code: every one is appended to
results/gp_quality_cache.jsonl and reused by later invocations (ours never is).

    .venv/bin/python benchmarks/gp_quality.py                   # the suite, 20 seeds
    .venv/bin/python benchmarks/gp_quality.py --seeds 4 --problems hartmann3,mixed_shift
    .venv/bin/python benchmarks/gp_quality.py --batch 4 --budget 64 --out gp_quality_batch
    .venv/bin/python benchmarks/gp_quality.py --set high_d --budget 200 --out gp_quality_highd
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per process: we run 2 processes

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
from pathlib import Path  # noqa: E402

try:
    from benchmarks import gp_tables
    from benchmarks.gp_report import header
    from benchmarks.gp_runs import run
    from benchmarks.problems import HELD_OUT, HIGH_D, NEW, SUITE
except ImportError:  # run as a script from benchmarks/
    import gp_tables
    from gp_report import header
    from gp_runs import run
    from problems import HELD_OUT, HIGH_D, NEW, SUITE

RESULTS = Path(__file__).parent / "results"
CACHE = RESULTS / "gp_quality_cache.jsonl"
METHODS = ("ours", "random", "optuna_tpe", "optuna_gp", "skopt_gp")
SETS = {"suite": SUITE + NEW, "high_d": HIGH_D, "held_out": HELD_OUT}


def _runs(path: Path) -> list[dict]:
    """The runs of a results file (.json) or of a run log (.jsonl, one run a line)."""
    if not path.exists():
        return []
    text = path.read_text()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)["runs"]


def _key(r: dict) -> tuple:
    return r["problem"], r["method"], r["seed"], r["budget"], r["batch"]


def _init_worker() -> None:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def collect(tasks, reuse: list[dict], log: Path, procs: int, run_missing=True) -> list[dict]:
    """Rows for every task: reused where a row has its key, run otherwise (logged)."""
    have = {_key(r): r for r in reuse}
    todo = [t for t in tasks if t not in have] if run_missing else []
    rows = [have[t] for t in tasks if t in have]
    # The slowest methods first, so the pool does not end on one long straggler.
    todo.sort(key=lambda t: (t[1] == "ours", t[1] == "random"))
    print(f"{len(rows)} runs reused, {len(todo)} to run", flush=True)
    with multiprocessing.Pool(procs, initializer=_init_worker) as pool:
        for i, row in enumerate(pool.imap_unordered(run, todo)):
            rows.append(row)
            for path in {log, CACHE} if row["method"] != "ours" else {log}:
                with path.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
            print(
                f"[{i + 1}/{len(todo)}] {row['problem']} {row['method']} seed={row['seed']} "
                f"regret={row['regret']:.4g} ({row['seconds']:.1f}s)",
                flush=True,
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--set", choices=list(SETS), default="suite")
    ap.add_argument("--problems", default="", help="comma-separated; default: the --set")
    ap.add_argument("--methods", default="ours,optuna_gp", help=",".join(METHODS))
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--out", default="gp_quality")
    ap.add_argument("--merge", default="", help="result files whose runs (ours too) to reuse")
    ap.add_argument("--report-only", action="store_true", help="tabulate what is there")
    ap.add_argument("--sequential", default="", help="batch mode: files of sequential runs")
    args = ap.parse_args()
    problems = args.problems.split(",") if args.problems else list(SETS[args.set])
    methods = args.methods.split(",")
    tasks = [
        (p, m, s, args.budget, args.batch)
        for p in problems
        for m in methods
        for s in range(args.seeds)
    ]
    reuse = [r for f in filter(None, args.merge.split(",")) for r in _runs(Path(f))]
    reuse += [r for r in _runs(CACHE) if r["method"] != "ours"]
    out = RESULTS / args.out  # a bare name lands in results/; a path goes where it says
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.with_suffix(".partial.jsonl")
    rows = collect(tasks, reuse, log, args.procs, not args.report_only)
    text = (
        header() + f"{args.budget} trials, batches of {args.batch}, up to {args.seeds} seeds.\n\n"
    )
    if args.batch > 1:
        seq = [r for f in filter(None, args.sequential.split(",")) for r in _runs(Path(f))]
        seq = [r for r in seq if r["batch"] == 1 and r["budget"] == args.budget]
        text += gp_tables.batch_table(rows, seq, problems, methods)
    else:
        text += gp_tables.table(rows, problems, methods)
    ranks = gp_tables.average_rank(rows, problems, methods)
    text += "\nAverage rank by median: " + ", ".join(f"{m} {v:.2f}" for m, v in ranks.items())
    text += "\n\nMedian seconds per trial (whole run / trials):\n\n"
    text += gp_tables.seconds_table(rows, problems, methods)
    summary = {"seeds": args.seeds, "budget": args.budget, "batch": args.batch, "ranks": ranks}
    out.with_suffix(".json").write_text(json.dumps({**summary, "runs": rows}))
    out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
