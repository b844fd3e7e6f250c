"""Early stopping on real learning curves: epochs saved against final quality.

An sklearn MLPClassifier is trained epoch by epoch (`partial_fit`) on `load_digits`;
validation accuracy is reported after every epoch. 60 trials per study are simulated
sequentially: the sampler (ours, in-process through SamplerContext) suggests, the trial
reports its curve, a stopping arm may stop it, and the client then ends it as `pruned`
with its last value (the service's contract). Every configuration's full curve is
computed once and cached, so all arms see identical curves and the benchmark is cheap.

Arms: no stopping; each of our rules with its defaults; Optuna's MedianPruner and
SuccessiveHalvingPruner (defaults, and with our options). For the samplers that read
history we also compare passing pruned trials to the sampler (value = last intermediate
value) against leaving them out.

Tuning seeds (for choosing defaults, `--tune`) and test seeds (the reported table) are
disjoint; results/early_stopping.tuning.md records how the defaults were chosen.

Run: /work/bench-venv/bin/python benchmarks/early_stopping.py [--samplers all] [--tune]
(random sampler: ~2 min with the cached curves; `--samplers all` adds the bayesian
sampler, ~1 s a suggestion: ~20 min on 2 busy cores.)
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import math
import os
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from optimizer_api import samplers, stopping
from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers import SamplerContext
from optimizer_api.space import Space

EPOCHS = 30
N_TRIALS = 60
TEST_SEEDS = list(range(10))
TUNE_SEEDS = list(range(100, 112))
RESULTS = Path(__file__).parent / "results"
CACHE = RESULTS / "early_stopping.curves.json.gz"  # ~100 KB; delete to retrain
SPACE = Space.from_dict(
    {
        "learning_rate_init": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
        "alpha": {"type": "float", "low": 1e-6, "high": 1e-1, "log": True},
        "hidden_units": {"type": "int", "low": 16, "high": 256, "step": 16},
        "batch_size": {"type": "categorical", "choices": [16, 32, 64, 128]},
    }
)
MAX = Direction.MAXIMIZE
HISTORY_ARMS = ("none", "median", "asha", "optuna-median", "optuna-sha")


# --- learning curves -----------------------------------------------------------------


@functools.cache
def _data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    return train_test_split(x / 16.0, y, test_size=0.3, random_state=0, stratify=y)


def new_model(params: dict):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(params["hidden_units"],),
        batch_size=params["batch_size"],
        learning_rate_init=params["learning_rate_init"],
        alpha=params["alpha"],
        random_state=0,
    )


def train_epoch(model) -> None:
    from sklearn.exceptions import ConvergenceWarning

    x_tr, _, y_tr, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.partial_fit(x_tr, y_tr, classes=np.arange(10))


def key(params: dict) -> str:
    return json.dumps(params, sort_keys=True)


class Curves:
    """Validation accuracy of each configuration after each epoch, trained only as far as
    some arm asked (pruned trials rarely need the whole curve), and never twice."""

    def __init__(self, known: dict[str, list[float]] | None = None):
        self.known = {k: list(v) for k, v in (known or {}).items()}
        self.models: dict[str, object] = {}  # a model trained len(known[k]) epochs
        self.grown: set[str] = set()

    def value(self, params: dict, epoch: int) -> float:
        """Validation accuracy after `epoch` epochs (1-based)."""
        k = key(params)
        accuracies = self.known.setdefault(k, [])
        if len(accuracies) < epoch:
            self._grow(k, params, accuracies, epoch)
        return accuracies[epoch - 1]

    def _grow(self, k: str, params: dict, accuracies: list[float], epoch: int) -> None:
        model = self.models.get(k)
        if model is None:  # known from the cache but not in this process: replay (deterministic)
            model = self.models[k] = new_model(params)
            for _ in accuracies:
                train_epoch(model)
        _, x_va, _, y_va = _data()
        while len(accuracies) < epoch:
            train_epoch(model)
            accuracies.append(round(float(model.score(x_va, y_va)), 6))
        self.grown.add(k)

    def new(self) -> dict[str, list[float]]:
        return {k: self.known[k] for k in self.grown}


def load_cache() -> dict[str, list[float]]:
    return json.loads(gzip.decompress(CACHE.read_bytes())) if CACHE.exists() else {}


# --- stopping arms -------------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    """One way of stopping trials: ours (rule + options), Optuna's (a pruner), or none."""

    name: str
    rule: str | None = None
    options: dict | None = None
    optuna: tuple | None = None  # (pruner class name, kwargs)
    pruned_to_sampler: bool = True


class OursStopper:
    def __init__(self, arm: Arm):
        self.rule = stopping.get(arm.rule)
        self.options = self.rule.validate_options(arm.options or {})

    def start(self, number: int) -> None:
        self.number = number

    def report(self, curve: dict[int, float], history: list[Trial]) -> bool:
        me = Trial(self.number, self.number, TrialState.RUNNING, {}, intermediate=curve)
        return self.rule.should_stop(me, history, MAX, self.options).stop

    def finish(self, pruned: bool, value: float) -> None:
        pass


class OptunaStopper:
    """Optuna's pruner fed the same reports; its own sampler is never used."""

    def __init__(self, arm: Arm):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        cls, kwargs = arm.optuna
        pruner = getattr(optuna.pruners, cls)(**kwargs)
        self.study = optuna.create_study(direction="maximize", pruner=pruner)

    def start(self, number: int) -> None:
        self.trial = self.study.ask()

    def report(self, curve: dict[int, float], history: list[Trial]) -> bool:
        step = max(curve)
        self.trial.report(curve[step], step)
        return self.trial.should_prune()

    def finish(self, pruned: bool, value: float) -> None:
        import optuna

        state = optuna.trial.TrialState.PRUNED if pruned else optuna.trial.TrialState.COMPLETE
        self.study.tell(self.trial, None if pruned else value, state=state)


class NoStopper:
    def start(self, number: int) -> None:
        pass

    def report(self, curve, history) -> bool:
        return False

    def finish(self, pruned: bool, value: float) -> None:
        pass


def stopper(arm: Arm):
    if arm.rule:
        return OursStopper(arm)
    return OptunaStopper(arm) if arm.optuna else NoStopper()


# --- one simulated study -------------------------------------------------------------


def sampler_view(history: list[Trial], arm: Arm) -> list[Trial]:
    """What the sampler is given: pruned trials (value = last value) or not."""
    return [t for t in history if arm.pruned_to_sampler or t.state is not TrialState.PRUNED]


def simulate(sampler_name: str, seed: int, arm: Arm, curves: Curves) -> dict:
    """Run one study of N_TRIALS sequential trials; its epochs and best final accuracy."""
    sampler = samplers.get(sampler_name)
    options = sampler.validate_options({}, SPACE)
    stop = stopper(arm)
    history: list[Trial] = []
    epochs, state = 0, None
    for number in range(N_TRIALS):
        ctx = SamplerContext(SPACE, MAX, seed, [number], options, sampler_view(history, arm), state)
        proposal = sampler.suggest(ctx)
        state = proposal.state if proposal.state is not None else state
        params = proposal.suggestions[0].params
        stop.start(number)
        reported: dict[int, float] = {}
        pruned = False
        for step in range(1, EPOCHS + 1):
            reported[step] = curves.value(params, step)
            epochs += 1
            if step < EPOCHS and stop.report(dict(reported), history):
                pruned = True
                break
        value = reported[max(reported)]
        stop.finish(pruned, value)
        trial_state = TrialState.PRUNED if pruned else TrialState.COMPLETED
        history.append(Trial(number, number, trial_state, params, value, reported))
    finals = [t.value for t in history if t.state is TrialState.COMPLETED]
    return {
        "epochs": epochs,
        "best": max(finals) if finals else math.nan,
        "pruned": sum(t.state is TrialState.PRUNED for t in history),
    }


# --- the arms, runs and tables -------------------------------------------------------


def arms(sampler_name: str) -> list[Arm]:
    """The arms compared for one sampler (pruned-trial variants only where history counts)."""
    med = stopping.get("median").validate_options({})
    asha = stopping.get("asha").validate_options({"max_resource": EPOCHS})
    result = [
        Arm("none"),
        Arm("median", "median", med),
        Arm("asha", "asha", asha),
        Arm("patience", "patience", {}),
        Arm("threshold", "threshold", {"bound": 0.9, "min_step": 10}),
        Arm("optuna-median", optuna=("MedianPruner", {})),
        Arm(
            "optuna-median-matched",
            optuna=(
                "MedianPruner",
                {"n_startup_trials": med["min_trials"], "n_warmup_steps": med["min_steps"]},
            ),
        ),
        Arm("optuna-sha", optuna=("SuccessiveHalvingPruner", {})),
        Arm(
            "optuna-sha-matched",
            optuna=(
                "SuccessiveHalvingPruner",
                {
                    "min_resource": asha["min_resource"],
                    "reduction_factor": asha["reduction_factor"],
                },
            ),
        ),
    ]
    if samplers.get(sampler_name).needs_history:
        # A sampler that reads history costs ~1 s a suggestion: fewer arms, and the
        # question it raises: should it see pruned trials?
        result = [a for a in result if a.name in HISTORY_ARMS]
        result += [
            replace(a, name=f"{a.name}/pruned-excluded", pruned_to_sampler=False)
            for a in result
            if a.name in ("median", "asha")
        ]
    return result


def tuning_arms() -> list[Arm]:
    """A grid of our median and ASHA options, to choose defaults on the tuning seeds."""
    grid = [
        Arm("none"),
        Arm("optuna-median", optuna=("MedianPruner", {})),
        Arm("optuna-sha", optuna=("SuccessiveHalvingPruner", {})),
    ]
    for min_steps in (1, 2, 3):
        for min_trials in (1, 3, 5, 10):
            opts = {"min_steps": min_steps, "min_trials": min_trials}
            grid.append(Arm(f"median {opts}", "median", opts))
    for min_resource, eta in ((1, 2), (2, 2), (3, 2), (1, 3), (2, 3), (3, 3)):
        opts = {"min_resource": min_resource, "reduction_factor": eta, "max_resource": EPOCHS}
        grid.append(Arm(f"asha {opts}", "asha", opts))
    grid += [Arm(f"patience {p}", "patience", {"patience": p}) for p in (5, 8, 10)]
    return grid


def run_group(task: tuple) -> tuple[list[dict], dict]:
    """All arms of one (sampler, seed): one process, one curve cache."""
    sampler_name, seed, group, known = task
    curves = Curves(known)
    # Tiny matrices: BLAS threads would only fight the other worker for the cores.
    with threadpool_limits(1):
        rows = [run_arm(sampler_name, seed, arm, curves) for arm in group]
    return rows, curves.new()


def run_arm(sampler_name: str, seed: int, arm: Arm, curves: Curves) -> dict:
    t0 = time.perf_counter()
    row = simulate(sampler_name, seed, arm, curves)
    seconds = time.perf_counter() - t0
    return row | {"sampler": sampler_name, "seed": seed, "arm": arm.name, "seconds": seconds}


def run_all(tasks: list[tuple], workers: int) -> list[dict]:
    known = load_cache()
    rows: list[dict] = []
    jobs = [(s, seed, group, known) for s, seed, group in tasks]
    with ProcessPoolExecutor(workers) as pool:
        for group_rows, new in pool.map(run_group, jobs):
            rows += group_rows
            for k, accuracies in new.items():
                if len(accuracies) > len(known.get(k, ())):
                    known[k] = accuracies
            print(f"  {group_rows[0]['sampler']} seed {group_rows[0]['seed']} done", flush=True)
    merged = load_cache()  # another run may have written it meanwhile
    for k, accuracies in known.items():
        if len(accuracies) > len(merged.get(k, ())):
            merged[k] = accuracies
    text = json.dumps(merged, separators=(",", ":"), sort_keys=True)
    CACHE.write_bytes(gzip.compress(text.encode(), mtime=0))
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Per (sampler, arm): mean epochs, mean best, and paired differences with `none`."""
    base = {(r["sampler"], r["seed"]): r for r in rows if r["arm"] == "none"}
    out = []
    for sampler_name, arm in dict.fromkeys((r["sampler"], r["arm"]) for r in rows):
        mine = [r for r in rows if r["sampler"] == sampler_name and r["arm"] == arm]
        ratio = [r["epochs"] / base[(sampler_name, r["seed"])]["epochs"] for r in mine]
        diff = [100 * (r["best"] - base[(sampler_name, r["seed"])]["best"]) for r in mine]
        out.append(
            {
                "sampler": sampler_name,
                "arm": arm,
                "seeds": len(mine),
                "epochs": statistics.mean(r["epochs"] for r in mine),
                "epochs_ratio": statistics.mean(ratio),
                "best": statistics.mean(r["best"] for r in mine),
                "best_diff_pp": statistics.mean(diff),
                "worst_diff_pp": min(diff),
                "pruned": statistics.mean(r["pruned"] for r in mine),
                "seconds_median": statistics.median(r["seconds"] for r in mine),
            }
        )
    return out


NOTES = """\
epochs: total epochs of the 60 trials, mean over seeds. best final acc: the best
last-epoch validation accuracy among completed trials (pruned trials never count), mean
over seeds. vs none: paired mean difference with no stopping, in percentage points (one
validation sample is 0.185 pp); worst seed: the most negative paired difference. The
bayesian sampler's trials differ between arms (its history differs), so its comparisons
are noisier. `/pruned-excluded`: the sampler is not shown pruned trials at all; the
other arms pass them as observations with value = last intermediate value.
"""


def markdown(summary: list[dict], title: str) -> str:
    lines = [
        f"### {title}",
        "",
        NOTES,
        "| sampler | arm | seeds | epochs | epochs / none | best final acc | vs none (pp) "
        "| worst seed (pp) | pruned trials |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        lines.append(
            f"| {s['sampler']} | {s['arm']} | {s['seeds']} | {s['epochs']:.0f} "
            f"| {s['epochs_ratio']:.2f} | {s['best']:.4f} | {s['best_diff_pp']:+.2f} "
            f"| {s['worst_diff_pp']:+.2f} | {s['pruned']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="option grid on the tuning seeds")
    parser.add_argument("--quick", action="store_true", help="3 seeds, no result files")
    parser.add_argument(
        "--samplers", default="random", help="comma-separated; 'all' adds bayesian (~15 min)"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if args.tune:
        tasks = [("random", seed, tuning_arms()) for seed in TUNE_SEEDS]
        summary = summarize(run_all(tasks, args.workers))
        print(markdown(summary, f"Tuning seeds {TUNE_SEEDS}, random sampler"))
        return
    names = args.samplers.split(",")
    if names == ["all"]:
        names = [n for n in ("random", "bayesian") if n in samplers.names()]
    seeds = TEST_SEEDS[:3] if args.quick else TEST_SEEDS
    tasks = [
        (name, seed, arms(name))
        for name in names
        for seed in (seeds if name == "random" else seeds[:5])
    ]
    t0 = time.perf_counter()
    rows = run_all(tasks, args.workers)
    summary = summarize(rows)
    table = markdown(summary, f"Test seeds, {N_TRIALS} trials of up to {EPOCHS} epochs")
    print(table, f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if not args.quick:
        meta = {"epochs": EPOCHS, "trials": N_TRIALS, "space": SPACE.to_dict()}
        (RESULTS / "early_stopping.json").write_text(
            json.dumps({"setup": meta, "summary": summary, "runs": rows}, indent=1)
        )
        (RESULTS / "early_stopping.md").write_text(table)


if __name__ == "__main__":
    main()
