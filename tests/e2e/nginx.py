"""Debian's nginx running deploy/nginx.conf in front of local replicas, for tests and
benchmarks: the shipped file, with only its lines marked `# test:` rewritten (a free
loopback port, the replicas' ports, its pid, logs and temporary files in its own folder).
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from optimizer_api.devserver import free_port

NGINX = Path("/usr/sbin/nginx")
CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def require() -> None:
    """In a test: skip without Debian's nginx, or fail under CI=true (.ci/run installs it)."""
    import pytest

    if NGINX.exists():
        return
    reason = f"{NGINX} is absent: apt-get install nginx"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true requires nginx: {reason}")
    pytest.skip(reason)


def render(upstreams: list[int], port: int, folder: Path) -> str:
    """deploy/nginx.conf for replicas on 127.0.0.1:<upstreams>, listening on `port`."""
    out, servers_done = [], False
    for line in CONFIG.read_text().splitlines():
        if "# test: " not in line:
            out.append(line)
            continue
        code, what = line.split("# test: ")
        indent = code[: len(code) - len(code.lstrip())]
        what = what.strip()
        if what == "upstream":
            if not servers_done:
                out += [f"{indent}server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;"
                        for p in upstreams]
                servers_done = True
            continue
        out.append(indent + {
            "worker_processes": "worker_processes 1;",
            "pid": f"pid {folder}/nginx.pid;",
            "error_log": f"error_log {folder}/error.log warn;",
            "access_log": f"access_log {folder}/access.log main;",
            "listen": f"listen 127.0.0.1:{port};",
        }.get(what, f"{what} {folder}/{what};"))  # the *_temp_path lines
    if os.geteuid() == 0:  # workers would become `nobody`, who may not enter the folder
        out.insert(0, f"user {pwd.getpwuid(0).pw_name};")
    return "\n".join(out) + "\n"


class Nginx:
    """nginx (1 worker) on 127.0.0.1:<free port> in front of replicas on `upstreams`."""

    def __init__(self, upstreams: list[int], folder: Path | None = None):
        self.upstreams = upstreams
        self.folder = Path(folder or tempfile.mkdtemp(prefix="nginx-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Nginx:
        config = self.folder / "nginx.conf"
        config.write_text(render(self.upstreams, self.port, self.folder))
        self.process = subprocess.Popen(
            [str(NGINX), "-p", str(self.folder), "-c", str(config), "-e",
             str(self.folder / "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.log()}")
            try:
                with _opener.open(self.url + "/nginx-health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not answer:\n{self.log()}")

    def log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
