"""What one Bayesian suggest costs at the count cap (count x (parameters + 16) <= 1024),
and at counts past it, on this machine: the sampler alone, 50 completed trials of history.

    .venv/bin/python benchmarks/limits.py   # writes results/limits.{json,md}
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from optimizer_api.domain import Direction, Trial, TrialState
from optimizer_api.samplers import SamplerContext, get
from optimizer_api.samplers.gp.sampler import GPSampler
from optimizer_api.space import Space

RESULTS = Path(__file__).parent / "results"
HISTORY = 50


def seconds(d: int, count: int) -> float:
    space = Space.from_dict({f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(d)})
    rng = np.random.default_rng(0)
    trials = [Trial(i + 1, i, TrialState.COMPLETED, space.decode(rng.random(d)),
                    float(rng.random())) for i in range(HISTORY)]
    sampler = get("bayesian")
    ctx = SamplerContext(space=space, direction=Direction.MINIMIZE, seed=1,
                         numbers=list(range(HISTORY, HISTORY + count)), trials=trials,
                         options=sampler.validate_options({}, space))
    t = time.perf_counter()
    sampler.suggest(ctx)
    return round(time.perf_counter() - t, 2)


def main() -> None:
    rows = []
    for d in (6, 20, 64, 256):
        cap = GPSampler().max_count(Space.from_dict(
            {f"x{i}": {"type": "float", "low": 0, "high": 1} for i in range(d)}))
        for count in sorted({1, cap, min(2 * cap, 100)}):
            rows.append({"parameters": d, "count": count, "allowed": count <= cap,
                         "seconds": seconds(d, count)})
            print(rows[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "limits.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = [f"# One Bayesian suggest ({HISTORY} completed trials), 2-CPU machine", "",
             "A call may ask for count x (parameters + 16) <= 1024 (a 422 beyond).", "",
             "| parameters | count | allowed | seconds |", "|---|---|---|---|"]
    lines += [f"| {r['parameters']} | {r['count']} | {'yes' if r['allowed'] else 'no (422)'} "
              f"| {r['seconds']} |" for r in rows]
    (RESULTS / "limits.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
