"""Quality of the `bayesian` sampler against the tools users would pick instead.

Each (problem, method, seed) run spends a budget of trials; we report the median final
simple regret (best value found minus the known optimum) per problem and method, and
each method's average rank (by median regret) across problems.

    /work/bench-venv/bin/python benchmarks/gp_quality.py                 # full: 10 seeds
    /work/bench-venv/bin/python benchmarks/gp_quality.py --seeds 2 --problems branin
    nice -n 10 /work/bench-venv/bin/python benchmarks/gp_quality.py --methods skopt_gp \
        --procs 1 --out gp_quality_skopt   # ~1-3 min per run: opt-in, in the background
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per process: we run 2 processes

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

try:
    from benchmarks.gp_report import header
    from benchmarks.problems import PROBLEMS, Problem
except ImportError:  # run as a script from benchmarks/
    from gp_report import header
    from problems import PROBLEMS, Problem

from optimizer_api.domain import Direction, Trial, TrialState  # noqa: E402
from optimizer_api.samplers.base import SamplerContext  # noqa: E402
from optimizer_api.samplers.gp import GPSampler  # noqa: E402
from optimizer_api.samplers.random import RandomSampler  # noqa: E402
from optimizer_api.space import Space  # noqa: E402

RESULTS = Path(__file__).parent / "results"
METHODS = ("ours", "random", "optuna_tpe", "optuna_gp", "skopt_gp")
DEFAULT_METHODS = METHODS[:-1]  # scikit-optimize takes hours for 70 runs: opt-in


def run_ours(problem: Problem, seed: int, budget: int, sampler=None, options=None) -> list[float]:
    """Our sampler (or another of ours) in-process, through the SamplerContext contract."""
    sampler = sampler or GPSampler()
    space = Space.from_dict(problem.space)
    opts = sampler.validate_options(options or {}, space)
    trials: list[Trial] = []
    state, values = None, []
    for n in range(budget):
        ctx = SamplerContext(space, Direction.MINIMIZE, seed, [n], opts, tuple(trials), state)
        proposal = sampler.suggest(ctx)
        state = proposal.state
        params = proposal.suggestions[0].params
        v = problem.func(params)
        values.append(v)
        trials.append(Trial(n, n, TrialState.COMPLETED, params, v))
    return values


def _optuna_distributions(space: dict):
    import optuna.distributions as od

    out = {}
    for name, s in space.items():
        if s["type"] == "categorical":
            out[name] = od.CategoricalDistribution(s["choices"])
        elif s["type"] == "int":
            out[name] = od.IntDistribution(s["low"], s["high"], log=s.get("log", False))
        else:
            out[name] = od.FloatDistribution(s["low"], s["high"], log=s.get("log", False))
    return out


def run_optuna(problem: Problem, seed: int, budget: int, kind: str) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if kind == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        sampler = optuna.samplers.GPSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)
    dists = _optuna_distributions(problem.space)
    values = []
    for _ in range(budget):
        trial = study.ask(dists)
        v = problem.func(trial.params)
        study.tell(trial, v)
        values.append(v)
    return values


def run_skopt(problem: Problem, seed: int, budget: int) -> list[float]:
    from skopt import gp_minimize
    from skopt.space import Categorical, Integer, Real

    names, dims = list(problem.space), []
    for s in problem.space.values():
        if s["type"] == "categorical":
            dims.append(Categorical(s["choices"]))
        elif s["type"] == "int":
            dims.append(Integer(s["low"], s["high"]))
        else:
            dims.append(
                Real(s["low"], s["high"], prior="log-uniform" if s.get("log") else "uniform")
            )

    def f(x):
        return problem.func(
            {n: (v.item() if hasattr(v, "item") else v) for n, v in zip(names, x, strict=True)}
        )

    res = gp_minimize(f, dims, n_calls=budget, random_state=seed)
    return [float(v) for v in res.func_vals]


def run(task: tuple[str, str, int, int]) -> dict:
    problem_name, method, seed, budget = task
    problem = PROBLEMS[problem_name]
    t0 = time.perf_counter()
    if method == "ours":
        values = run_ours(problem, seed, budget)
    elif method.startswith("ours:"):  # ours with options, e.g. ours:n_initial=5
        key, val = method[5:].split("=")
        values = run_ours(problem, seed, budget, options={key: json.loads(val)})
    elif method == "random":
        values = run_ours(problem, seed, budget, sampler=RandomSampler())
    elif method == "optuna_tpe":
        values = run_optuna(problem, seed, budget, "tpe")
    elif method == "optuna_gp":
        values = run_optuna(problem, seed, budget, "gp")
    elif method == "skopt_gp":
        values = run_skopt(problem, seed, budget)
    else:
        raise ValueError(method)
    best = float(np.minimum.accumulate(values)[-1])
    return {
        "problem": problem_name,
        "method": method,
        "seed": seed,
        "regret": best - problem.optimum,
        "seconds": time.perf_counter() - t0,
    }


def _init_worker() -> None:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def summarize(rows: list[dict], problems: list[str], methods: list[str]) -> dict:
    """Median regret per (problem, method); ranks by median; average rank per method."""
    med = {
        p: {
            m: float(
                np.median([r["regret"] for r in rows if r["problem"] == p and r["method"] == m])
            )
            for m in methods
        }
        for p in problems
    }
    ranks = {m: [] for m in methods}
    for p in problems:
        order = sorted(methods, key=lambda m: med[p][m])
        for m in methods:  # ties share the best rank
            ranks[m].append(1 + sum(med[p][o] < med[p][m] for o in order))
    avg = {m: float(np.mean(ranks[m])) for m in methods}
    secs = {m: float(np.median([r["seconds"] for r in rows if r["method"] == m])) for m in methods}
    return {"median_regret": med, "ranks": ranks, "average_rank": avg, "median_run_seconds": secs}


def markdown(
    summary: dict, problems: list[str], methods: list[str], seeds: int, budget: int
) -> str:
    lines = [
        f"Median final simple regret, {budget} trials, {seeds} seeds (lower is better).",
        "",
        "| problem | " + " | ".join(methods) + " |",
        "|---|" + "---|" * len(methods),
    ]
    for p in problems:
        cells = [f"{summary['median_regret'][p][m]:.4g}" for m in methods]
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines.append(
        "| **average rank** | "
        + " | ".join(f"{summary['average_rank'][m]:.2f}" for m in methods)
        + " |"
    )
    lines.append(
        "| median seconds per run | "
        + " | ".join(f"{summary['median_run_seconds'][m]:.1f}" for m in methods)
        + " |"
    )
    return "\n".join(lines) + "\n"


def _runs(path: Path) -> list[dict]:
    """The runs of a results file (.json) or of a partial log (.jsonl, one run a line)."""
    text = path.read_text()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)["runs"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default=",".join(DEFAULT_METHODS), help=",".join(METHODS))
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--out", default="gp_quality")
    ap.add_argument(
        "--merge", default="", help="result files (.json, .partial.jsonl) whose runs to reuse"
    )
    args = ap.parse_args()
    problems, methods = args.problems.split(","), args.methods.split(",")
    old = [
        r
        for f in filter(None, args.merge.split(","))
        for r in _runs(Path(f))
        if r["problem"] in problems and r["seed"] < args.seeds and r["method"] in methods
    ]
    done = {(r["problem"], r["method"], r["seed"]) for r in old}
    tasks = [
        (p, m, s, args.budget)
        for p in problems
        for m in methods
        for s in range(args.seeds)
        if (p, m, s) not in done
    ]
    # The slowest methods first, so the pool does not end on one long straggler.
    tasks.sort(key=lambda t: t[1] != "skopt_gp")
    out = RESULTS / args.out  # a bare name lands in results/; a path goes where it says
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial.jsonl")  # every finished run, for --merge if cut short
    with multiprocessing.Pool(args.procs, initializer=_init_worker) as pool:
        rows = list(old)
        for i, row in enumerate(pool.imap_unordered(run, tasks)):
            rows.append(row)
            with partial.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(
                f"[{i + 1}/{len(tasks)}] {row['problem']} {row['method']} seed={row['seed']} "
                f"regret={row['regret']:.4g} ({row['seconds']:.1f}s)",
                flush=True,
            )
    summary = summarize(rows, problems, methods)
    out.with_suffix(".json").write_text(
        json.dumps({"seeds": args.seeds, "budget": args.budget, "runs": rows, **summary}, indent=1)
    )
    table = header() + markdown(summary, problems, methods, args.seeds, args.budget)
    out.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
