"""How a request's cost grows with the study: n = 1k, 10k and 100k trials, SQLite and
PostgreSQL, through a real gunicorn (1 worker, one client asking one request at a time).

For each store and n, a fresh database gets two studies of n trials each, seeded straight
into the store (benchmarks/seed_study.py: 75% completed, 15% pruned, 7% failed, 3%
running, a fifth with 10-step curves; no early-stopping rule), one random and one
quasi-random. Then, REPEAT times, interleaved so that the machine's load falls on every
operation alike: suggest one trial on each study, report an intermediate value and then
the final value of the random one, read the best trial, the study (its counts, status,
best and last activity), the first page of trials (the default 1000, and 100), the list
of studies, and 100 trials from the middle of the study by `offset` and by `after`. p50
and p90 per operation, in milliseconds.

On PostgreSQL the seeded tables get VACUUM ANALYZE, as autovacuum would leave a table
that has been filling for weeks. The running-trials quota is raised for the run (3% of
100k trials run at once here; the default quota is 1000).

    .venv/bin/python benchmarks/scale.py LABEL   # adds LABEL to results/scale.{json,md}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import requests

from optimizer_api.devserver import Gunicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gp_report import header  # noqa: E402
from seed_study import seed  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PG = os.environ.get("OPTIMIZER_TEST_POSTGRES_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OPS = ["suggest_random", "suggest_quasi", "observe_intermediate", "observe_final", "best",
       "summary", "trials_page_1000", "trials_page_100", "list_studies",
       "trials_100_at_offset_n/2", "trials_100_after_n/2"]
TARGET_MS = {"trials_page_1000": 50, "trials_page_100": 50}  # 10 ms for the others


@contextmanager
def database(store: str, folder: Path):
    """A SQLAlchemy URL of an empty store: a SQLite file, or a PostgreSQL schema."""
    if store == "sqlite":
        yield f"sqlite:///{folder}/scale-{uuid.uuid4().hex[:8]}.db"
        return
    libpq = PG.replace("postgresql+psycopg://", "postgresql://")
    schema = f"scale_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def vacuum(url: str) -> None:
    schema = url.split("search_path%3D")[1]
    libpq = PG.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f"SET search_path={schema}")
        conn.execute("VACUUM ANALYZE")


class Timer:
    def __init__(self, session: requests.Session, base: str):
        self.session, self.base = session, base
        self.times: dict[str, list[float]] = {op: [] for op in OPS}

    def __call__(self, op: str, method: str, path: str, **kwargs) -> dict:
        t = time.perf_counter()
        r = self.session.request(method, self.base + path, timeout=60, **kwargs)
        self.times[op].append(time.perf_counter() - t)
        assert r.status_code == 200, (op, r.status_code, r.text[:300])
        return r.json()


def measure(base: str, random_id: int, quasi_id: int, repeat: int, n: int
            ) -> dict[str, dict]:
    with requests.Session() as session:
        timer = Timer(session, base)
        for i in range(repeat + 5):  # the first 5 warm the worker up and are dropped
            if i == 5:
                timer.times = {op: [] for op in OPS}
            obs = f"/v1/studies/{random_id}/observe"
            trial = timer("suggest_random", "POST", f"/v1/studies/{random_id}/suggest",
                          json={"count": 1})["trials"][0]
            timer("observe_intermediate", "POST", obs,
                  json={"trial_id": trial["id"], "step": 1, "value": 0.5})
            timer("observe_final", "POST", obs, json={"trial_id": trial["id"], "value": 0.5})
            quasi = timer("suggest_quasi", "POST", f"/v1/studies/{quasi_id}/suggest",
                          json={"count": 1})["trials"][0]
            session.post(f"{base}/v1/studies/{quasi_id}/observe", timeout=60,
                         json={"trial_id": quasi["id"], "value": 0.5}).raise_for_status()
            timer("best", "GET", f"/v1/studies/{random_id}/best")
            timer("summary", "GET", f"/v1/studies/{random_id}")
            timer("trials_page_1000", "GET", f"/v1/studies/{random_id}/trials")
            timer("trials_page_100", "GET", f"/v1/studies/{random_id}/trials?limit=100")
            timer("list_studies", "GET", "/v1/studies")
            half = f"/v1/studies/{random_id}/trials?limit=100"
            timer("trials_100_at_offset_n/2", "GET", f"{half}&offset={n // 2}")
            timer("trials_100_after_n/2", "GET", f"{half}&after={n // 2}")
    return {op: {"p50_ms": round(1000 * statistics.median(ts), 2),
                 "p90_ms": round(1000 * statistics.quantiles(ts, n=10)[-1], 2)}
            for op, ts in timer.times.items() if ts}


def run(store: str, n: int, repeat: int, folder: Path) -> dict:
    with database(store, folder) as url:
        t = time.perf_counter()
        random_id = seed(url, n, "random", early_stopping=None)
        quasi_id = seed(url, n, "quasi", algorithm="quasi-random", early_stopping=None)
        if store == "postgres":
            vacuum(url)
        seeded = time.perf_counter() - t
        env = {"OPTIMIZER_MAX_RUNNING_TRIALS_PER_STUDY": "1000000"}
        with Gunicorn(url, workers=1, log_dir=folder, env=env) as server:
            ops = measure(server.url, random_id, quasi_id, repeat, n)
    print(f"{store} n={n}: seeded in {seeded:.0f} s; "
          + ", ".join(f"{op} {v['p50_ms']}" for op, v in ops.items()), flush=True)
    return {"store": store, "n": n, "repeat": repeat, "ops": ops}


def table(label: str, rows: list[dict]) -> list[str]:
    sizes = sorted({r["n"] for r in rows})
    lines = [f"### {label}", "",
             "| store | operation | " + " | ".join(f"n = {n:,}" for n in sizes) + " |",
             "|---|---|" + "---:|" * len(sizes)]
    for store in ("sqlite", "postgres"):
        got = {r["n"]: r["ops"] for r in rows if r["store"] == store}
        if not got:
            continue
        for op in OPS:
            cells = [f"{got[n][op]['p50_ms']:.1f}" if op in got.get(n, {}) else ""
                     for n in sizes]
            lines.append(f"| {store} | {op} | " + " | ".join(cells) + " |")
    return lines + [""]


def write(everything: dict, note: str) -> None:
    (RESULTS / "scale.json").write_text(json.dumps(everything, indent=1) + "\n")
    lines = ["# Request cost against study size (p50, ms)", "", header(note).rstrip(), "",
             "Targets: under 10 ms p50 for suggest, observe, best and the study; under "
             "50 ms for the first page of trials; flat in n.", ""]
    for label, result in everything.items():
        lines += table(f"{label} ({result['date']}, `{result['command']}`)", result["rows"])
    (RESULTS / "scale.md").write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("label")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="scale-"))
    rows = [run(store, int(n), args.repeat, folder)
            for store in args.stores.split(",") for n in args.sizes.split(",")]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "scale.json"
    everything = json.loads(path.read_text()) if path.exists() else {}
    everything[args.label] = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "load": os.getloadavg(),
        "command": " ".join(["benchmarks/scale.py", *sys.argv[1:]]), "rows": rows,
    }
    write(everything, args.note)


if __name__ == "__main__":
    main()
