"""Several objectives and constraints: our `bayesian` sampler beside Optuna's GPSampler,
NSGA-II and TPE on the problems of mo_problems.py.

Every run asks 100 trials one at a time; Optuna's samplers start from our initial design
(the same 10 scrambled-Sobol points for the same seed, enqueued), as in gp_runs.py. Ours
is called in-process through the SamplerContext contract, as the service calls it.

Each finished run is appended to results/mo_quality.jsonl and never run again, so the
benchmark can be stopped and resumed and a partial run still gives figures; the report
(results/mo_quality.md and .json) is written from that file after every run.

    nice -n 10 .venv/bin/python benchmarks/mo_quality.py [--seeds 10] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# One thread per library for every method alike (BLAS under numpy, torch under Optuna's
# GPSampler): the machine is shared, and per-suggestion times compare like with like.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.mo_problems import PROBLEMS, MOProblem  # noqa: E402
from optimizer_api.analysis.pareto import hypervolume  # noqa: E402
from optimizer_api.domain import (  # noqa: E402
    Constraint,
    ConstraintOp,
    Direction,
    Objective,
    Trial,
    TrialState,
)
from optimizer_api.samplers.base import SamplerContext  # noqa: E402
from optimizer_api.samplers.gp import GPSampler  # noqa: E402
from optimizer_api.space import Space  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = RESULTS / "mo_quality.jsonl"
METHODS = ("ours", "optuna_gp", "optuna_nsga2", "optuna_tpe")
BUDGET = 100
N_INITIAL = 10
CHECKPOINTS = (25, 50, 75, 100)
# Regrets closer than this are a tie: gramacy's optimum is known to 4 decimals (0.5998),
# and a hypervolume 1e-4 apart is a difference no user would see.
TIE = 1e-4


def _objectives(p: MOProblem) -> tuple[Objective, ...]:
    if p.n_objectives == 1:
        return ()
    return tuple(Objective(f"f{j}", Direction.MINIMIZE) for j in range(p.n_objectives))


def _constraints(p: MOProblem) -> tuple[Constraint, ...]:
    return tuple(Constraint(f"c{j}", ConstraintOp.AT_MOST, 0.0) for j in range(p.n_constraints))


def run_ours(p: MOProblem, seed: int, budget: int):
    """(objective rows, constraint rows, wall and CPU seconds of each suggest call)."""
    sampler, space = GPSampler(), Space.from_dict(p.space)
    opts = sampler.validate_options({}, space)
    trials: list[Trial] = []
    F, C, seconds, cpu, state = [], [], [], [], None
    for n in range(budget):
        ctx = SamplerContext(
            space, Direction.MINIMIZE, seed, [n], opts, tuple(trials), state,
            objectives=_objectives(p), constraints=_constraints(p),
        )
        t0, c0 = time.perf_counter(), time.process_time()
        proposal = sampler.suggest(ctx)
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        state = proposal.state
        params = proposal.suggestions[0].params
        f, c = p.evaluate(params)
        trials.append(Trial(
            n, n, TrialState.COMPLETED, params, f[0],
            values=tuple(f) if p.n_objectives > 1 else None,
            constraint_values=tuple(c) if c else None,
        ))
        F.append(f)
        C.append(c)
    return F, C, seconds, cpu


def initial_design(p: MOProblem, seed: int) -> list[dict]:
    space, s = Space.from_dict(p.space), GPSampler()
    ctx = SamplerContext(
        space, Direction.MINIMIZE, seed, list(range(N_INITIAL)), s.validate_options({}, space)
    )
    return [sg.params for sg in s.suggest(ctx).suggestions]


def run_optuna(p: MOProblem, seed: int, budget: int, kind: str):
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if kind == "gp":
        import torch

        torch.set_num_threads(1)

    def constraints_func(trial):
        return trial.user_attrs["c"]

    cf = constraints_func if p.n_constraints else None
    if kind == "gp":
        sampler = optuna.samplers.GPSampler(
            seed=seed, n_startup_trials=N_INITIAL, constraints_func=cf
        )
    elif kind == "nsga2":
        sampler = optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf)
    else:
        sampler = optuna.samplers.TPESampler(
            seed=seed, n_startup_trials=N_INITIAL, constraints_func=cf
        )
    study = optuna.create_study(directions=["minimize"] * p.n_objectives, sampler=sampler)
    for params in initial_design(p, seed):
        study.enqueue_trial(params)
    dists = {name: FloatDistribution(s["low"], s["high"]) for name, s in p.space.items()}
    F, C, seconds, cpu = [], [], [], []
    for _ in range(budget):
        t0, c0 = time.perf_counter(), time.process_time()
        trial = study.ask(dists)
        asked, asked_cpu = time.perf_counter() - t0, time.process_time() - c0
        f, c = p.evaluate(trial.params)
        trial.set_user_attr("c", c)
        t0, c0 = time.perf_counter(), time.process_time()
        study.tell(trial, f if p.n_objectives > 1 else f[0])
        seconds.append(asked + time.perf_counter() - t0)
        cpu.append(asked_cpu + time.process_time() - c0)
        F.append(f)
        C.append(c)
    return F, C, seconds, cpu


def score(p: MOProblem, F, C) -> dict:
    """Regret at each checkpoint (hypervolume, or best feasible value) and the share of
    feasible trials after the initial design."""
    F = np.array(F, dtype=float)
    C = np.array(C, dtype=float).reshape(len(F), p.n_constraints)
    ok = np.all(C <= 0, axis=1)
    regret = {}
    for n in CHECKPOINTS:
        Fn = F[:n][ok[:n]]
        if p.ref is None:
            regret[str(n)] = float(Fn[:, 0].min() - p.optimum) if len(Fn) else None
        else:
            regret[str(n)] = float(p.best_hypervolume - hypervolume(Fn, p.ref))
    return {"regret": regret, "feasible_share": float(ok[N_INITIAL:].mean())}


def run(problem: str, method: str, seed: int, budget: int = BUDGET) -> dict:
    p = PROBLEMS[problem]
    t0, cpu0 = time.perf_counter(), time.process_time()
    if method == "ours":
        F, C, seconds, cpu = run_ours(p, seed, budget)
    else:
        F, C, seconds, cpu = run_optuna(p, seed, budget, method.removeprefix("optuna_"))
    return {
        "problem": problem, "method": method, "seed": seed, "budget": budget,
        **score(p, F, C),
        "suggest_seconds": float(np.median(seconds[N_INITIAL:])),
        "suggest_cpu_seconds": float(np.median(cpu[N_INITIAL:])),
        "total_seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - cpu0,
        "F": np.round(F, 6).tolist(), "C": np.round(C, 6).tolist(),
    }


def load(path: Path = CACHE) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _fmt(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return "none feasible"
    return f"{x:.4f}" if abs(x) >= 1e-3 else f"{x:.2e}"


def summarize(rows: list[dict], budget: int = BUDGET) -> dict:
    """Per problem and method: median and worst regret, wins and ties against Optuna's
    GPSampler (paired by seed), median feasible share and seconds per suggestion."""
    out: dict = {}
    key = str(budget)
    for problem in PROBLEMS:
        runs = {m: {r["seed"]: r for r in rows if r["problem"] == problem and r["method"] == m}
                for m in METHODS}
        gp = runs["optuna_gp"]
        for m, by_seed in runs.items():
            if not by_seed:
                continue
            reg = [np.inf if r["regret"][key] is None else r["regret"][key]
                   for r in by_seed.values()]
            paired = [s for s in by_seed if s in gp]
            mine = {s: _regret(by_seed[s], key) for s in paired}
            theirs = {s: _regret(gp[s], key) for s in paired}
            out.setdefault(problem, {})[m] = {
                "seeds": len(by_seed),
                "median_regret": float(np.median(reg)),
                "worst_regret": float(np.max(reg)),
                "wins_vs_optuna_gp": sum(mine[s] < theirs[s] - TIE for s in paired),
                "ties_vs_optuna_gp": sum(abs(mine[s] - theirs[s]) <= TIE for s in paired),
                "paired_seeds": len(paired),
                "paired_median_regret": float(np.median(list(mine.values()))) if paired else None,
                "paired_median_regret_of_optuna_gp": (
                    float(np.median(list(theirs.values()))) if paired else None),
                "median_feasible_share": float(np.median(
                    [r["feasible_share"] for r in by_seed.values()])),
                "median_seconds_per_suggestion": float(np.median(
                    [r["suggest_seconds"] for r in by_seed.values()])),
                "median_cpu_seconds_per_suggestion": float(np.median(
                    [r["suggest_cpu_seconds"] for r in by_seed.values()])),
                "median_regret_by_trials": {
                    n: float(np.median([_regret(r, n) for r in by_seed.values()]))
                    for n in map(str, CHECKPOINTS)
                },
            }
    return out


def _regret(row: dict, key: str) -> float:
    v = row["regret"][key]
    return np.inf if v is None else v


def report(rows: list[dict]) -> str:
    s = summarize(rows)
    lines = [
        "# Several objectives and constraints: sampler quality",
        "",
        "`benchmarks/mo_quality.py`, 100 trials asked one at a time, Optuna's samplers from "
        "our 10-point initial design (same seed, same points). Regret: the true front's "
        "hypervolume minus that of the feasible trials (reference 1.1 per objective), or, "
        "for gramacy, the best feasible value minus 0.5998. Wins: seeds where ours (or the "
        "row's method) has a regret lower by more than 1e-4 than Optuna's GPSampler on the "
        "same seed; ties: within 1e-4 (gramacy's optimum is known to 4 decimals). "
        "Feasible: the share of trials 11-100 that satisfy every constraint. "
        "Seconds: the median over trials 11-100 of one suggestion's wall time "
        "(Optuna: ask + tell), then the median over seeds, and in brackets the same for "
        "the process's CPU time (every library held to one thread); the machine is shared "
        "and noisy (load average ~20 on 2 cores during the run), compare ratios. "
        "ZDT and DTLZ2 use 6 variables (not 30 and 12); C2-DTLZ2 has 2 "
        "objectives and r = 0.5.",
        "",
        "| problem | method | seeds | median regret | worst seed | wins vs GP (ties) "
        "| median regret at 25 / 50 / 75 | feasible | s / suggestion (CPU s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for problem, by_method in s.items():
        for m, r in by_method.items():
            at = " / ".join(_fmt(r["median_regret_by_trials"][str(n)]) for n in CHECKPOINTS[:-1])
            feas = f"{r['median_feasible_share']:.2f}" if PROBLEMS[problem].n_constraints else "-"
            wins = "-" if m == "optuna_gp" else (
                f"{r['wins_vs_optuna_gp']}/{r['paired_seeds']} ({r['ties_vs_optuna_gp']})")
            lines.append(
                f"| {problem} | {m} | {r['seeds']} | {_fmt(r['median_regret'])} "
                f"| {_fmt(r['worst_regret'])} | {wins} | {at} | {feas} "
                f"| {r['median_seconds_per_suggestion']:.3f} "
                f"({r['median_cpu_seconds_per_suggestion']:.3f}) |"
            )
    lines += ["", "Ours against Optuna's GPSampler, per problem (seeds both ran):", "",
              "| problem | median regret, ours / GPSampler | wins (ties) of ours "
              "| CPU s per suggestion, GPSampler / ours |", "|---|---|---|---|"]
    for problem, by_method in s.items():
        ours, gp = by_method.get("ours"), by_method.get("optuna_gp")
        if not ours or not gp:
            continue
        speed = gp["median_cpu_seconds_per_suggestion"] / ours["median_cpu_seconds_per_suggestion"]
        lines.append(
            f"| {problem} | {_fmt(ours['paired_median_regret'])} "
            f"/ {_fmt(ours['paired_median_regret_of_optuna_gp'])} "
            f"| {ours['wins_vs_optuna_gp']}/{ours['paired_seeds']} "
            f"({ours['ties_vs_optuna_gp']}) | {speed:.1f}x |"
        )
    return "\n".join(lines) + "\n" + NOTES


NOTES = """
## What the figures say (2026-11-30; ours rerun on every problem after issue 13's fix)

Our runs are not bit-for-bit repeatable: the same code and seed gave DTLZ2 seed 2
regrets of 0.29, 0.25 and 0.26 in three runs, and seed 9 0.28 then 0.65 (floating-point
order in the linear algebra, amplified over 90 sequential fits); ZDT1-3 and gramacy
repeated to the digit. Compare medians over seeds, not single seeds.

- ZDT1 and ZDT2: ours wins every seed against GPSampler (median regret 0.008 against
  0.039 and 0.31); NSGA-II and TPE rarely get a trial under the reference point in 100
  trials with 6 variables. ZDT3 (disconnected front) is mixed: ours wins 6 seeds of 10 but
  its median regret is higher (0.17 against 0.12).
- C2-DTLZ2 (issue 13): the EHVI reference point came from every observation, infeasible
  ones included. C2-DTLZ2's infeasible trials are the ones far from the front (objectives
  up to ~2 against the metric's 1.1), so the reference point sat out there and EHVI paid
  for the front's far ends. It now comes from the feasible rows alone, as in Optuna's
  constrained EHVI (its reference point and boxes use the feasible trials only). Seeds
  0-3: 0.058 / 0.34 / 0.057 / 0.059 -> 0.025 / 0.040 / 0.030 / 0.034 (GPSampler 0.027 /
  0.029 / 0.030 / 0.024); 10 seeds: median 0.09 -> 0.033, ties GPSampler on 1 seed and
  wins 2 of 9, one seed (8) still at 0.10. Problems without constraints are unchanged
  by construction (every row is feasible, so the reference point is the same), and so
  is gramacy (one objective, no EHVI): their rerun gave the same figures, DTLZ2 within
  its run-to-run spread (median 0.61 before, 0.63 now).
- DTLZ2 (3 objectives): ours is behind GPSampler (0.63 against 0.34) and behind TPE.
  What the trials and the fitted kernels show (seed 1): from trial ~20 on, the
  suggestions put the four distance variables at 0 or 1, where (x - 0.5)^2 is the same,
  so the observations are symmetric in those variables and their lengthscales grow to
  10-20 (unit cube) by trial 40; the GP then sees them as irrelevant, EHVI's variance
  term pulls them to the cube's corners, and the trials stall at g = 0.75 (|f| = 1.75)
  on the front's degenerate edges. GPSampler also spends ~all its trials on those edges
  but gets |f| to 1.0-1.3. Tried on seeds 0-3 and not kept: no power warp on the
  objectives' GPs (DTLZ2 0.68 / 0.60 / 0.57 / 0.65 against 0.44 / 0.70 / 0.29 / 0.67;
  C2-DTLZ2 mixed); lengthscales capped at 3 (DTLZ2 0.47 / 0.58 / 0.49 / 0.47, but ZDT3
  0.10 / 0.51 / 0.17 / 0.36 against 0.09 / 0.35 / 0.10 / 0.09 and ZDT1 seed 0 0.045
  against 0.008); a tighter lengthscale prior, LogNormal(0.5, 1) (DTLZ2 seed 1 0.54, ZDT3
  seeds 0-1 0.37 / 0.49). Earlier, on seeds 0-1: a reference point from the front only
  (BoTorch's infer_reference_point style: DTLZ2 0.65 / 0.71), ParEGO for 3 objectives
  (0.46 / 0.64), boxes clipped at the observed ideal (ZDT3 stalls at 1.32 / 0.64).
- Gramacy (constrained, one objective): ours and GPSampler both reach the optimum within
  1e-4 on every seed (ties); TPE 0.02, NSGA-II 0.08. The feasible share is low by design
  for both GPs: the optimum lies on the constraint's boundary and EI samples both sides.
- Time: ours takes 2.9-7.4x less CPU per suggestion than GPSampler (0.03-0.12 s against
  0.13-0.74 s). Our rerun ran on a quieter machine than Optuna's runs (load ~2-4
  against ~20), so the wall-time column compares ours with Optuna's only loosely; the
  first run, under the same load, had ours 1.7-4.4x faster in wall time.
"""


def write_report(rows: list[dict]) -> None:
    (RESULTS / "mo_quality.md").write_text(report(rows))
    (RESULTS / "mo_quality.json").write_text(json.dumps(summarize(rows), indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    ap.add_argument("--methods", nargs="*", default=list(METHODS))
    ap.add_argument("--reverse", action="store_true", help="seeds from the last down")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    rows = load()
    seeds = range(args.seeds)
    if not args.report_only:
        for seed in reversed(seeds) if args.reverse else seeds:  # a partial run covers all
            for problem in args.problems:
                for method in args.methods:
                    rows = load()  # another process may share the cache: skip its runs
                    if any((r["problem"], r["method"], r["seed"]) == (problem, method, seed)
                           for r in rows):
                        continue
                    row = run(problem, method, seed)
                    with CACHE.open("a") as fh:
                        fh.write(json.dumps(row) + "\n")
                    rows.append(row)
                    print(f"{problem} {method} seed {seed}: regret {row['regret']} "
                          f"{row['total_seconds']:.1f} s", flush=True)
                    write_report(rows)
    write_report(rows)
    print(report(rows))


if __name__ == "__main__":
    main()
