"""Warm start: trials a child study needs to reach a target regret, with and without parents.

Families of related problems (the parent is a Bayesian study of 40 trials on the
original; the child is the same problem moved):
- branin, hartmann6, styblinski_tang4: the child's inputs shifted by 3% of each range
  and its values scaled and offset (2 f + 7);
- svc_digits: an RBF SVC's C and gamma on scikit-learn's digits, the parent scored on
  one train/validation split, the child on another (error rate, minimized);
- branin_unrelated (the negative-transfer check): the child is shifted Branin, the parent
  an Ackley function on the same box whose optimum lies in a poor region of Branin.
Per family and seed, the child runs cold (our usual initial design then the GP) and warm
(`prior_trials` = the parent's completed trials), each until its best value is within the
target regret or MAX_TRIALS (then counted as MAX_TRIALS + 1, censored). In-process sampler
calls through the SamplerContext contract, as the service makes them.

Usage: python benchmarks/warm_start.py [--seeds 10] [--families ...]; resumable: finished
runs are kept in results/warm_start.partial.jsonl and not run again.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.problems import PROBLEMS, ackley, styblinski_tang  # noqa: E402
from optimizer_api.domain import Direction, Trial, TrialState  # noqa: E402
from optimizer_api.samplers.base import SamplerContext  # noqa: E402
from optimizer_api.samplers.gp import GPSampler  # noqa: E402
from optimizer_api.space import Space  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
LOG = RESULTS / "warm_start.partial.jsonl"
PARENT_TRIALS = 40
MAX_TRIALS = 40
SHIFT = 0.03  # of each parameter's range
SCALE, OFFSET = 2.0, 7.0


@dataclass(frozen=True)
class Family:
    name: str
    space: dict
    parent: object  # params -> value (minimized)
    child: object
    child_optimum: float
    target: float  # regret the child must reach


def _shifted(func, space: dict):
    """func with its inputs moved by SHIFT of each range, values scaled and offset."""
    delta = {k: SHIFT * (s["high"] - s["low"]) for k, s in space.items()}

    def f(p):
        return SCALE * func({k: v - delta[k] for k, v in p.items()}) + OFFSET

    return f


ST4 = {f"x{i}": {"type": "float", "low": -5.0, "high": 5.0} for i in range(4)}


def _ackley_on_branin(p):
    """Ackley centred at (2.5, 7.5) of Branin's box (Branin is about 25 there)."""
    return ackley({"x0": (p["x0"] - 2.5) * 32.768 / 7.5, "x1": (p["x1"] - 7.5) * 32.768 / 7.5})


@cache
def _digits(split: int):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return train_test_split(x / 16.0, y, train_size=600, test_size=600, random_state=split,
                            stratify=y)


@cache
def _svc_error(split: int, c: float, gamma: float) -> float:
    from sklearn.svm import SVC

    xt, xv, yt, yv = _digits(split)
    return float(1.0 - SVC(C=c, gamma=gamma).fit(xt, yt).score(xv, yv))


SVC_SPACE = {"C": {"type": "float", "low": 1e-2, "high": 1e3, "log": True},
             "gamma": {"type": "float", "low": 1e-4, "high": 1.0, "log": True}}


def _svc(split):
    return lambda p: _svc_error(split, round(p["C"], 6), round(p["gamma"], 8))


@cache
def _svc_optimum(split: int) -> float:
    """The best error on a 30 x 30 log grid (the child's reference optimum)."""
    return min(_svc_error(split, round(c, 6), round(g, 8))
               for c in np.logspace(-2, 3, 30) for g in np.logspace(-4, 0, 30))


def families() -> dict[str, Family]:
    br, h6 = PROBLEMS["branin"], PROBLEMS["hartmann6"]
    st_opt = -39.16616570377142 * 4
    return {f.name: f for f in (
        Family("branin", br.space, br.func, _shifted(br.func, br.space),
               SCALE * br.optimum + OFFSET, SCALE * 0.05),
        Family("hartmann6", h6.space, h6.func, _shifted(h6.func, h6.space),
               SCALE * h6.optimum + OFFSET, SCALE * 0.1),
        Family("styblinski_tang4", ST4, styblinski_tang, _shifted(styblinski_tang, ST4),
               SCALE * st_opt + OFFSET, SCALE * 10.0),
        Family("svc_digits", SVC_SPACE, _svc(0), _svc(1), math.nan, 0.005),
        Family("branin_unrelated", br.space, _ackley_on_branin, _shifted(br.func, br.space),
               SCALE * br.optimum + OFFSET, SCALE * 0.05),
    )}


def run(space: Space, func, seed: int, budget: int, prior=(), stop_at=None) -> list[float]:
    """Our GP sampler, one trial at a time, until `stop_at` is reached or `budget`."""
    sampler = GPSampler()
    opts = sampler.validate_options({}, space)
    trials: list[Trial] = []
    state = None
    while len(trials) < budget:
        n = len(trials)
        ctx = SamplerContext(space, Direction.MINIMIZE, seed, [n], opts, tuple(trials), state,
                             prior_trials=tuple(prior))
        proposal = sampler.suggest(ctx)
        state = proposal.state
        p = proposal.suggestions[0].params
        trials.append(Trial(n, n, TrialState.COMPLETED, p, func(p)))
        if stop_at is not None and trials[-1].value <= stop_at:
            break
    return [t.value for t in trials]


def one(fam: Family, seed: int) -> dict:
    """The parent study, then the child cold and warm, for one seed."""
    space = Space.from_dict(fam.space)
    started = time.process_time()
    parent_values, parent_trials = [], []
    sampler = GPSampler()
    opts = sampler.validate_options({}, space)
    state = None
    for n in range(PARENT_TRIALS):  # the parent: a Bayesian study of its own seed
        ctx = SamplerContext(space, Direction.MINIMIZE, seed + 10_000, [n], opts,
                             tuple(parent_trials), state)
        prop = sampler.suggest(ctx)
        state = prop.state
        p = prop.suggestions[0].params
        parent_values.append(fam.parent(p))
        parent_trials.append(Trial(n, n, TrialState.COMPLETED, p, parent_values[-1]))
    prior = [replace(t, study_id=1) for t in parent_trials]
    optimum = fam.child_optimum if not math.isnan(fam.child_optimum) else _svc_optimum(1)
    stop_at = optimum + fam.target
    out = {"family": fam.name, "seed": seed, "optimum": optimum, "target": fam.target}
    for arm, pr in (("cold", ()), ("warm", prior)):
        values = run(space, fam.child, seed, MAX_TRIALS, pr, stop_at)
        reached = [i + 1 for i, v in enumerate(values) if v <= stop_at]
        out[arm] = {"trials": reached[0] if reached else MAX_TRIALS + 1,
                    "best_regret": min(values) - optimum}
    out["cpu_seconds"] = time.process_time() - started
    return out


def summarize(rows: list[dict]) -> dict:
    out = {}
    for fam in dict.fromkeys(r["family"] for r in rows):
        rs = sorted((r for r in rows if r["family"] == fam), key=lambda r: r["seed"])
        cold = [r["cold"]["trials"] for r in rs]
        warm = [r["warm"]["trials"] for r in rs]
        ratios = [w / c for w, c in zip(warm, cold, strict=True)]
        out[fam] = {
            "seeds": len(rs),
            "target_regret": rs[0]["target"],
            "cold_median": statistics.median(cold),
            "warm_median": statistics.median(warm),
            "fewer_trials": 1 - statistics.median(warm) / statistics.median(cold),
            "median_ratio": statistics.median(ratios),
            "warm_no_worse": sum(w <= c for w, c in zip(warm, cold, strict=True)),
            "censored": {"cold": sum(c > MAX_TRIALS for c in cold),
                         "warm": sum(w > MAX_TRIALS for w in warm)},
            "per_seed": {"cold": cold, "warm": warm, "ratio": [round(x, 3) for x in ratios]},
        }
    return out


NOTES = """
Reading it (the rerun of 30 Nov 2026, 22:05 UTC, on the sampler of issue 11's round 6:
the posterior's prior mean 4 standard deviations worse, so both the parents' and the
child's models refine where their data lead; 10 seeds, 80 s of wall time at load ~1):
- Related parents: at least 50% fewer trials on every family (the earlier run, with the
  prior mean +1: at least 30%). styblinski_tang4's cold runs reached the target on 1 of 10
  seeds in 40 trials (each dimension's local minimum is 28 above the global one, scaled),
  so its ratio is a bound; warm reached it on 8 of 10, when the parent had found the
  global basin. svc_digits: the parent's best configuration alone is within 0.005 error
  of the other split's optimum, so the warm study meets the target with its first trial.
- hartmann6: 1 of 10 seeds worse (seed 0, 41 against 27). In the earlier run seeds 0 and
  3 were: their parents had ended in Hartmann-6's local optimum near (0.40, 0.88, 1.0,
  0.57, 0.0, 0.04) (regret 0.14 unscaled) and the children followed them there; this
  run's parents were not looked at. Warm start transfers a parent's mistakes as well.
- branin_unrelated (negative transfer): median 15 trials against 18.5 cold (median ratio
  0.85; 8 of 10 seeds no slower), no run without the target; the earlier run: 20 against
  19.5. The parents are dropped from the model once the fitted task correlation is below
  0.5; before that gate the same check gave median 17.5 but two seeds that never reached
  the target in 40 trials (the kernel's lengthscales and noise are shared by both tasks,
  so the rough Ackley data distorted Branin's fit).
- Model choice: a plug-in prior mean (the parents' GP mean times a weight fitted on this
  study's data) was tried first; on branin seed 0 it reached regret 0.63 in 25 trials
  where the task kernel reached 1e-4 (target 0.1 at trial 14; cold 20).
"""


def markdown(summary: dict) -> str:
    lines = [
        "# Warm start: trials to reach a target regret (benchmarks/warm_start.py)",
        "",
        f"Parent: a Bayesian study of {PARENT_TRIALS} trials on the original problem. Child:",
        f"inputs shifted by {SHIFT:.0%} of each range, values x{SCALE:g} + {OFFSET:g} (svc_digits:",
        "the same SVC on another train/validation split of digits; branin_unrelated: shifted",
        "Branin whose parent is an Ackley function centred where Branin is poor). Each child",
        f"runs until its best is within the target regret, at most {MAX_TRIALS} trials",
        f"(a run that never reaches it counts as {MAX_TRIALS + 1}). Medians over seeds; the",
        "ratio is warm / cold per seed, its median shown; 'warm <= cold' counts seeds.",
        "",
        "| family | target regret | cold median | warm median | fewer trials | median ratio "
        "| warm <= cold | censored cold/warm |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fam, s in summary.items():
        lines.append(
            f"| {fam} | {s['target_regret']:g} | {s['cold_median']:g} | {s['warm_median']:g} "
            f"| {s['fewer_trials']:.0%} | {s['median_ratio']:.2f} "
            f"| {s['warm_no_worse']}/{s['seeds']} "
            f"| {s['censored']['cold']}/{s['censored']['warm']} |"
        )
    lines += ["", "Per seed (trials to target, cold / warm):", ""]
    for fam, s in summary.items():
        pairs = ", ".join(f"{c}/{w}" for c, w in zip(s["per_seed"]["cold"],
                                                   s["per_seed"]["warm"], strict=True))
        lines.append(f"- {fam}: {pairs}")
    return "\n".join(lines) + "\n" + NOTES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--families", nargs="*", default=None)
    args = ap.parse_args()
    fams = families()
    names = args.families or list(fams)
    done = {}
    if LOG.exists():
        for line in LOG.read_text().splitlines():
            r = json.loads(line)
            done[(r["family"], r["seed"])] = r
    for name in names:
        for seed in range(args.seeds):
            if (name, seed) in done:
                continue
            r = one(fams[name], seed)
            done[(name, seed)] = r
            with LOG.open("a") as f:
                f.write(json.dumps(r) + "\n")
            print(f"{name} seed {seed}: cold {r['cold']['trials']} warm {r['warm']['trials']} "
                  f"({r['cpu_seconds']:.0f} s CPU)", flush=True)
    rows = [done[(n, s)] for n in names for s in range(args.seeds) if (n, s) in done]
    summary = summarize(rows)
    (RESULTS / "warm_start.json").write_text(json.dumps(
        {"parent_trials": PARENT_TRIALS, "max_trials": MAX_TRIALS, "shift": SHIFT,
         "scale": SCALE, "offset": OFFSET, "summary": summary, "runs": rows}, indent=1))
    (RESULTS / "warm_start.md").write_text(markdown(summary))
    print(markdown(summary))


if __name__ == "__main__":
    main()
