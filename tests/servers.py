"""Real gunicorn processes on free loopback ports, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn master serving optimizer_api.wsgi:app on 127.0.0.1:<free port>."""

    def __init__(self, db_url: str, workers: int = 4, log_dir: Path | None = None, env=None):
        self.db_url = db_url
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir or tempfile.mkdtemp()) / f"gunicorn-{self.port}.log"
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0, wait_for: str = "/readyz") -> Gunicorn:
        """Start and wait until `wait_for` answers 200 (on another port if one was taken)."""
        for _ in range(3):
            try:
                return self._start(timeout, wait_for)
            except _PortTaken:
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
        raise RuntimeError("no free port found for gunicorn")

    def _start(self, timeout: float, wait_for: str) -> Gunicorn:
        env = {**os.environ, "OPTIMIZER_DB_URL": self.db_url, "OPTIMIZER_ACCESS_LOG": "",
               **self.env}
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:optimizer_api.gunicorn_conf",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "optimizer_api.wsgi:app"],
            env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None or "Address already in use" in self.log():
                self.stop()
                if "Address already in use" in self.log():
                    raise _PortTaken()
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                if requests.get(self.url + wait_for, timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _PortTaken(Exception):
    """Another process took the port between free_port() and gunicorn's bind."""
