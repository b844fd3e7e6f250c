"""Parameter importance: ours (PED-ANOVA) beside Optuna's PED-ANOVA and fANOVA, same trials.

Each problem is f = sum_i w_i z_i(x_i) over 8 parameters, uniformly sampled: z_i is one
effect shape on the parameter's unit scale, standardized over the sample, so each term's
share of the variance is w_i^2 / sum_j w_j^2 and the truth is known: the ranking of w,
with the w = 0 parameters inert. Every method sees the same trials (Optuna's through
`optuna.trial.create_trial` from the same params and values) and reports its normalized
importances. Quality: are all inert parameters ranked below all active ones, Spearman's
rho with w (ties averaged), and with ours. Time: the median of --reps calls, given the
trials (ours: a list of Trials; Optuna: a study in memory). fANOVA runs in a child
process cut off after --fanova-box seconds, on the first --fanova-seeds seeds only; a
cut-off run is recorded.

    .venv/bin/python benchmarks/importance.py                 # ~8 min on 2 shared cores
    .venv/bin/python benchmarks/importance.py --ns 1000 --seeds 2 --reps 2 --fanova-box 0

Once fANOVA overruns its box, it is not tried again (same or bigger n, other cases).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from optimizer_api.analysis import importance
from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.space import Space

try:
    from benchmarks.gp_report import header
except ImportError:  # run as a script from benchmarks/
    from gp_report import header

RESULTS = Path(__file__).parent / "results"
WEIGHTS = (8, 4, 2, 1, 0, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    name: str
    space: dict[str, Any]
    effects: tuple[Callable[[np.ndarray], np.ndarray], ...]  # one per parameter, on unit u
    direction: Direction


def _bowl(centre: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda u: (u - centre) ** 2


CASES = {
    "floats": Case(
        "floats",
        {f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(8)},
        tuple(_bowl(0.5) for _ in range(8)),
        Direction.MINIMIZE,
    ),
    # Every kind of parameter, active and inert; maximized (the best are the highest).
    "mixed": Case(
        "mixed",
        {
            "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
            "units": {"type": "int", "low": 16, "high": 512, "step": 16},
            "layers": {"type": "int", "low": 1, "high": 1000, "log": True},
            "dropout": {"type": "float", "low": 0, "high": 0.5, "step": 0.025},
            "batch": {"type": "categorical", "choices": [16, 32, 64, 128]},
            "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
            "epochs": {"type": "int", "low": 5, "high": 60},
            "alpha": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
        },
        (_bowl(0.3), _bowl(0.6), _bowl(0.4), _bowl(0.7), *(_bowl(0.5) for _ in range(4))),
        Direction.MAXIMIZE,
    ),
}


def sample(case: Case, n: int, seed: int) -> tuple[Space, list[dict], np.ndarray]:
    """n uniform configurations and their values."""
    space = Space.from_dict(case.space)
    rng = np.random.default_rng(seed)
    configs = [space.decode(u) for u in rng.random((n, len(space)))]
    U = np.array([space.encode(c) for c in configs])
    Z = np.column_stack([g(U[:, j]) for j, g in enumerate(case.effects)])
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    sign = -1.0 if case.direction is Direction.MAXIMIZE else 1.0  # the best: bowls' bottoms
    return space, configs, sign * (Z @ np.array(WEIGHTS, dtype=float))


def ours(space: Space, configs: list[dict], values: np.ndarray, direction: Direction):
    trials = [
        Trial(i, i, TrialState.COMPLETED, c, float(v))
        for i, (c, v) in enumerate(zip(configs, values, strict=True))
    ]
    return lambda: importance(space, trials, direction)


def optuna_study(space_dict: dict, configs: list[dict], values: np.ndarray, direction):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    dists = {name: _distribution(spec) for name, spec in space_dict.items()}
    study = optuna.create_study(direction=str(direction))
    study.add_trials(
        [
            optuna.trial.create_trial(params=c, distributions=dists, value=float(v))
            for c, v in zip(configs, values, strict=True)
        ]
    )
    return study


def _distribution(spec: dict):
    """The Optuna distribution of one parameter of ours, step and log included."""
    import optuna.distributions as od

    if spec["type"] == "categorical":
        return od.CategoricalDistribution(spec["choices"])
    log, step = spec.get("log", False), spec.get("step")
    if spec["type"] == "int":
        return od.IntDistribution(spec["low"], spec["high"], log=log, step=step or 1)
    return od.FloatDistribution(spec["low"], spec["high"], log=log, step=step)


def optuna_call(study, evaluator: str):
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator

    ev = PedAnovaImportanceEvaluator() if evaluator == "ped" else FanovaImportanceEvaluator()
    return lambda: dict(optuna.importance.get_param_importances(study, evaluator=ev))


def timed(call: Callable[[], dict], reps: int) -> tuple[dict, float]:
    times, result = [], {}
    for _ in range(reps):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
    return {k: float(v) for k, v in result.items()}, statistics.median(times)


def _fanova_child(conn, case_name: str, n: int, seed: int) -> None:
    case = CASES[case_name]
    _, configs, values = sample(case, n, seed)
    study = optuna_study(case.space, configs, values, case.direction)
    conn.send(timed(optuna_call(study, "fanova"), 1))


def fanova_boxed(case: Case, n: int, seed: int, box: float) -> tuple[dict, float] | None:
    """fANOVA in a child process, or None when it takes longer than `box` seconds."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_fanova_child, args=(child, case.name, n, seed))
    proc.start()
    ready = parent.poll(box)
    result = parent.recv() if ready else None
    if not ready:
        proc.terminate()
    proc.join()
    return result


class FanovaBox:
    """fANOVA's time box: once overrun, fANOVA is not run again (it only gets slower)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.overrun_at: int | None = None

    def run(self, case: Case, n: int, seed: int) -> tuple[dict, float | None, str]:
        """(shares, seconds, why there are none)."""
        if self.seconds <= 0:
            return {}, None, "not run: --fanova-box 0"
        if self.overrun_at is not None:
            return {}, None, f"not run: over the time box at n = {self.overrun_at} before"
        result = fanova_boxed(case, n, seed, self.seconds)
        if result is None:
            self.overrun_at = n
            return {}, None, f"stopped: over the {self.seconds:g} s time box"
        return *result, ""


def quality(shares: dict[str, float], names: list[str], reference: dict | None = None) -> dict:
    x = [shares[k] for k in names]
    active = [v for v, w in zip(x, WEIGHTS, strict=True) if w > 0]
    inert = [v for v, w in zip(x, WEIGHTS, strict=True) if w == 0]
    out = {
        "inert_last": bool(min(active) > max(inert)),
        "rho_truth": float(spearmanr(x, WEIGHTS).statistic),
    }
    if reference is not None:
        out["rho_ours"] = float(spearmanr(x, [reference[k] for k in names]).statistic)
    return out


def run(case: Case, n: int, args: argparse.Namespace, box: FanovaBox) -> list[dict]:
    """One row per method and seed; fANOVA on the first --fanova-seeds seeds only."""
    rows = []
    for seed in range(args.seeds):
        space, configs, values = sample(case, n, seed)
        study = optuna_study(case.space, configs, values, case.direction)
        calls = {
            "ours": ours(space, configs, values, case.direction),
            "optuna-ped-anova": optuna_call(study, "ped"),
        }
        results = {name: (*timed(call, args.reps), "") for name, call in calls.items()}
        if seed < args.fanova_seeds:
            results["optuna-fanova"] = box.run(case, n, seed)
        ref = results["ours"][0]
        for method, (shares, seconds, why) in results.items():
            row = {"case": case.name, "n": n, "seed": seed, "method": method, "seconds": seconds}
            if shares:
                row |= quality(shares, list(space.names), None if method == "ours" else ref)
                row["shares"] = {k: shares[k] for k in space.names}  # Optuna's come sorted
            else:
                row["skipped"] = why
            print(json.dumps({k: v for k, v in row.items() if k != "shares"}), flush=True)
            rows.append(row)
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    out = []
    keys = dict.fromkeys((r["case"], r["n"], r["method"]) for r in rows)
    for case, n, method in keys:
        rs = [r for r in rows if (r["case"], r["n"], r["method"]) == (case, n, method)]
        done = [r for r in rs if "shares" in r]
        s = {"case": case, "n": n, "method": method, "seeds": len(done)}
        if done:
            s["inert_last"] = sum(r["inert_last"] for r in done)
            s["rho_truth_median"] = statistics.median(r["rho_truth"] for r in done)
            s["rho_truth_min"] = min(r["rho_truth"] for r in done)
            if method != "ours":
                s["rho_ours_median"] = statistics.median(r["rho_ours"] for r in done)
            s["seconds"] = statistics.median(r["seconds"] for r in done)
        else:
            s["skipped"] = rs[0]["skipped"]
        out.append(s)
    return out


def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def report(summary: list[dict], rows: list[dict], args) -> str:
    best = spearmanr(WEIGHTS, range(len(WEIGHTS), 0, -1)).statistic
    lines = [
        header(),
        f"Cases: f = sum_i w_i z_i(x_i), w = {WEIGHTS}, z_i a standardized bowl on the "
        "parameter's unit scale; `floats`: 8 floats, minimized; `mixed`: log float, int "
        "step, log int, float step active; two categoricals, an int and a log float inert; "
        f"maximized. Uniform samples, {args.seeds} seeds (fANOVA: the first {args.fanova_seeds}). "
        "inert last: seeds where every inert parameter ranks below every active one. "
        "rho truth: Spearman with w (median, min over seeds); its ceiling, with the active "
        f"ones in order and the inert ones in any order, is {best:.3f}. rho ours: Spearman "
        "with our shares on the same trials (median). seconds: the median call, given "
        f"the trials ({args.reps} reps per seed; fANOVA one run).",
        "",
        "| case | n | method | inert last | rho truth (min) | rho ours | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        if "skipped" in s:
            lines.append(f"| {s['case']} | {s['n']} | {s['method']} | {s['skipped']} | | | |")
            continue
        lines.append(
            f"| {s['case']} | {s['n']} | {s['method']} | {s['inert_last']}/{s['seeds']} | "
            f"{s['rho_truth_median']:.3f} ({s['rho_truth_min']:.3f}) | "
            f"{_fmt(s.get('rho_ours_median'), '.3f')} | {_fmt(s['seconds'], '.3f')} |"
        )
    lines += ["", "Shares at seed 0 (parameters in the order of w):", ""]
    for r in rows:
        if r["seed"] == 0 and "shares" in r:
            shares = " ".join(f"{v:.3f}" for v in r["shares"].values())
            lines.append(f"- {r['case']}, n = {r['n']}, {r['method']}: {shares}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ns", default="1000,10000")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--fanova-box", type=float, default=150.0, help="seconds; 0: skip")
    ap.add_argument("--fanova-seeds", type=int, default=3)
    ap.add_argument("--out", default="importance")
    args = ap.parse_args()
    rows, box = [], FanovaBox(args.fanova_box)
    for n in (int(x) for x in args.ns.split(",")):
        for name in args.cases.split(","):
            rows += run(CASES[name], n, args, box)
    summary = summarize(rows)
    out = RESULTS / args.out
    out.with_suffix(".md").write_text(report(summary, rows, args))
    setup = {"args": vars(args), "header": header().strip(), "weights": WEIGHTS}
    data = {"setup": setup, "summary": summary, "runs": rows}
    out.with_suffix(".json").write_text(json.dumps(data, indent=1))
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
