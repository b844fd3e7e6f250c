"""Suggest+observe round trips through gunicorn, beside two ceilings measured in the same run.

Every target runs under the same gunicorn settings (optimizer_api.gunicorn_conf, 4 sync
workers) and is driven by the same load generator, wrk, with one connection per wrk
thread so that a Lua script can chain each client's suggest and observe:

- `trivial`: a Flask endpoint answering a constant (benchmarks/ceilings.py);
- `naive`: a Flask endpoint committing one SQLite row per request, plain sqlite3, WAL,
  default busy handling;
- `sqlite`, `postgres`: our service, random sampler, a fresh study per measurement;
  each client suggests one trial, then observes a value for it, and again.

Each measurement is a warm-up run, then a timed run; the whole grid of targets and
client counts is repeated, and medians are reported. Ratios to the ceilings are taken
within each repetition (back to back, under the same machine load), then their median.

    .venv/bin/python benchmarks/throughput.py                      # 10 s runs, 3 repeats
    .venv/bin/python benchmarks/throughput.py --duration 3 --warmup 1 --repeats 1 \
        --clients 4 --backends sqlite
    .venv/bin/python benchmarks/throughput.py --candidate /tmp/patched-checkout   # A/B

wrk must be installed (Debian: `apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_PG = os.environ.get(
    "OPTIMIZER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SPACE = {
    "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
    "layers": {"type": "int", "low": 1, "high": 8},
    "width": {"type": "int", "low": 16, "high": 1024, "step": 16},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
}

# Per-request latencies are taken in Lua (LuaJIT's FFI to clock_gettime), per request
# kind; wrk's own histogram mixes suggest and observe. wrk keeps one Lua state per
# thread and calls request() only after the previous response(), so with one connection
# per thread each state is one client that strictly alternates suggest and observe.
LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

local mode, path, kind, started, trial_id
local json_headers = {["Content-Type"] = "application/json"}
-- Flat globals: wrk's thread:get() copies flat tables but crashes on nested ones.
lat_suggest, lat_observe, lat_single = {}, {}, {}
bad_suggest, bad_observe, bad_single = 0, 0, 0
local kinds = {"suggest", "observe", "single"}

function init(args)
  mode, path = args[1], args[2]
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  local method, target, body
  if mode == "single" then
    kind, target, body = "single", path, '{"value": 0.5}'
  elseif trial_id == nil then
    kind, target, body = "suggest", path .. "/suggest", '{"count": 1}'
  else
    kind, target = "observe", path .. "/observe"
    body = string.format('{"trial_id": %d, "value": %.9f}', trial_id, math.random())
  end
  local headers = json_headers
  if mode == "pair-keys" then  -- as the Python client sends: a fresh key per request
    headers = {["Content-Type"] = "application/json",
               ["Idempotency-Key"] = string.format("%08x%08x", math.random(0, 0x7fffffff),
                                                   math.random(0, 0x7fffffff))}
  end
  started = now_us()
  return wrk.format("POST", target, headers, body)
end

function response(status, headers, body)
  local l = _G["lat_" .. kind]
  l[#l + 1] = now_us() - started
  if status ~= 200 then _G["bad_" .. kind] = _G["bad_" .. kind] + 1 end
  if kind == "suggest" and status == 200 then
    trial_id = tonumber(string.match(body, '"trials":%s*%[%s*{%s*"id":%s*(%d+)'))
  elseif kind == "observe" then
    trial_id = nil
  end
end

function done(summary, latency, requests)
  local f = io.open(os.getenv("BENCH_OUT"), "w")
  for _, thread in ipairs(threads) do
    for _, k in ipairs(kinds) do
      f:write(k, " bad ", thread:get("bad_" .. k), "\n")
      for _, v in ipairs(thread:get("lat_" .. k)) do
        f:write(k, " ", string.format("%.1f", v), "\n")
      end
    end
  end
  f:write("summary requests ", summary.requests, "\n")
  f:write("summary duration_us ", summary.duration, "\n")
  local e = summary.errors
  f:write("summary socket_errors ", e.connect + e.read + e.write + e.timeout, "\n")
  f:write("summary wrk_p50_us ", latency:percentile(50), "\n")
  f:write("summary wrk_p99_us ", latency:percentile(99), "\n")
  f:close()
end
"""


# -- servers -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One gunicorn master with our settings, serving `app` on a free loopback port."""

    app: str
    env: dict[str, str]
    ready_path: str
    workers: int = 4
    cwd: Path = ROOT  # `python -m` imports optimizer_api from here first
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path) -> Server:
        log = open(log_dir / f"gunicorn-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:optimizer_api.gunicorn_conf",
                "--pythonpath",
                str(ROOT / "benchmarks"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                self.app,
            ],
            cwd=self.cwd,
            env={**os.environ, "OPTIMIZER_ACCESS_LOG": "", **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited; see {log.name}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.app} did not become ready; see {log.name}")

    def cpu_seconds(self) -> float:
        """User+system CPU of the master and its workers so far (Linux /proc)."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for p in [pid, *map(int, children)]:
            try:
                fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # a worker restarted in between
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def post_json(url: str, body: dict) -> dict:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


class PostgresSchema:
    """A fresh schema in the test database, dropped at the end."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.name = f"bench_tp_{uuid.uuid4().hex[:10]}"

    def _exec(self, statement: str) -> None:
        import psycopg  # only needed for the PostgreSQL backend

        conninfo = self.base_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def __enter__(self) -> str:
        self._exec(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{sep}options=-csearch_path%3D{self.name}"

    def __exit__(self, *exc) -> None:
        self._exec(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")


# -- one measurement -----------------------------------------------------------------
def run_wrk(url: str, mode: str, path: str, clients: int, seconds: float, work: Path) -> dict:
    """Run wrk with `clients` connections (one per thread); parse what the script wrote."""
    script, out = work / "bench.lua", work / f"wrk-{uuid.uuid4().hex[:8]}.txt"
    if not script.exists():
        script.write_text(LUA)
    cmd = [
        "wrk",
        "-t",
        str(clients),
        "-c",
        str(clients),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        url,
        "--",
        mode,
        path,
    ]
    proc = subprocess.run(
        cmd,
        env={**os.environ, "BENCH_OUT": str(out)},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    lat: dict[str, list[float]] = {}
    bad: dict[str, int] = {}
    summary: dict[str, float] = {}
    for line in out.read_text().splitlines():
        kind, key, *rest = line.split()
        if kind == "summary":
            summary[key] = float(rest[0])
        elif key == "bad":
            bad[kind] = bad.get(kind, 0) + int(rest[0])
        else:
            lat.setdefault(kind, []).append(float(key))
    out.unlink()
    return {"lat": lat, "bad": bad, "summary": summary}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def measure(server: Server, target: str, clients: int, args, work: Path) -> dict:
    """Warm up, then one timed wrk run; rates per second and latencies in milliseconds."""
    if target in ("trivial", "naive"):  # every other target is our service
        mode, path = "single", "/"
    else:
        study = post_json(
            server.url + "/v1/studies",
            {
                "name": f"tp-{target}-{clients}-{uuid.uuid4().hex[:8]}",
                "space": SPACE,
                "algorithm": {"name": "random"},
                "seed": 1,
            },
        )
        mode = "pair-keys" if args.idempotency_keys else "pair"
        path = f"/v1/studies/{study['id']}"
    if args.warmup > 0:
        run_wrk(server.url, mode, path, clients, args.warmup, work)
    load_before, cpu_before = os.getloadavg()[0], server.cpu_seconds()
    raw = run_wrk(server.url, mode, path, clients, args.duration, work)
    cpu = server.cpu_seconds() - cpu_before
    seconds = raw["summary"]["duration_us"] / 1e6
    result = {
        "target": target,
        "clients": clients,
        "seconds": round(seconds, 3),
        "load1_before": round(load_before, 2),
        "load1_after": round(os.getloadavg()[0], 2),
        "requests_per_s": raw["summary"]["requests"] / seconds,
        "socket_errors": int(raw["summary"]["socket_errors"]),
        "wrk_p50_ms": raw["summary"]["wrk_p50_us"] / 1e3,
        "wrk_p99_ms": raw["summary"]["wrk_p99_us"] / 1e3,
        # gunicorn's CPU per request (PostgreSQL's own processes are not counted)
        "server_cpu_ms": 1e3 * cpu / max(1.0, raw["summary"]["requests"]),
    }
    for kind, values in raw["lat"].items():
        if not values:
            continue
        result[kind] = {
            "count": len(values),
            "per_s": len(values) / seconds,
            "bad": raw["bad"].get(kind, 0),
            "p50_ms": percentile(values, 50) / 1e3,
            "p99_ms": percentile(values, 99) / 1e3,
        }
    if mode.startswith("pair"):
        result["pairs_per_s"] = result.get("observe", {}).get("per_s", 0.0)
    return result


# -- the run -------------------------------------------------------------------------
def start_servers(args, work: Path, stack) -> dict[str, Server]:
    servers = {
        "trivial": Server("ceilings:trivial()", {}, "/"),
        "naive": Server("ceilings:naive()", {"CEILING_DB": str(work / "naive.db")}, "/"),
    }
    if "sqlite" in args.backends:
        db = f"sqlite:///{work / 'ours.db'}"
        servers["sqlite"] = Server("optimizer_api.wsgi:app", {"OPTIMIZER_DB_URL": db}, "/readyz")
    if "postgres" in args.backends:
        url = stack.enter_context(PostgresSchema(args.postgres_url))
        servers["postgres"] = Server("optimizer_api.wsgi:app", {"OPTIMIZER_DB_URL": url}, "/readyz")
    if args.candidate:  # the same backends served from another source tree
        for backend in [b for b in ("sqlite", "postgres") if b in servers]:
            if backend == "sqlite":
                url = f"sqlite:///{work / 'candidate.db'}"
            else:
                url = stack.enter_context(PostgresSchema(args.postgres_url))
            servers[f"{backend}-candidate"] = Server(
                "optimizer_api.wsgi:app",
                {"OPTIMIZER_DB_URL": url},
                "/readyz",
                cwd=Path(args.candidate).resolve(),
            )
    for server in servers.values():
        server.workers = args.workers
        stack.callback(server.stop)
        server.start(work)
    return servers


def run(args) -> dict:
    import contextlib

    work = Path(tempfile.mkdtemp(prefix="optimizer-throughput-"))
    runs: list[dict] = []
    started = time.time()
    with contextlib.ExitStack() as stack:
        servers = start_servers(args, work, stack)
        for rep in range(args.repeats):
            for clients in args.clients:
                for target, server in servers.items():
                    r = measure(server, target, clients, args, work)
                    r["repeat"] = rep
                    runs.append(r)
                    print(_line(r), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "repeats": args.repeats,
            "workers": args.workers,
            "idempotency_keys": args.idempotency_keys,
            "clients": args.clients,
            "backends": args.backends,
            "candidate": args.candidate,
            "generator": _wrk_version(),
            "cpus": os.cpu_count(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "wall_s": round(time.time() - started, 1),
        },
        "runs": runs,
        "summary": summarize(runs, args),
    }


def _wrk_version() -> str:
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).splitlines()[0].strip()


def _line(r: dict) -> str:
    text = (
        f"rep {r['repeat']} {r['target']:>8} c={r['clients']:<2} {r['requests_per_s']:8.0f} req/s"
    )
    for kind in ("single", "suggest", "observe"):
        if kind in r:
            k = r[kind]
            text += f" | {kind} p50 {k['p50_ms']:.2f} p99 {k['p99_ms']:.2f} ms bad {k['bad']}"
    return text + f" | cpu {r['server_cpu_ms']:.2f} ms/req | load {r['load1_before']:.1f}"


def summarize(runs: list[dict], args) -> list[dict]:
    """Medians over repeats; ratios to the ceilings taken within each repeat."""
    rows = []
    targets = list(dict.fromkeys(r["target"] for r in runs))
    for clients in args.clients:
        for target in targets:
            mine = [r for r in runs if r["target"] == target and r["clients"] == clients]
            if not mine:
                continue
            row = {"target": target, "clients": clients, "repeats": len(mine)}
            row["requests_per_s"] = statistics.median(r["requests_per_s"] for r in mine)
            if "pairs_per_s" in mine[0]:
                row["pairs_per_s"] = statistics.median(r["pairs_per_s"] for r in mine)
            for kind in ("single", "suggest", "observe"):
                for stat in ("p50_ms", "p99_ms"):
                    got = [r[kind][stat] for r in mine if kind in r]
                    if got:
                        row[f"{kind}_{stat}"] = statistics.median(got)
            row["server_cpu_ms"] = statistics.median(r["server_cpu_ms"] for r in mine)
            row["errors"] = sum(
                r["socket_errors"]
                + sum(r[k]["bad"] for k in ("single", "suggest", "observe") if k in r)
                for r in mine
            )
            for ceiling in ("trivial", "naive"):
                ratios = []
                for r in mine:
                    base = [
                        b
                        for b in runs
                        if b["target"] == ceiling
                        and b["clients"] == clients
                        and b["repeat"] == r["repeat"]
                    ]
                    if base:
                        ratios.append(r["requests_per_s"] / base[0]["requests_per_s"])
                if ratios:
                    row[f"vs_{ceiling}"] = statistics.median(ratios)
            row["load1"] = [
                min(r["load1_before"] for r in mine),
                max(r["load1_after"] for r in mine),
            ]
            rows.append(row)
    return rows


def targets_check(summary: list[dict], target: str = "sqlite") -> list[str]:
    """The issue's targets: SQLite, 4 clients, >= 40% of naive's rate and p99 < 50 ms."""
    row = next((r for r in summary if r["target"] == target and r["clients"] == 4), None)
    if row is None or "vs_naive" not in row:
        return [f"{target}: targets not evaluated (needs it and naive at 4 clients)"]
    p99 = max(row["suggest_p99_ms"], row["observe_p99_ms"])
    return [
        f"{target}: request rate {row['vs_naive']:.0%} of naive (target >= 40%): "
        + ("met" if row["vs_naive"] >= 0.4 else "NOT met"),
        f"{target}: p99 suggest {row['suggest_p99_ms']:.1f} ms, observe "
        f"{row['observe_p99_ms']:.1f} ms (target < 50 ms): " + ("met" if p99 < 50 else "NOT met"),
    ]


def _f(value, fmt="{:.0f}") -> str:
    return "" if value is None else fmt.format(value)


def markdown(result: dict) -> str:
    s = result["settings"]
    lines = [
        "# Throughput: suggest+observe through gunicorn",
        "",
        f"{s['workers']} sync gunicorn workers (optimizer_api.gunicorn_conf), {s['cpus']} CPUs, "
        f"load generator {s['generator']} (one connection per thread, same Lua script for "
        f"all targets). {s['duration_s']:g} s timed after {s['warmup_s']:g} s warm-up, "
        f"{s['repeats']} repeat(s), medians; ratios are medians of per-repeat ratios to the "
        f"ceilings measured back to back. Run started {s['started']}, took {s['wall_s']:.0f} s."
        + (" Our requests carry a fresh Idempotency-Key each, as the Python client's do."
           if s.get("idempotency_keys") else ""),
        "",
        "Request rate counts every request (each suggest and each observe is one); pairs/s "
        "counts completed suggest+observe round trips. Latencies in ms; p50/p99 without a "
        "request type are the ceilings'. CPU ms/req is the gunicorn master's and workers' "
        "user+system CPU per request (not PostgreSQL's own). `load1` is the 1-minute load "
        "average seen before/after the timed runs (the machine is shared).",
        "",
        "| target | clients | req/s | pairs/s | vs trivial | vs naive | p50 | p99 "
        "| suggest p50 | suggest p99 | observe p50 | observe p99 | CPU ms/req | errors | load1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in result["summary"]:
        lines.append(
            f"| {r['target']} | {r['clients']} | {_f(r['requests_per_s'])} "
            f"| {_f(r.get('pairs_per_s'))} | {_f(r.get('vs_trivial'), '{:.2f}')} "
            f"| {_f(r.get('vs_naive'), '{:.2f}')} | {_f(r.get('single_p50_ms'), '{:.2f}')} "
            f"| {_f(r.get('single_p99_ms'), '{:.1f}')} "
            f"| {_f(r.get('suggest_p50_ms'), '{:.2f}')} | {_f(r.get('suggest_p99_ms'), '{:.1f}')} "
            f"| {_f(r.get('observe_p50_ms'), '{:.2f}')} | {_f(r.get('observe_p99_ms'), '{:.1f}')} "
            f"| {r['server_cpu_ms']:.2f} | {r['errors']} "
            f"| {r['load1'][0]:.1f}-{r['load1'][1]:.1f} |"
        )
    checks = targets_check(result["summary"])
    if s.get("candidate"):
        checks += targets_check(result["summary"], "sqlite-candidate")
        lines += ["", f"`*-candidate`: optimizer_api served from {s['candidate']}."]
    lines += ["", "Targets (issue 2):", ""] + [f"- {t}" for t in checks]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=10.0, help="timed seconds per run")
    p.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    p.add_argument("--backends", default="sqlite,postgres", help="sqlite,postgres")
    p.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    p.add_argument("--idempotency-keys", action="store_true",
                   help="our requests carry a fresh Idempotency-Key, as the Python client's do")
    p.add_argument("--postgres-url", default=DEFAULT_PG)
    p.add_argument("--out", default=str(RESULTS / "throughput"), help="path without suffix")
    p.add_argument(
        "--candidate",
        help="a source tree whose optimizer_api is measured too, in the same run "
        "(targets sqlite-candidate, postgres-candidate): to try a proposed change",
    )
    args = p.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",")]
    args.backends = [b for b in args.backends.split(",") if b]
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    result = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    text = markdown(result)
    out.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
