"""`make demo`: the service on SQLite in the background, the MLP example against it, stop.

Runs client/examples/python/mlp_digits.py with 4 worker processes, Bayesian search and
median early stopping, then stops the service. Settings: DEMO_TRIALS (40), DEMO_WORKERS
(4), DEMO_MAX_EPOCHS (30).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from optimizer_api.devserver import Gunicorn

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "client" / "examples" / "python" / "mlp_digits.py"


def start_service(workdir: Path) -> Gunicorn:
    """4 gunicorn workers on a SQLite file, in their own session: Ctrl-C reaches the example."""
    db = f"sqlite:///{workdir / 'demo.db'}"
    server = Gunicorn(db, workers=4, log_dir=workdir, new_session=True)
    try:
        server.start()
    except RuntimeError as exc:  # it exited or stalled; the message has its log
        sys.exit(f"the service did not start: {exc}")
    print(f"demo: service on {server.url}, studies in {db} (log: {server.log_path})", flush=True)
    return server


def stop_service(server: Gunicorn) -> None:
    server.stop()
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
        server = start_service(Path(tmp))
        try:
            code = run_example(server.url)
        finally:
            stop_service(server)
    print(f"demo: finished in {time.monotonic() - start:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
