"""`make demo`'s script, on a small budget: it starts the service, runs the example, stops it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
