"""The examples in client/examples run as they are against a live gunicorn service that
requires tokens (each is given OPTIMIZER_TOKEN, a write token).

Each run's results are then read back from the store: the right number of trials, every
value and intermediate value recorded, and the best trial the one the store reports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "client" / "examples"

pytestmark = pytest.mark.e2e


def run(args: list[str], server, timeout: float = 120, **env: str) -> list[str]:
    """Run an example with OPTIMIZER_URL and OPTIMIZER_TOKEN set; return its stdout lines,
    failing on error."""
    env = {**os.environ, "OPTIMIZER_URL": server.url, "OPTIMIZER_TOKEN": server.tokens["write"],
           "PYTHONPATH": str(ROOT / "client"), **env}
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()


def check_study(server, name: str, n_trials: int) -> tuple[dict, list[dict]]:
    """Check what the store holds for the example's study; return the study and its trials."""
    url, auth = server.url, server.auth("read")
    found = requests.get(f"{url}/v1/studies", params={"name": name}, headers=auth,
                         timeout=10).json()
    (study,) = found["studies"]
    counts = study["trial_counts"]
    assert counts["completed"] + counts["pruned"] == n_trials, counts
    assert counts["running"] == counts["failed"] == counts["expired"] == 0, counts
    assert study["status"] == "completed"
    trials = requests.get(f"{url}/v1/studies/{study['id']}/trials", headers=auth,
                          timeout=10).json()["trials"]
    assert len(trials) == n_trials
    for trial in trials:
        steps = [p["step"] for p in trial["intermediate_values"]]
        assert steps == list(range(1, len(steps) + 1)) and steps, trial
        assert trial["value"] == trial["intermediate_values"][-1]["value"], trial
    completed = [t["value"] for t in trials if t["state"] == "completed"]
    best = max(completed) if study["direction"] == "maximize" else min(completed)
    assert study["best_trial"]["value"] == best
    return study, trials


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_curl_example(secured_server) -> None:
    name = unique("curl")
    lines = run(
        ["bash", str(EXAMPLES / "curl.sh")], secured_server, STUDY_NAME=name, TRIALS="6", EPOCHS="4"
    )
    study, trials = check_study(secured_server, name, 6)
    assert all(len(t["intermediate_values"]) <= 4 for t in trials)
    assert len([line for line in lines if line.startswith("trial ")]) == 6
    assert lines[-1].startswith("best ") and lines[-1].endswith(str(study["best_trial"]["value"]))


def test_node_example(secured_server) -> None:
    if shutil.which("node") is None:  # CI runs on a machine that has it: there, fail
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true requires Node.js 18+ for the Node.js example")
        pytest.skip("Node.js is not installed")
    name = unique("node")
    env = {"STUDY_NAME": name, "TRIALS": "9", "WORKERS": "3"}
    lines = run(["node", str(EXAMPLES / "node" / "tune.mjs")], secured_server, **env)
    study, trials = check_study(secured_server, name, 9)
    ids = {t["worker_id"] for t in trials}  # node-<host>-<pid>-<0..WORKERS-1>
    assert all(i.startswith("node-") and i.rsplit("-", 1)[1] in "012" for i in ids), ids
    assert len([line for line in lines if line.startswith("trial ")]) == 9
    assert lines[-1].startswith("best ") and lines[-1].endswith(str(study["best_trial"]["value"]))


def test_python_mlp_example(secured_server) -> None:
    name = unique("mlp")
    args = [
        sys.executable,
        str(EXAMPLES / "python" / "mlp_digits.py"),
        "--study",
        name,
        "--trials",
        "6",
        "--workers",
        "2",
        "--processes",
        "--max-epochs",
        "4",
    ]
    lines = run(args, secured_server)
    study, trials = check_study(secured_server, name, 6)
    assert study["algorithm"]["name"] == "bayesian" and study["early_stopping"]["rule"] == "median"
    space = study["space"]
    assert set(space) == {"learning_rate", "batch_size", "epochs", "alpha", "layers", "units"}
    assert space["learning_rate"]["log"] and space["alpha"]["log"]
    assert space["batch_size"]["type"] == "categorical"
    for trial in trials:
        assert len(trial["intermediate_values"]) <= trial["params"]["epochs"]
        assert 0.0 <= trial["value"] <= 1.0
    best = study["best_trial"]
    assert any(line.startswith(f"Best configuration (trial {best['number']},") for line in lines)
    assert "The five best trials" in lines


def test_python_two_objectives_example(secured_server) -> None:
    name = unique("forest")
    lines = run([sys.executable, str(EXAMPLES / "python" / "two_objectives.py"), "--study", name,
                 "--trials", "9", "--workers", "3", "--max-mb", "0.5"], secured_server)
    url, auth = secured_server.url, secured_server.auth("read")
    (study,) = requests.get(f"{url}/v1/studies", params={"name": name}, headers=auth,
                            timeout=10).json()["studies"]
    assert study["trial_counts"]["completed"] == 9 and study["status"] == "completed"
    assert [o["name"] for o in study["objectives"]] == ["accuracy", "latency_ms"]
    trials = requests.get(f"{url}/v1/studies/{study['id']}/trials", headers=auth,
                          timeout=10).json()["trials"]
    feasible = [t for t in trials if t["feasible"]]
    assert all((t["constraints"]["model_mb"] <= 0.5) == t["feasible"] for t in trials)
    front = requests.get(f"{url}/v1/studies/{study['id']}/pareto", headers=auth,
                         timeout=10).json()

    def beats(a, b):  # accuracy up, latency down
        va, vb = a["values"], b["values"]
        return (va["accuracy"] >= vb["accuracy"] and va["latency_ms"] <= vb["latency_ms"]
                and va != vb)

    expected = {t["id"] for t in feasible if not any(beats(o, t) for o in feasible)}
    assert {t["id"] for t in front["trials"]} == expected
    assert lines[0].startswith(f"Pareto front: {len(expected)} of {len(feasible)} feasible")
    assert len([line for line in lines if line.startswith("trial ")]) == len(expected)
