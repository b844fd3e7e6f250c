"""The noise level our model fits to a noisy run, against the noise the run really had.

For runs of ours in a results file (benchmarks/gp_quality.py --set noisy), the GP is fitted
to the whole history (all the run's trials) as the sampler fits it (model.fit on the
warped values, from the sampler's cold starts), and once more on values only standardized.
The true noise variance is put on the same scale: divided by the values' variance when
only standardized; through the warp, multiplied by its squared slope at each observed
value (the slope varies: we give it at the median point and the best 10 points).
A fitted sn2 far below the true one: the model believes noisy observations too much;
far above: it smooths away what it could have used.

    .venv/bin/python benchmarks/gp_noisy_fit.py --problem hartmann6_noisy --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

try:
    from benchmarks.problems import PROBLEMS
except ImportError:  # run as a script from benchmarks/
    from problems import PROBLEMS

from optimizer_api.samplers.gp import model
from optimizer_api.samplers.gp.encoding import Encoding
from optimizer_api.samplers.gp.fitstate import starts
from optimizer_api.samplers.gp.warp import Warp
from optimizer_api.space import Space

RESULTS = Path(__file__).parent / "results"


def fitted_sn2(X: np.ndarray, t: np.ndarray, enc: Encoding, seed: int) -> float:
    """The MAP noise variance on the model's scale t, from the sampler's cold starts."""
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        theta = model.fit(X, t, enc.cat, starts(None, enc, False, rng), False)
    return float(model.unpack(theta, enc.d)[2])


def slope(warp: Warp, y: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d warp.forward / dy at each y (central differences, relative step)."""
    step = h * warp.s1
    return (warp.forward(y + step) - warp.forward(y - step)) / (2 * step)


def row_figures(row: dict, problem) -> dict:
    enc = Encoding(Space.from_dict(problem.space))
    X, y = np.array(row["unit"]), np.array(row["values"])
    sd2 = problem.func.sd**2 if problem.true_func is not None else 0.0
    plain, warped = Warp.fit(y, power=False), Warp.fit(y, power=True)
    g2 = slope(warped, y) ** 2
    best = np.argsort(y)[:10]
    return {
        "seed": row["seed"],
        "n": len(y),
        "true_plain": sd2 / plain.s1**2,
        "fit_plain": fitted_sn2(X, plain.forward(y), enc, row["seed"]),
        "lam": warped.lam,
        "true_warped_median": sd2 * float(np.median(g2)),
        "true_warped_best10": sd2 * float(np.median(g2[best])),
        "fit_warped": fitted_sn2(X, warped.forward(y), enc, row["seed"]),
    }


def table(figs: list[dict], name: str) -> str:
    lines = [
        "| problem | seed | trials | sn2 true, standardized | fitted, standardized | "
        "warp lambda | sn2 true, warped (median point / best 10) | fitted, warped |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figs:
        lam = "none" if f["lam"] is None else f"{f['lam']:.2f}"
        lines.append(
            f"| {name} | {f['seed']} | {f['n']} | {f['true_plain']:.2g} | {f['fit_plain']:.2g} | "
            f"{lam} | {f['true_warped_median']:.2g} / {f['true_warped_best10']:.2g} | "
            f"{f['fit_warped']:.2g} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", default=str(RESULTS / "gp_noisy.json"))
    ap.add_argument("--problem", default="hartmann6_noisy")
    ap.add_argument("--method", default="ours")
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = json.loads(Path(args.results).read_text())["runs"]
    rows = [r for r in runs if (r["problem"], r["method"]) == (args.problem, args.method)]
    rows = sorted((r for r in rows if r["seed"] in seeds), key=lambda r: r["seed"])
    problem = PROBLEMS[args.problem]
    print(table([row_figures(r, problem) for r in rows], args.problem))


if __name__ == "__main__":
    main()
