"""`study.optimize` against the live gunicorn service: threads, processes, failures, Ctrl-C."""

from __future__ import annotations

import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from optimizer_client import Client, OptimizerError, TrialPruned
from optimizer_client.progress import Progress

SPACE = {"x": {"type": "float", "low": -3.0, "high": 3.0}}
CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"


def quadratic(trial) -> float:
    """Reports two steps, then returns x^2; trial number 2 raises. Module level: picklable."""
    if trial.number == 2:
        raise ValueError("diverged")
    x = trial.params["x"]
    trial.report(0, x * x + 1.0)
    trial.report(1, x * x + 0.5)
    return x * x


def test_four_threads_run_exactly_n_trials_and_a_failure_does_not_stop_them(
    client: Client, name: str
) -> None:
    study = client.create_study(name, SPACE, seed=1)
    barrier = threading.Barrier(4, timeout=20)  # the first four trials must run at once

    def objective(trial) -> float:
        if trial.number < 4:
            barrier.wait()
        return quadratic(trial)

    finished = study.optimize(objective, n_trials=16, n_workers=4)
    assert len(finished) == 16 and len({t.id for t in finished}) == 16
    stored = study.trials()
    assert sorted(t.id for t in stored) == sorted(t.id for t in finished)
    states = {t.number: t.state for t in stored}
    assert states.pop(2) == "failed" and set(states.values()) == {"completed"}
    failed = study.trial(next(t.id for t in stored if t.number == 2))
    assert failed.data["reason"] == "ValueError: diverged"
    for trial in stored:
        if trial.state == "completed":
            x = trial.params["x"]
            assert trial.value == x * x
            assert [p["step"] for p in trial.data["intermediate_values"]] == [0, 1]
    assert study.best().value == min(t.value for t in stored if t.state == "completed")
    assert study.refresh().data["trial_counts"]["running"] == 0


def test_prune_self_ended_and_nan_trials(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, seed=2)

    def objective(trial):
        trial.report(0, 10.0 + trial.number)
        if trial.number == 6:
            return float("nan")
        if trial.number % 3 == 0:
            raise TrialPruned()
        if trial.number % 3 == 1:
            trial.complete(1.0)
            return None
        return 2.0

    finished = study.optimize(objective, n_trials=7, n_workers=2)
    by_number = {t.number: t for t in study.trials()}
    assert len(finished) == len(by_number) == 7
    nan = by_number.pop(6)
    assert nan.state == "failed" and study.trial(nan.id).data["reason"].endswith("nan")
    for number, trial in by_number.items():
        expected = [("pruned", 10.0 + number), ("completed", 1.0), ("completed", 2.0)]
        assert (trial.state, trial.value) == expected[number % 3]


def test_without_n_trials_it_runs_until_the_study_is_done(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, max_trials=5, seed=3)
    finished = study.optimize(lambda t: t.params["x"], n_workers=3)
    assert len(finished) == 5 and study.refresh().status == "completed"
    assert study.data["trial_counts"]["completed"] == 5


def test_processes_run_the_trials(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, seed=4)
    finished = study.optimize(quadratic, n_trials=6, n_workers=2, processes=True)
    assert len(finished) == 6
    states = sorted(t.state for t in study.trials())
    assert states == ["completed"] * 5 + ["failed"]
    assert 1 <= len({t.data["worker_id"] for t in study.trials()}) <= 2
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError)):
        study.optimize(lambda trial: 1.0, n_trials=1, processes=True)  # not picklable


def test_a_service_error_stops_the_run(client: Client, name: str) -> None:
    study = client.create_study(name, SPACE, seed=5)

    def objective(trial) -> float:
        if trial.number == 1:
            client.delete_study(study.id)
        return 1.0

    with pytest.raises(OptimizerError, match="404"):
        study.optimize(objective, n_trials=50, n_workers=2)


SCRIPT = """
import faulthandler, signal, sys, time
from optimizer_client import Client

faulthandler.register(signal.SIGUSR1)  # the test asks for every thread's stack if we hang
# Ctrl-C as a terminal gives it: a process started in the background by a shell without
# job control (CI's runner may be one) inherits SIGINT ignored, and Python then never
# raises KeyboardInterrupt (seen: the run went on, the main thread in follow()).
signal.signal(signal.SIGINT, signal.default_int_handler)

def slow(trial):
    time.sleep(60)
    return 1.0

if __name__ == "__main__":
    with Client(sys.argv[1]) as client:
        study = client.get_study(int(sys.argv[2]))
        try:
            study.optimize(slow, n_trials=10, n_workers=3, processes=sys.argv[3] == "p")
        except KeyboardInterrupt:
            print("interrupted", flush=True)
"""


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_ctrl_c_marks_the_running_trials_failed(
    client: Client, name: str, tmp_path: Path, mode: str
) -> None:
    study = client.create_study(name, SPACE, seed=6)
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(CLIENT_DIR)}
    args = [sys.executable, str(script), client.url, str(study.id), mode[0]]
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while len(study.trials(state="running")) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(study.trials(state="running")) == 3
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:  # say where it hangs: every thread's stack
            proc.send_signal(signal.SIGUSR1)
            time.sleep(1)
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"no exit 20 s after Ctrl-C; stdout {out!r}; stacks:\n{err}")
    finally:
        proc.kill()
        proc.communicate()  # closes the pipes: no ResourceWarning in a later test
    assert proc.returncode == 0 and out.strip() == "interrupted", err
    trials = study.trials()
    assert len(trials) == 3 and {t.state for t in trials} == {"failed"}
    assert all(study.trial(t.id).data["reason"].startswith("interrupted") for t in trials)


def test_progress_is_quiet_off_a_terminal_unless_asked() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    for stream, show in ((quiet, None), (loud, True)):
        progress = Progress(20, "maximize", show, stream=stream)
        for i in range(20):
            progress.add("completed" if i % 5 else "failed", float(i))
            progress.draw(running=1)
        progress.close()
    assert quiet.getvalue() == ""
    lines = loud.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("[" + "#" * 24 + "] 20/20")
    assert "completed 16" in lines[-1] and "failed 4" in lines[-1] and "best 19" in lines[-1]


def test_a_step_longer_than_the_lease_does_not_let_the_trial_expire(
    client: Client, name: str
) -> None:
    study = client.create_study(name, SPACE, seed=1, lease_seconds=1)
    seen = []

    def slow(trial) -> float:
        time.sleep(3)  # three leases without a report: the heartbeats keep it running
        seen.append(study.trial(trial.id).state)
        return trial.params["x"]

    [trial] = study.optimize(slow, n_trials=1)
    assert seen == ["running"] and trial.state == "completed"
