"""Slow clients against the service: /healthz latency while N connections trickle headers.

Each configuration runs gunicorn with the default worker count of this machine, opens N
connections that send a request line and then one header every 3 s, and asks /healthz
once every 0.5 s for 20 s (5 s timeout each). `sync` is gunicorn's sync worker (the
service before this change); `ours` is optimizer_api.worker.Worker (gthread, 16 threads,
accepting only with a free thread, headers due within 10 s).

    .venv/bin/python benchmarks/slow_clients.py   # writes results/slow_clients.{json,md}
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

from optimizer_api import config
from optimizer_api.devserver import Gunicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.slowloris import SlowClients  # noqa: E402

RESULTS = Path(__file__).parent / "results"
CONFIGS = {"sync": {"GUNICORN_CMD_ARGS": "--worker-class sync"}, "ours": {}}


def probe(url: str, seconds: float = 20.0) -> dict:
    latencies, failures = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        try:
            ok = requests.get(url + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            ok = False
        if ok:
            latencies.append(time.perf_counter() - t)
        else:
            failures += 1
        time.sleep(0.5)
    return {"answered": len(latencies), "failed": failures,
            "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "max_ms": round(1000 * max(latencies), 1) if latencies else None}


def run(name: str, env: dict, slow: int, folder: Path) -> dict:
    with Gunicorn(f"sqlite:///{folder}/{name}-{slow}.db", workers=0, log_dir=folder,
                  env=env) as server:
        with SlowClients(server.port, n=slow, every=3.0, duration=25):
            result = probe(server.url)
    return {"worker": name, "slow_clients": slow, **result}


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    rows = [run(name, env, n, folder) for n in (5, 50) for name, env in CONFIGS.items()]
    workers = config.server().workers
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "slow_clients.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = [f"# /healthz under slow clients ({workers} workers, 2-CPU machine)", "",
             "| worker | slow clients | answered | failed (5 s timeout) | p50 ms | max ms |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['worker']} | {r['slow_clients']} | {r['answered']} | {r['failed']} | "
              f"{r['p50_ms']} | {r['max_ms']} |" for r in rows]
    (RESULTS / "slow_clients.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
