"""Early stopping on a big study: how long an intermediate report takes under the median
rule, and how long another study's suggest waits meanwhile (SQLite, real gunicorn).

The study has 10,000 trials with 100-step curves (benchmarks/seed_study.py, all curves);
a new trial reports at steps 10, 50 and 99, and while the step-99 report runs, another
thread suggests on a small unrelated study. Each measure is the median of 3 rounds.

    .venv/bin/python benchmarks/stopping_scale.py LABEL   # adds LABEL to results/stopping_scale.*
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from optimizer_api.devserver import Gunicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_study import seed  # noqa: E402

RESULTS = Path(__file__).parent / "results"
TRIALS, STEPS = 10_000, 100


def timed(fn) -> float:
    t = time.perf_counter()
    r = fn()
    assert r.status_code == 200, r.text
    return time.perf_counter() - t


def one_round(url: str, big: int, small: int) -> dict[str, float]:
    tid = requests.post(f"{url}/v1/studies/{big}/suggest", timeout=120).json()["trials"][0]["id"]
    out = {}
    for step in (10, 50):
        out[f"report_step_{step}_s"] = timed(lambda s=step: requests.post(
            f"{url}/v1/studies/{big}/observe", timeout=120,
            json={"trial_id": tid, "step": s, "value": 0.1}))
    other: list[float] = []
    report = threading.Thread(target=lambda: other.append(timed(lambda: requests.post(
        f"{url}/v1/studies/{big}/observe", timeout=120,
        json={"trial_id": tid, "step": STEPS - 1, "value": 0.1}))))
    report.start()
    time.sleep(0.05)  # the report is under way
    out["other_study_suggest_s"] = timed(lambda: requests.post(
        f"{url}/v1/studies/{small}/suggest", timeout=120))
    report.join()
    out["report_step_99_s"] = other[0]
    requests.post(f"{url}/v1/studies/{big}/observe", json={"trial_id": tid, "failed": True},
                  timeout=120)
    return out


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "now"
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder}/big.db"
    t = time.perf_counter()
    big = seed(url, TRIALS, "big", curves=1.0, steps=STEPS)
    print(f"seeded in {time.perf_counter() - t:.0f} s", flush=True)
    with Gunicorn(url, workers=2, log_dir=folder) as server:
        small = requests.post(server.url + "/v1/studies", timeout=30, json={
            "name": "small", "space": {"x": {"type": "float", "low": 0, "high": 1}}}).json()
        rounds = [one_round(server.url, big, small["id"]) for _ in range(3)]
    result = {k: round(statistics.median(r[k] for r in rounds), 3) for k in rounds[0]}
    print(label, result)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "stopping_scale.json"
    everything = json.loads(path.read_text()) if path.exists() else {}
    everything[label] = result
    path.write_text(json.dumps(everything, indent=1) + "\n")
    keys = list(result)
    lines = [f"# Median rule on a {TRIALS:,} x {STEPS}-step study (SQLite, 2 gunicorn workers)",
             "", "Seconds, median of 3 rounds.", "",
             "| code | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(str(r.get(k)) for k in keys) + " |"
              for name, r in everything.items()]
    (RESULTS / "stopping_scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
