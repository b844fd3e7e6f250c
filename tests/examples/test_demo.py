"""`make demo`'s script, on a small budget: it starts the service, runs the example, stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


@pytest.mark.e2e
def test_demo_runs_the_mlp_example_and_stops_the_service() -> None:
    env = {**os.environ, "DEMO_TRIALS": "4", "DEMO_WORKERS": "2", "DEMO_MAX_EPOCHS": "3"}
    done = subprocess.run(
        [sys.executable, str(DEMO)], env=env, capture_output=True, text=True, timeout=120
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "bayesian, early stopping median, 2 workers" in out
    assert re.search(r"mlp-digits-demo: \d+ completed, \d+ pruned, 0 failed", out)
    assert "The five best trials" in out and "Best configuration (trial" in out
    assert "demo: service stopped" in out
    url = re.search(r"demo: service on (\S+),", out).group(1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/healthz", timeout=2)


@pytest.mark.e2e
def test_ctrl_c_stops_the_demo_cleanly(tmp_path: Path) -> None:
    log = tmp_path / "demo.out"
    with open(log, "w") as out:  # its own process group, which Ctrl-C would signal
        demo = subprocess.Popen(
            [sys.executable, str(DEMO)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DEMO_TRIALS": "20", "DEMO_MAX_EPOCHS": "10"},
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        # The first progress line: trials have finished, others are running.
        while not re.search(r"\] \d+/20", log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        os.killpg(demo.pid, signal.SIGINT)
        assert demo.wait(timeout=60) == 130
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    text = log.read_text()
    assert "interrupted: the running trials are marked failed" in text
    assert re.search(r"mlp-digits-demo: \d+ completed, \d+ pruned, [1-9]\d* failed", text)
    assert "demo: service stopped" in text
