"""Cost of one `bayesian` suggestion beside Optuna's GPSampler.ask(), in the same run.

For each space and n, both samplers see the same n random observed trials. Each is first
asked once at n - 1 trials (ours returns its fit as state, Optuna fills its in-process
kernel-parameter cache), so the timed call at n is warm for both, as in a live study.
The cold first call is timed too. The warm calls of the two alternate, so both see the
same machine load, and the whole sweep is repeated (--passes). Peak memory of our
suggestion is tracemalloc's peak (numpy reports its buffers to it), in an untimed call.

    /work/bench-venv/bin/python benchmarks/gp_cost.py            # ~10 min: 3 passes
    /work/bench-venv/bin/python benchmarks/gp_cost.py --ns 50,200 --dims 6 --reps 2 --passes 1
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see the note in the report
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from optimizer_api.domain import Direction, Trial, TrialState  # noqa: E402
from optimizer_api.samplers.base import SamplerContext  # noqa: E402
from optimizer_api.samplers.gp import GPSampler  # noqa: E402
from optimizer_api.space import Space  # noqa: E402

try:
    from benchmarks.gp_report import header
    from benchmarks.gp_runs import _optuna_distributions
    from benchmarks.problems import PROBLEMS, hartmann6
except ImportError:  # run as a script from benchmarks/
    from gp_report import header
    from gp_runs import _optuna_distributions
    from problems import PROBLEMS, hartmann6

RESULTS = Path(__file__).parent / "results"


def make_case(kind: str):
    """(space dict, function): Hartmann-6 padded with inert dimensions, or a mixed space."""
    if kind == "mixed":
        space = {
            "a": {"type": "int", "low": 0, "high": 1000},
            "b": {"type": "int", "low": -500, "high": 500},
            "c": {"type": "int", "low": 1, "high": 100_000, "log": True},
            "k": {"type": "categorical", "choices": ["p", "q", "r", "s"]},
        }

        def f(p):
            return (
                ((p["a"] - 300) / 1000) ** 2
                + (p["b"] / 500) ** 2
                + (np.log10(p["c"]) - 2) ** 2
                + (p["k"] != "q")
            )

        return space, f
    d = int(kind)
    space = {f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(d)}
    return space, lambda p: hartmann6({f"x{i}": p[f"x{i}"] for i in range(6)})


def history(space: dict, f, n: int, seed: int = 0) -> list[Trial]:
    sp = Space.from_dict(space)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        p = sp.decode(rng.random(len(sp)))
        out.append(Trial(i, i, TrialState.COMPLETED, p, float(f(p))))
    return out


def prepare_ours(space: dict, trials: list[Trial]) -> tuple[float, Callable[[], float]]:
    """(seconds of the cold call at n - 1 trials, a function timing one warm call at n)."""
    sp, s = Space.from_dict(space), GPSampler()
    opts = s.validate_options({}, sp)
    n = len(trials)

    def call(k, state):
        ctx = SamplerContext(sp, Direction.MINIMIZE, 0, [k], opts, tuple(trials[:k]), state)
        t0 = time.perf_counter()
        prop = s.suggest(ctx)
        return time.perf_counter() - t0, prop.state

    cold, state = call(n - 1, None)
    return cold, lambda: call(n, state)[0]


def peak_ours(space: dict, trials: list[Trial]) -> float:
    """Peak MB that tracemalloc sees during one warm call (numpy reports its buffers)."""
    _, warm = prepare_ours(space, trials)
    tracemalloc.start()
    warm()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def prepare_optuna(space: dict, trials: list[Trial]) -> tuple[float, Callable[[], float]]:
    """Same as prepare_ours for Optuna's GPSampler; its cold ask fills its kernel cache."""
    import optuna
    from optuna.trial import create_trial

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    dists = _optuna_distributions(space)
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0))
    for t in trials[:-1]:
        study.add_trial(create_trial(params=t.params, distributions=dists, value=t.value))
    t0 = time.perf_counter()
    warmup = study.ask(dists)
    cold = time.perf_counter() - t0
    study.tell(warmup, state=optuna.trial.TrialState.FAIL)  # not fitted, n stays the same
    study.add_trial(
        create_trial(params=trials[-1].params, distributions=dists, value=trials[-1].value)
    )

    def warm() -> float:
        t0 = time.perf_counter()
        tr = study.ask(dists)
        elapsed = time.perf_counter() - t0
        study.tell(tr, state=optuna.trial.TrialState.FAIL)
        return elapsed

    return cold, warm


def measure(space: dict, trials: list[Trial], reps: int, optuna: bool) -> dict:
    """Warm calls of ours and Optuna's alternate, so both see the same machine load."""
    cold_o, ours = prepare_ours(space, trials)
    cold_t, theirs = prepare_optuna(space, trials) if optuna else (float("nan"), None)
    t_o, t_t = [], []
    for _ in range(reps):
        t_o.append(ours())
        if theirs:
            t_t.append(theirs())
    row = {
        "ours": {"cold": cold_o, "warm": float(np.median(t_o)), "all": t_o},
        "optuna_gp": {"cold": cold_t, "warm": float(np.median(t_t)), "all": t_t} if theirs else {},
    }
    row["ours"]["peak_mb"] = peak_ours(space, trials)
    if theirs:  # the median of per-pair ratios: robust to a load spike hitting one pair
        row["speedup_warm"] = float(np.median(np.array(t_t) / np.array(t_o)))
    return row


def sweep(args) -> list[dict]:
    """One pass over every (space, n): a row per pair, printed as it comes."""
    rows = []
    for kind in args.dims.split(","):
        space, f = make_case(kind)
        ns = [int(n) for n in args.ns.split(",")]
        for n in [30, *ns] if kind == "mixed" else ns:
            trials = history(space, f, n)
            reps = args.reps if n <= 200 else max(3, args.reps // 2)
            row = {"space": kind, "n": n, **measure(space, trials, reps, not args.no_optuna)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def table(passes: list[list[dict]]) -> list[str]:
    """Per (space, n): medians over the passes of each pass's medians and ratios."""
    nan = float("nan")
    lines = [
        "| space | n | ours warm | Optuna warm | Optuna/ours (min-max over passes) "
        "| ours cold | Optuna cold | ours peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(passes[0]):
        rs = [p[i] for p in passes]

        def med(get, rs=rs):
            return float(np.median([get(x) for x in rs]))

        ratios = [x.get("speedup_warm", nan) for x in rs]
        lines.append(
            f"| {r['space']} | {r['n']} | {med(lambda x: x['ours']['warm']):.3f} "
            f"| {med(lambda x: x['optuna_gp'].get('warm', nan)):.3f} "
            f"| {np.median(ratios):.1f}x ({min(ratios):.1f}-{max(ratios):.1f}) "
            f"| {med(lambda x: x['ours']['cold']):.3f} "
            f"| {med(lambda x: x['optuna_gp'].get('cold', nan)):.3f} "
            f"| {med(lambda x: x['ours']['peak_mb']):.1f} |"
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ns", default="50,100,200,500,1000")
    ap.add_argument("--dims", default="6,20,mixed")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--passes", type=int, default=3, help="repeat the whole sweep")
    ap.add_argument("--no-optuna", action="store_true")
    ap.add_argument("--out", default="gp_cost")
    args = ap.parse_args()
    if not args.no_optuna:
        import torch

        torch.set_num_threads(1)  # like our one BLAS thread
    passes = [sweep(args) for _ in range(args.passes)]
    out = RESULTS / args.out  # a bare name lands in results/; a path goes where it says
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(passes, indent=1))
    lines = [
        header().rstrip("\n"),
        "",
        f"Seconds per suggestion, medians over {args.passes} passes of: the median of "
        f"{args.reps} warm calls (3 beyond n = 200), ours and Optuna's alternating; "
        "Optuna/ours is the median over passes of each pass's median per-pair ratio; "
        "cold = the first call, without state or cache; ours' peak memory by tracemalloc.",
        "",
        *table(passes),
    ]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    _ = PROBLEMS
    main()
