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
## What the figures say (2026-11-30; ours rerun after three fixes, below)

Our runs are not bit-for-bit repeatable: the same code and seed gave DTLZ2 seed 2
regrets of 0.29, 0.25 and 0.26 in three runs, and seed 9 0.28 then 0.65 (floating-point
order in the linear algebra, amplified over 90 sequential fits); ZDT1-3 and gramacy
repeated to the digit. Compare medians over seeds, not single seeds. Ours was rerun at
load average ~3-9 on 2 cores; Optuna's rows are the earlier runs (load ~20). Gramacy's
row was rerun too. These are the rows of a
rerun of ours on every problem after the multi-objective fixes were merged with issue
11's single-objective changes (two processes, load ~4): the unwarped steps with
categorical columns do not reach these spaces, and the lengthscale cap is kept off the
multi-objective columns, because with it ZDT's regret grew 3-37x (seed 0: ZDT1 0.0088 ->
0.027, ZDT2 0.0085 -> 0.032, ZDT3 0.0067 -> 0.25; its objectives are linear in 5 of 6
columns towards the bound where the front lies).

Issue 13's target, where it stands: no worse than GPSampler on 3 of the 4 unconstrained
problems (ZDT1, ZDT2, ZDT3; not DTLZ2) and on both constrained ones (C2-DTLZ2 median
0.027 against 0.029, 5 wins of 9; gramacy ties), with 2.0-6.2x less CPU per suggestion.

Per seed, regret at 100 trials, seeds 0-9 (before this pass / with fixes 1-2 / with
fixes 1-3 / GPSampler):
- ZDT3: 0.09 0.35 0.10 0.09 0.58 0.10 0.25 0.50 0.25 0.10 / 0.09 0.09 0.09 0.09 0.25
  0.09 0.007 0.007 0.24 0.007 / 0.088 0.006 0.006 0.006 0.006 0.007 0.008 0.088 0.007
  0.021 / 0.49 0.45 0.53 0.11 0.10 0.13 0.11 0.11 0.05 0.25. Median 0.17 -> 0.089 ->
  0.0067 (GPSampler 0.12); 6 -> 8 -> 10 wins of 10.
- DTLZ2: 0.40 0.71 0.25 0.67 0.69 0.63 0.37 0.55 0.63 0.65 / 0.47 0.35 0.24 0.50 0.33
  0.63 0.34 0.41 0.56 0.36 / 0.38 0.62 0.39 0.64 0.44 0.41 0.38 0.49 0.34 0.27 / 0.35
  0.34 0.32 0.34 0.34 0.35 - 0.35 0.33 0.38. Median 0.63 -> 0.39 -> 0.40 (GPSampler
  0.34); 1 -> 3 -> 1 wins of 9. Still behind GPSampler and TPE (0.27); fix 3 did not
  help here (two seeds stall at ~0.63 again).
- C2-DTLZ2: 0.025 0.040 0.030 0.034 0.032 0.034 0.038 0.030 0.100 0.026 / 0.033 0.033
  0.031 0.024 0.031 0.039 0.023 0.030 0.032 0.027 / 0.030 0.032 0.027 0.024 0.031 0.028
  0.026 0.023 0.028 0.026 / 0.027 0.029 0.030 0.024 0.026 0.029 - 0.027 0.030 0.029.
  Median 0.033 -> 0.031 -> 0.027 (GPSampler 0.029); 1 -> 1 -> 5 wins of 9; worst seed
  0.10 -> 0.039 -> 0.032 (GPSampler 0.030). Most of either sampler's regret is coverage:
  projecting each front point onto the true front leaves 0.022 median for both
  (ours 0.020-0.028, GPSampler 0.019-0.025), and 17% of trials 11-100 land within 1% of
  the front for both.
- ZDT1 and ZDT2: ours wins every seed (0.0088 and 0.0079 against 0.039 and 0.31; were
  0.0081 and 0.0074 before; ZDT1's ~10% rise is fix 3's). NSGA-II and TPE rarely get
  a trial under the reference point in 100 trials with 6 variables.
- Gramacy (constrained, one objective): ties on all 9 paired seeds (both within 1e-4 of
  the optimum); TPE 0.02, NSGA-II 0.08. The feasible share is low by design for both GPs:
  the optimum lies on the constraint's boundary and EI samples both sides.
- Time: ours takes 2.0-6.2x less CPU per suggestion than GPSampler (0.05-0.16 s against
  0.13-0.74 s; before this pass 2.9-7.4x). Fixes 1 and 2 add one L-BFGS-B per noisy
  column fit and a Python loop over the 8 acquisition starts (~+50%).

## Issue 13, second pass: causes found and fixed (2026-11-30)

1. The GP fit of a column stayed in the wrong mode of its posterior. The log posterior is
   often bimodal in the noise: a wiggle the lengthscales have not resolved is explained
   as noise, and a fit warm-started from that mode stays there. ZDT3's f2 oscillates in
   x0 (period 0.2); at trial 40 of seed 4 the warm start kept noise 0.033 and lengthscale
   0.93 in x0 (-log posterior 27.4), while the same fit started at noise 1e-4 reached
   noise ~0 and lengthscale 0.14 (21.3, 6 nats better). The noisy GP smoothed the
   disconnected front away and the suggestions kept returning to one extreme point
   (x = 0: f1's GP is exact there and f2's noisy one promised a little below). Each
   column's fit now also starts from its warm start (or prior starts) with the noise at
   1e-4 (columns.py). On 6 seeds before fix 2: ZDT3 seeds 1 / 4 / 7 0.35 / 0.58 / 0.50
   -> 0.089 / 0.24 / 0.090, DTLZ2 seeds 1 / 3 / 4 0.71 / 0.67 / 0.69 -> 0.42 / 0.40 /
   0.30, ZDT1, ZDT2 and gramacy unchanged (seeds 0 / 1 / 8).
2. The acquisition's local optimizer stopped early. The 8 starts ran as one L-BFGS-B on
   the sum of their log acquisitions, which shares one line search, one curvature
   estimate and one stopping test (the relative decrease of the sum): a start far down
   the log EHVI stopped the others with gradients still ~40. On DTLZ2 (seed 3, trial 45)
   the batch left its starts at log EHVI -1.97 to -2.13 where the same starts run one by
   one reached -1.78 to -1.94. The multi-objective round now runs one L-BFGS-B per start
   (optimize.maximize(separate=True); the single-objective sampler keeps the batch and
   was not measured). End to end its gain is within the run-to-run noise on 4 seeds
   (C2-DTLZ2 seeds 0-3 0.038 / 0.032 / 0.035 / 0.031 -> 0.033 / 0.033 / 0.031 / 0.024),
   for ~+50% CPU per suggestion.
3. Under EHVI (2-3 objectives) the objectives' and constraints' GPs now see standardized
   values, without the Yeo-Johnson step (multi.py _fit). EHVI measures hypervolume in
   the model's scale; a per-objective power warp stretches some parts of the front and
   shrinks others (DTLZ2's f0 had lambda -0.57), so the volume it maximized was not the
   user's. Standardized, it is the user's up to one scale per objective, as in Optuna's
   GPSampler. One objective with constraints (gramacy) and ParEGO (4+ objectives) keep
   the warp. Measured on seeds 0-7 before the full rerun: C2-DTLZ2 median 0.031 -> 0.027,
   DTLZ2 0.38 -> 0.38 (wider spread); the full rerun above: ZDT3 0.089 -> 0.0067, C2-DTLZ2
   0.031 -> 0.027, DTLZ2 0.39 -> 0.40, ZDT1 0.0079 -> 0.0088. The first pass had found
   no warp worse on DTLZ2 (0.68 / 0.60 / 0.57 / 0.65 against 0.44 / 0.70 / 0.29 / 0.67):
   with the noisy fits of cause 1 still there.

Measured and not kept (seeds 0-3 unless said; "quiet" = with fix 1):
- Optuna's lengthscale prior shape (a penalty 0.1 l^2 per dimension on top of ours, so
  long lengthscales cost ~10 nats at l = 10), before fix 1: DTLZ2 0.42 / 0.47 / 0.42 /
  0.51, but ZDT1 0.013-0.020 against 0.008 and ZDT3 0.19 / 0.33 / 0.07 / 0.37. A tenth
  of it (0.01 l^2) with fix 1: DTLZ2 seeds 0 / 1 / 3 / 4 0.31 / 0.60 / 0.48 / 0.41
  against quiet 0.32 / 0.42 / 0.40 / 0.30.
- A share of exploiting suggestions (every third trial number: EHVI maximized only
  within 0.1 of the front's rows, candidates and L-BFGS-B boxes), with fix 1: C2-DTLZ2
  0.036 / 0.034 / 0.028 / 0.038 against 0.038 / 0.032 / 0.035 / 0.031; DTLZ2 0.21 /
  0.51 / 0.33 / 0.50, no better.
- No power warp on the constraints' GPs only (objectives warped), with fixes 1-2:
  C2-DTLZ2 0.033 / 0.028 / 0.035 / 0.033, no gain: fix 3's gain is the objectives'.
- DTLZ2's long lengthscales (10-600 on the distance variables once the trials sit at
  0 or 1) are the MAP, not a fitting accident: fits started with every lengthscale
  capped at 0.5, 1 or 2 return to them (or to a mode < 1 nat better). The trials still
  go to the corners of the distance variables from the first model suggestion on
  (EHVI's variance term in a 6-D cube with 10 points), as GPSampler's do; its prior
  then keeps the lengthscales short and it recovers faster.

Earlier (first pass, issue 13): the EHVI reference point came from every observation,
infeasible ones included; C2-DTLZ2's infeasible trials lie far beyond the front, so the
reference point sat out there and EHVI paid for the front's far ends. It now comes from
the feasible rows alone, as in Optuna's constrained EHVI (C2-DTLZ2 median 0.09 ->
0.033). Tried then and not kept: no power warp (DTLZ2 0.68 / 0.60 / 0.57 / 0.65 against
0.44 / 0.70 / 0.29 / 0.67), lengthscales capped at 3 (DTLZ2 0.47-0.58 but ZDT3 and ZDT1
worse), a LogNormal(0.5, 1) lengthscale prior, a reference point from the front only
(BoTorch's infer_reference_point style: DTLZ2 0.65 / 0.71), ParEGO for 3 objectives
(0.46 / 0.64), boxes clipped at the observed ideal (ZDT3 stalls at 1.32 / 0.64).
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
