"""`make demo`: the service on SQLite in the background, the MLP example against it, stop.

Runs client/examples/python/mlp_digits.py with 4 worker processes, Bayesian search and
median early stopping, then stops the service. Settings: DEMO_TRIALS (40), DEMO_WORKERS
(4), DEMO_MAX_EPOCHS (30).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "client" / "examples" / "python" / "mlp_digits.py"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Poll /readyz until the service answers; fail with its log if it dies or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the service exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the service did not become ready in {timeout:.0f} s:\n{log.read_text()}")


def start_service(workdir: Path) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db = f"sqlite:///{workdir / 'demo.db'}"
    log = workdir / "service.log"
    # One BLAS thread per gunicorn worker: on a small machine spinning BLAS threads of
    # the Gaussian-process fits would fight the training processes for the cores.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    args = [
        str(BIN / "optimizer-api"),
        "serve",
        "--port",
        str(port),
        "--workers",
        "4",
        "--database-url",
        db,
    ]
    with open(log, "wb") as out:  # its own session: Ctrl-C reaches the example, not it
        server = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    print(f"demo: service on {url}, studies in {db} (log: {log})", flush=True)
    wait_ready(url, server, log)
    return server, url, log


def stop_service(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    print("demo: service stopped", flush=True)


def example_args() -> list[str]:
    """The MLP example: Bayesian search, median early stopping, worker processes."""
    env = os.environ.get
    return [
        *(sys.executable, str(EXAMPLE), "--study", "mlp-digits-demo", "--processes"),
        *("--algorithm", "bayesian", "--early-stopping", "median"),
        *("--trials", env("DEMO_TRIALS", "40"), "--workers", env("DEMO_WORKERS", "4")),
        *("--max-epochs", env("DEMO_MAX_EPOCHS", "30")),
    ]


def run_example(url: str) -> int:
    """Run the example; on Ctrl-C wait for it: it got the signal too and cleans up."""
    example = subprocess.Popen(example_args(), env={**os.environ, "OPTIMIZER_URL": url})
    while True:
        try:
            return example.wait()
        except KeyboardInterrupt:
            continue


def main() -> int:
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="optimizer-demo-") as tmp:
        server, url, _ = start_service(Path(tmp))
        try:
            code = run_example(url)
        finally:
            stop_service(server)
    print(f"demo: finished in {time.monotonic() - start:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
