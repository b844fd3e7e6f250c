"""A real gunicorn on a free loopback port, for tests, benchmarks and the demo.

It runs the command `optimizer-api serve` runs (`cli.gunicorn_argv`), with the access
log off, and is started and stopped by its caller::

    with Gunicorn("sqlite:////tmp/x.db", workers=2) as server:
        urllib.request.urlopen(server.url + "/healthz")
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .cli import gunicorn_argv

# Loopback needs no proxy, whatever HTTP_PROXY says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn master serving optimizer_api.wsgi:app on 127.0.0.1:<free port>.

    Args:
        db_url: the store (OPTIMIZER_DB_URL).
        workers: gunicorn workers.
        log_dir: where its log goes (gunicorn-<port>.log); a new temporary folder if None.
        env: more environment variables for it.
        new_session: run it in its own session, so a Ctrl-C at the terminal spares it.
    """

    def __init__(
        self,
        db_url: str,
        workers: int = 4,
        log_dir: Path | None = None,
        env: dict[str, str] | None = None,
        new_session: bool = False,
    ) -> None:
        self.db_url = db_url
        self.workers = workers
        self.port = free_port()
        self.log_path = Path(log_dir or tempfile.mkdtemp()) / f"gunicorn-{self.port}.log"
        self.env = env or {}
        self.new_session = new_session
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, wait_for: str = "/readyz") -> Gunicorn:
        """Start and wait until `wait_for` answers 200 (on another port if one was taken).

        Raises:
            RuntimeError: gunicorn exited or did not answer in time; the message has its log.
        """
        for _ in range(3):
            try:
                return self._start(timeout, wait_for)
            except _PortTaken:
                self.port = free_port()
        raise RuntimeError("no free port found for gunicorn")

    def _start(self, timeout: float, wait_for: str) -> Gunicorn:
        env = {**os.environ, "OPTIMIZER_DB_URL": self.db_url, "OPTIMIZER_ACCESS_LOG": "",
               **self.env}
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            gunicorn_argv(f"127.0.0.1:{self.port}", self.workers),
            env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=self.new_session,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None or "Address already in use" in self.log():
                self.stop()
                if "Address already in use" in self.log():
                    raise _PortTaken()
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            if self._answers(wait_for):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log()}")

    def _answers(self, path: str) -> bool:
        try:
            with _opener.open(self.url + path, timeout=2) as answer:
                return answer.status == 200
        except urllib.error.HTTPError as error:  # 503 while the store is not ready, say
            error.close()
            return False
        except OSError:  # refused or timed out: not listening yet
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, and SIGKILL if it has not exited after `timeout` seconds."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _PortTaken(Exception):
    """Another process took the port between free_port() and gunicorn's bind."""
