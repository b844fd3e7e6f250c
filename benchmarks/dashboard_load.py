"""How fast the dashboard opens a 50,000-trial study, beside optuna-dashboard on the same trials.

Seeds a study straight into the store (benchmarks/seed_study.py: SQLite, and PostgreSQL
when it answers), serves it with a real gunicorn (optimizer_api/devserver.py) and opens
its pages in headless Chromium (Debian's, the browser tests' launch flags), each load in
a fresh browser context (nothing cached). The same trials, copied into an Optuna RDB
storage (benchmarks/optuna_rdb.py), are opened in optuna-dashboard the same way.

What is measured, from the start of the navigation:
- first charts: the history and intermediate-value charts are drawn. Ours marks the moment
  (performance.mark right after ECharts' setOption, which paints its canvas before it
  returns; a check after the load reads the data back with getOption); optuna-dashboard's
  history plot is polled at each animation frame until its Plotly div holds data;
- complete: every panel drawn, importance included (ours: the mark of the first full
  refresh; optuna-dashboard: its importance plot holds data);
- bytes: the sum of every response's encoded length (Chromium's Network.loadingFinished,
  headers included) until complete.

    .venv/bin/python benchmarks/dashboard_load.py [--trials 50000] [--loads 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from gp_report import header  # noqa: E402
from seed_study import seed  # noqa: E402

from optimizer_api.devserver import Gunicorn, free_port  # noqa: E402
from tests.web.conftest import CHROMIUM, LAUNCH_ARGS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET_MS, TARGET_BYTES = 2000, 5_000_000  # the issue's: first charts < 2 s and < 5 MB

# Each page: "first" and "complete" are polled at each animation frame until they hold; the
# time is then performance.now() (when the poll saw it), or the page's own mark.
def _marks(*names: str) -> str:
    return f"Math.max(...{list(names)}.map((n) => performance.getEntriesByName(n)[0]?.startTime))"


ECHARTS_HAS_DATA = """(sel) => echarts.getInstanceByDom(document.querySelector(sel))
    .getOption().series.some((s) => s.data.length > 0)"""
OURS = {
    "study": {
        "first": f"() => {_marks('history-drawn', 'curves-drawn')} > 0",
        "first_time": _marks("history-drawn", "curves-drawn"),
        "complete": f"() => {_marks('first-refresh')} > 0",
        "complete_time": _marks("first-refresh"),
        "check": f"""() => ({ECHARTS_HAS_DATA})('#chart-history')
                           && ({ECHARTS_HAS_DATA})('#chart-curves')""",
    },
    "list": {
        "first": f"() => {_marks('studies-listed')} > 0",
        "first_time": _marks("studies-listed"),
        "complete": f"() => {_marks('studies-listed')} > 0",
        "complete_time": _marks("studies-listed"),
        "check": "() => !!document.querySelector('#studies tbody tr[data-study-id]')",
    },
}
PLOTLY_HAS_DATA = """(id) => (document.getElementById(id)?.data || [])
    .some((trace) => (trace.x || []).length > 0)"""
OPTUNA = {
    "study": {
        "first": f"() => ({PLOTLY_HAS_DATA})('plot-history')",
        "complete": f"""() => ({PLOTLY_HAS_DATA})('plot-history')
                              && ({PLOTLY_HAS_DATA})('graph-hyperparameter-importances')""",
    },
    "list": {
        "first": "() => !!document.querySelector('a[href*=\"/dashboard/studies/\"]')",
        "complete": "() => !!document.querySelector('a[href*=\"/dashboard/studies/\"]')",
    },
}


# -- one page load -------------------------------------------------------------------------
def load(browser, url: str, checks: dict, timeout_s: float) -> dict:
    """Open `url` in a fresh context; when its first charts and everything were drawn (ms
    from the navigation's start) and the bytes received by then."""
    # The pages' Content-Security-Policy forbids the eval wait_for_function polls with;
    # it changes nothing of what is fetched or drawn, so the measuring context bypasses it.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    received = {"bytes": 0, "responses": 0, "big": []}
    started, urls = [], {}
    cdp = context.new_cdp_session(page)
    # Counting bytes needs no copy of the bodies: a 125 MB answer is not kept twice.
    cdp.send("Network.enable", {"maxTotalBufferSize": 1024, "maxResourceBufferSize": 1024})

    def sent(event):
        started.append(event["timestamp"])
        urls[event["requestId"]] = urllib.parse.urlsplit(event["request"]["url"])

    def finished(event):
        received["bytes"] += event["encodedDataLength"]
        received["responses"] += 1
        if event["encodedDataLength"] > 1_000_000:  # when each big answer had arrived
            url = urls.get(event["requestId"])
            received["big"].append({
                "path": f"{url.path}?{url.query}".rstrip("?") if url else "?",
                "bytes": event["encodedDataLength"],
                "at_ms": round(1000 * (event["timestamp"] - started[0]))})

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    try:
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        out = {}
        for key in ("first", "complete"):
            page.wait_for_function(
                f"() => ({checks[key]})() && (window.__{key} ??= performance.now())",
                polling="raf", timeout=timeout_s * 1000)
            out[f"{key}_ms"] = page.evaluate(checks.get(f"{key}_time", f"window.__{key}"))
        assert page.evaluate(checks.get("check", "() => true")), f"{url}: a chart has no data"
        page.wait_for_timeout(300)  # responses still on the wire count too
        marks = page.evaluate(
            "Object.fromEntries(performance.getEntriesByType('mark')"
            ".map((m) => [m.name, m.startTime]))")
        return {**out, **received, "marks": marks}
    except Exception as exc:  # a timeout: reported, not fatal
        return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}", **received}
    finally:
        context.close()


def loads(browser, url: str, checks: dict, n: int, timeout_s: float) -> dict:
    """n loads of one page; their medians, and each one."""
    runs = []
    for _ in range(n):
        runs.append(load(browser, url, checks, timeout_s))
        if "error" in runs[-1] or runs[-1]["complete_ms"] > 60_000:
            break  # one timed-out (or minute-long) load is answer enough
    ok = [r for r in runs if "error" not in r]
    summary = {"url": url, "runs": runs, "loads": len(runs), "failed": len(runs) - len(ok)}
    for key in ("first_ms", "complete_ms", "bytes", "responses"):
        if ok:
            summary[key] = statistics.median(r[key] for r in ok)
    return summary


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# -- the servers ---------------------------------------------------------------------------
def measure_ours(browser, db_url: str, study_id: int, n: int, workers: int) -> dict:
    with Gunicorn(db_url, workers=workers) as server:
        load(browser, f"{server.url}/studies/{study_id}", OURS["study"], 60)  # warm the store
        return {
            "study": loads(browser, f"{server.url}/studies/{study_id}", OURS["study"], n, 60),
            "list": loads(browser, f"{server.url}/", OURS["list"], n, 60),
            "api": api_sizes(server.url, study_id),
        }


def api_sizes(base: str, study_id: int) -> dict:
    """Bytes and time of each answer the study page asks for (median of 3)."""
    import requests

    paths = {
        "study": "", "history": "/history", "curves": "/curves", "importance": "/importance",
        "trials page": "/trials?sort=-number&limit=20",
        "trials by value, filtered": "/trials?sort=value&limit=20&params="
        + urllib.parse.quote('{"lr": {"min": 0.001, "max": 0.01}, "act": {"in": ["relu"]}}'),
        "running": "/trials?state=running&sort=number&limit=100",
    }
    out = {}
    with requests.Session() as http:
        http.trust_env = False
        for name, path in paths.items():
            times, size = [], 0
            for _ in range(3):
                t0 = time.perf_counter()
                answer = http.get(f"{base}/v1/studies/{study_id}{path}", timeout=60)
                times.append(time.perf_counter() - t0)
                size = len(answer.content)
                assert answer.status_code == 200, (path, answer.text[:200])
            out[name] = {"bytes": size, "ms": 1000 * statistics.median(times)}
    return out


def measure_optuna(browser, path: str, study_id: int, n: int, timeout_s: float) -> dict:
    port = free_port()
    log = open(Path(path).with_suffix(".log"), "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "optuna-dashboard"), f"sqlite:///{path}",
         "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/meta", server)
        return {
            "server": "optuna-dashboard's own gunicorn (1 worker, 4 threads)",
            "study": loads(browser, f"{base}/dashboard/studies/{study_id}", OPTUNA["study"],
                           n, timeout_s),
            "list": loads(browser, f"{base}/dashboard", OPTUNA["list"], n, timeout_s),
        }
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # its threads still serialising 50,000 trials
            server.kill()
            server.wait()
        log.close()


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited")
        try:
            if requests.get(url, timeout=2, proxies={"http": None}).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout_s} s")


@contextmanager
def postgres_schema(base_url: str | None):
    """A fresh schema on the PostgreSQL at `base_url` (dropped afterwards), or None."""
    if not base_url:
        yield None
        return
    try:
        import psycopg

        libpq = base_url.replace("postgresql+psycopg://", "postgresql://")
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(libpq, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL: SQLite alone
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        yield None
        return
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options={urllib.parse.quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# -- the report ----------------------------------------------------------------------------
def report(results: dict) -> str:
    lines = [
        f"# Opening a {results['trials']:,}-trial study: the dashboard beside optuna-dashboard",
        "",
        header(f"Each figure is the median of {results['loads']} loads (optuna-dashboard: "
               f"{results['optuna_loads']}), each in a fresh browser context; gunicorn with "
               f"{results['workers']} workers; Chromium {results['chromium']}.").rstrip("\n"),
        "",
        "First charts: from the start of the navigation until the history and the "
        "intermediate-value charts are drawn (optuna-dashboard: its history plot). Complete: "
        "every panel drawn, importance included. Bytes: every response's encoded length, "
        "headers included, until complete. Targets (issue 9): first charts under "
        f"{TARGET_MS / 1000:g} s and under {TARGET_BYTES / 1e6:g} MB.",
        "",
        "| page | served by | first charts | complete | transferred | responses | loads |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rows = [(f"ours, {store}", r) for store, r in results["ours"].items()]
    if "study" in results["optuna_dashboard"]:
        rows.append(("optuna-dashboard 0.21.0, SQLite", results["optuna_dashboard"]))
    for page in ("study", "list"):
        for name, r in rows:
            lines.append(_row(page, name, r[page]))
    lines.append("")
    for store, r in results["ours"].items():
        lines += [f"What the study page asks for ({store}; answer sizes without headers, "
                  "median of 3 requests, one at a time):", "",
                  "| request | bytes | ms |", "|---|---:|---:|"]
        lines += [f"| {name} | {a['bytes']:,} | {a['ms']:.0f} |" for name, a in r["api"].items()]
        lines.append("")
    if "study" in results["optuna_dashboard"]:
        run = results["optuna_dashboard"]["study"]["runs"][0]
        lines += ["optuna-dashboard's study page, first load: the answers over 1 MB and when "
                  "they had arrived: " + "; ".join(
                      f"`{b['path']}` {b['bytes'] / 1e6:.1f} MB at {b['at_ms'] / 1000:.1f} s"
                      for b in run.get("big", [])) + ".", ""]
    lines += ["Seeding: " + ", ".join(f"{k} {v:.0f} s" for k, v in results["seconds"].items()),
              "", results["notes"], ""]
    return "\n".join(lines)


def _row(page: str, name: str, r: dict) -> str:
    if "first_ms" not in r:
        last = r["runs"][-1]
        return (f"| {page} | {name} | not drawn: {last.get('error', '')[:100]} | | "
                f"{last['bytes'] / 1e6:.2f} MB by then | {last['responses']} | {r['loads']} |")
    return (f"| {page} | {name} | {r['first_ms'] / 1000:.2f} s | {r['complete_ms'] / 1000:.2f} s"
            f" | {r['bytes'] / 1e6:.2f} MB | {r['responses']:.0f} | {r['loads']} |")


NOTES = """optuna-dashboard gets the same trials: benchmarks/optuna_rdb.py turns each into a
FrozenTrial with `optuna.trial.create_trial` and bulk-inserts them into Optuna's own RDB
tables (`study.add_trials` writes a trial per transaction, ~14 ms each here: 12 minutes for
50,000), then reads a sample back through `RDBStorage.get_trial`. Its study page asks for
every trial at once (`/api/studies/<id>`, params, values and curves of all of them)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--optuna-loads", type=int, default=2)
    parser.add_argument("--optuna-timeout", type=float, default=300, help="seconds per load")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--postgres", default=os.environ.get("OPTIMIZER_TEST_POSTGRES_URL"))
    parser.add_argument("--out", default="dashboard_load")
    args = parser.parse_args()
    results = {"trials": args.trials, "loads": args.loads, "optuna_loads": args.optuna_loads,
               "workers": args.workers, "ours": {}, "seconds": {}, "notes": NOTES,
               "header": header()}
    name = f"seeded-{args.trials}"
    with tempfile.TemporaryDirectory() as folder, chromium() as browser:
        results["chromium"] = browser.version
        sqlite = f"sqlite:///{folder}/ours.db"
        t0 = time.perf_counter()
        study_id = seed(sqlite, args.trials, name)
        results["seconds"]["SQLite"] = time.perf_counter() - t0
        print(f"seeded {args.trials} trials in {results['seconds']['SQLite']:.0f} s", flush=True)
        results["ours"]["SQLite"] = measure_ours(browser, sqlite, study_id, args.loads,
                                                 args.workers)
        print(json.dumps(_brief(results["ours"]["SQLite"])), flush=True)
        with postgres_schema(args.postgres) as pg:
            if pg:
                t0 = time.perf_counter()
                pg_id = seed(pg, args.trials, name)
                results["seconds"]["PostgreSQL"] = time.perf_counter() - t0
                results["ours"]["PostgreSQL"] = measure_ours(browser, pg, pg_id, args.loads,
                                                             args.workers)
                print(json.dumps(_brief(results["ours"]["PostgreSQL"])), flush=True)
        if args.no_optuna:
            results["optuna_dashboard"] = {"skipped": "--no-optuna"}
        else:
            results["optuna_dashboard"] = compare_optuna(browser, sqlite, study_id, folder, args,
                                                         results["seconds"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / f"{args.out}.md").write_text(report(results))
    print(report(results))


def compare_optuna(browser, sqlite: str, study_id: int, folder: str, args, seconds) -> dict:
    try:
        import optuna
        from optuna_rdb import copy
    except ImportError as exc:
        return {"skipped": f"the bench extra is not installed ({exc})"}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0 = time.perf_counter()
    path = f"{folder}/optuna.db"
    optuna_id = copy(sqlite, study_id, path)
    seconds["Optuna copy"] = time.perf_counter() - t0
    result = measure_optuna(browser, path, optuna_id, args.optuna_loads, args.optuna_timeout)
    print(json.dumps(_brief(result)), flush=True)
    return result


def _brief(result: dict) -> dict:
    return {page: {k: result[page].get(k) for k in ("first_ms", "complete_ms", "bytes", "failed")}
            for page in ("study", "list")}


if __name__ == "__main__":
    main()
