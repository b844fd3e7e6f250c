"""Measure the candidate causes of the `bayesian` sampler's bad tails (issue 11).

Each subcommand runs our sampler on a few seeds with every acquisition maximization
watched (gp_probe.Probe) and prints what it measured:

    bounds      Hartmann-3: share of suggested coordinates exactly on a bound, how many
                of those the thorough reference would not put there, seeds at the edge;
    categories  mixed_shift: seeds that end in a wrong category, and model steps where
                the reference finds a better acquisition in another category;
    noise       fitted noise variance late in the run, and final regret with the noise
                fixed (`deterministic`), paired by seed;
    batch       4 asked before any is told: distance of each pick to the nearest pending
                point, the model's std and z there.

    .venv/bin/python benchmarks/gp_diagnose.py bounds --seeds 8
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402

import numpy as np  # noqa: E402

try:
    from benchmarks.gp_probe import Probe, on_bound, stuck_on_bound
    from benchmarks.gp_runs import run_ours
    from benchmarks.problems import PROBLEMS
except ImportError:
    from gp_probe import Probe, on_bound, stuck_on_bound
    from gp_runs import run_ours
    from problems import PROBLEMS

from optimizer_api.samplers.gp.encoding import Encoding  # noqa: E402
from optimizer_api.space import Space  # noqa: E402


def _probe_run(task):
    name, seed, budget, batch, options, reference = task
    problem = PROBLEMS[name]
    with Probe(reference) as probe:
        values, params, _ = run_ours(problem, seed, budget, batch, options=options)
    enc = Encoding(Space.from_dict(problem.space))
    return {
        "seed": seed,
        "values": values,
        "U": enc.encode_many(params),
        "calls": probe.calls,
        "regret": min(values) - problem.optimum,
    }


PROCS = 2


def _runs(name, seeds, budget, batch=1, options=None, reference=True):
    tasks = [(name, s, budget, batch, options, reference) for s in range(seeds)]
    with multiprocessing.Pool(PROCS) as pool:
        return pool.map(_probe_run, tasks)


def bounds(args) -> dict:
    enc = Encoding(Space.from_dict(PROBLEMS["hartmann3"].space))
    runs = _runs("hartmann3", args.seeds, args.budget)
    picks = [c for r in runs for c in r["calls"]]
    on = np.array([on_bound(c["row"], enc) for c in picks])  # (calls, d)
    stuck = np.array([stuck_on_bound(c["row"], c["grad"], enc) for c in picks])
    ref_on = np.array([on_bound(c["ref_row"], enc) for c in picks])
    gap = np.array([c["ref_value"] - c["value"] for c in picks])
    picked_on = on.any(1)
    out = {
        "coordinates on a bound (ours, model picks)": float(on.mean()),
        "coordinates on a bound (reference maximum)": float(ref_on.mean()),
        "bound coordinates where the acquisition still rises inwards": float(
            stuck.sum() / max(on.sum(), 1)
        ),
        "picks on a bound whose reference is interior": int((picked_on & ~ref_on.any(1)).sum()),
        "picks on a bound": int(picked_on.sum()),
        "picks": len(picks),
        "median log-acq gap to the reference, picks on a bound": float(np.median(gap[picked_on]))
        if picked_on.any()
        else None,
        "median log-acq gap to the reference, interior picks": float(np.median(gap[~picked_on])),
        "regret by seed": [round(r["regret"], 6) for r in runs],
        "seeds ending at the x0 = 0 edge": sum(
            r["U"][int(np.argmin(r["values"]))][0] < 0.02 and r["regret"] > 1e-3 for r in runs
        ),
    }
    return out


def categories(args) -> dict:
    runs = _runs("mixed_shift", args.seeds, args.budget)
    enc = Encoding(Space.from_dict(PROBLEMS["mixed_shift"].space))
    j = int(np.flatnonzero(enc.cat)[0])
    right = 1  # "b"
    missed, steps = 0, 0
    per_seed = []
    for r in runs:
        for c in r["calls"]:
            steps += 1
            best_combo = max(c["per_combo"], key=c["per_combo"].get)
            if best_combo[0] != int(c["row"][j]) and c["ref_value"] - c["value"] > 0.5:
                missed += 1
        cats = r["U"][:, j].astype(int)
        best = int(np.argmin(r["values"]))
        per_seed.append(
            {
                "seed": r["seed"],
                "regret": round(r["regret"], 6),
                "final category": int(cats[best]),
                "last 20 in the right category": int((cats[-20:] == right).sum()),
                "first model pick in the right category": next(
                    (i for i, k in enumerate(cats) if i >= 10 and k == right), None
                ),
            }
        )
    return {
        "seeds ending in a wrong category": sum(s["final category"] != right for s in per_seed),
        "model steps where another category's acquisition is > 0.5 (log) higher": missed,
        "model steps": steps,
        "per seed": per_seed,
    }


def noise(args) -> dict:
    out = {}
    for name in args.problems.split(","):
        free = _runs(name, args.seeds, args.budget, reference=False)
        fixed = _runs(
            name, args.seeds, args.budget, options={"deterministic": True}, reference=False
        )
        out[name] = {
            "regret, fitted noise": [round(r["regret"], 7) for r in free],
            "regret, deterministic": [round(r["regret"], 7) for r in fixed],
            "deterministic better / worse": (
                sum(b["regret"] < a["regret"] * 0.99 for a, b in zip(free, fixed, strict=True)),
                sum(b["regret"] > a["regret"] * 1.01 for a, b in zip(free, fixed, strict=True)),
            ),
            "median regret fitted / deterministic": (
                float(np.median([r["regret"] for r in free])),
                float(np.median([r["regret"] for r in fixed])),
            ),
        }
    return out


def batch(args) -> dict:
    out = {}
    for name in args.problems.split(","):
        runs = _runs(name, args.seeds, args.budget_batch, batch=4, reference=False)
        enc = Encoding(Space.from_dict(PROBLEMS[name].space))
        close, near = [], []  # closest pair per batch; (distance, std, z) per later pick
        for r in runs:
            U, calls = r["U"], r["calls"]
            for i in range(12, len(U), 4):
                B = U[i : i + 4]
                diff = B[:, None] - B[None]
                diff[..., enc.cat] = diff[..., enc.cat] != 0
                d = np.sqrt((diff**2).sum(-1))
                close.append(float(d[np.triu_indices(len(B), 1)].min()))
                for k in range(1, len(B)):
                    c = calls[i + k - 10]
                    z = (c["f_best"] - c["pick_mean"]) / c["pick_std"]
                    near.append((float(d[k, :k].min()), c["pick_std"], z))
        near = np.array(near)
        tight = near[:, 0] < 1e-3
        out[name] = {
            "batches": len(close),
            "batches with two points closer than 1e-3": sum(c < 1e-3 for c in close),
            "closest pair quartiles": np.quantile(close, [0, 0.25, 0.5]).round(5).tolist(),
            "picks within 1e-3 of a pending point": int(tight.sum()),
            "their median std and z": np.median(near[tight, 1:], 0).round(4).tolist()
            if tight.any()
            else None,
            "other picks' median std and z": np.median(near[~tight, 1:], 0).round(4).tolist(),
            "regret by seed": [round(r["regret"], 6) for r in runs],
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("what", choices=["bounds", "categories", "noise", "batch"])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--problems", default="branin,hartmann3,mixed_shift")
    ap.add_argument("--procs", type=int, default=PROCS)
    ap.add_argument("--budget-batch", type=int, default=64)
    args = ap.parse_args()
    globals()["PROCS"] = args.procs
    result = globals()[args.what](args)
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
