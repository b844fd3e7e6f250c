"""Chaos: Python clients (Idempotency-Keys, retries) run studies while gunicorn workers
are SIGKILLed, on SQLite and on PostgreSQL. Every acknowledged result is stored exactly
once, nothing is stored that no client acknowledged, and no client abandons a trial:
a key left in flight by a killed worker is taken over by the retry at once."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest

from optimizer_api.service import Tokens
from optimizer_api.store import Store

CLIENTS = 4
TRIALS = 15  # per client, each its own study: suggest, two reports, complete
STEPS = 2
SPACE = {"x": {"type": "float", "low": -2, "high": 2}, "k": {"type": "int", "low": 0, "high": 9}}
DEADLINE = 100.0  # seconds for the clients; a run on 2 busy cores took 25-45


def _workers(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return [int(pid) for pid in f.read().split()]
    except FileNotFoundError:
        return []


class Killer(threading.Thread):
    """SIGKILLs a random gunicorn worker each time the clients have had EVERY more
    results acknowledged, until told to stop.

    Killing by the clock starved the service on 2 busy cores, where a worker takes 1-4 s
    to boot (it imports numpy and scipy); killing by progress keeps the service alive
    between kills, and with every worker busy most kills land in the middle of requests.
    """

    EVERY = 3

    def __init__(self, master: int, acked: dict):
        super().__init__(daemon=True)
        self.master, self.acked, self.kills = master, acked, 0
        self.done = threading.Event()
        self.rng = random.Random(7)

    def run(self) -> None:
        last = 0
        while not self.done.wait(0.05):
            workers = _workers(self.master)
            if len(self.acked) < last + self.EVERY or not workers:
                continue
            last = len(self.acked)
            try:
                os.kill(self.rng.choice(workers), signal.SIGKILL)
                self.kills += 1
            except ProcessLookupError:
                pass


def _run_client(url: str, token: str, name: str, acked: dict, failures: list) -> None:
    from optimizer_client import Client

    try:
        with Client(url, token=token, timeout=10, retries=8, backoff=0.2) as client:
            study = client.create_study(name, SPACE, max_trials=TRIALS, seed=1)
            while (trial := study.suggest()) is not None:
                value = (trial.params["x"] - 0.5) ** 2 + trial.params["k"]
                for step in range(1, STEPS + 1):
                    trial.report(step, value + 1.0 / step)
                trial.complete(value)
                acked[trial.id] = value  # the service acknowledged it
    except Exception as exc:  # the client gave up: a trial abandoned
        failures.append(f"{name}: {exc!r}")


@pytest.mark.e2e
def test_killed_workers_lose_double_and_strand_nothing(db_url, gunicorn_factory, capsys):
    store = Store(db_url)
    token, _ = Tokens(store, time.time).create("chaos", "write")
    store.dispose()
    server = gunicorn_factory(db_url, workers=3, OPTIMIZER_AUTH="on")
    acked: dict[int, float] = {}
    failures: list[str] = []
    killer = Killer(server.process.pid, acked)
    clients = [threading.Thread(target=_run_client,
                                args=(server.url, token, f"chaos-{i}", acked, failures))
               for i in range(CLIENTS)]
    started = time.monotonic()
    killer.start()
    for c in clients:
        c.start()
    for c in clients:
        c.join(timeout=max(DEADLINE - (time.monotonic() - started), 1))
    killer.done.set()
    killer.join()
    elapsed = time.monotonic() - started
    assert not any(c.is_alive() for c in clients), f"clients still running:\n{server.log()[-3000:]}"

    stored = _stored(server.url, token)
    lost = set(acked) - set(stored)
    doubled = set(stored) - set(acked)  # stored (or left running) that nobody acknowledged
    taken_over = server.log().count("Idempotency-Key in flight was taken over")
    with capsys.disabled():
        print(f"\nchaos {db_url.split(':')[0]}: {len(acked)} trials acknowledged, "
              f"{len(stored)} stored, {killer.kills} workers killed in {elapsed:.0f} s, "
              f"{taken_over} keys taken over from killed workers; lost {len(lost)}, "
              f"doubled {len(doubled)}, abandoned {len(failures)}")
    assert not failures, failures
    assert killer.kills >= 10, "too few kills to mean anything"
    assert len(acked) == CLIENTS * TRIALS and not lost and not doubled
    for trial_id, (state, value, steps) in stored.items():
        assert state == "completed" and value == acked[trial_id], trial_id
        assert steps == list(range(1, STEPS + 1)), trial_id


def _stored(url: str, token: str) -> dict[int, tuple[str, float, list[int]]]:
    """Every trial of the chaos studies: id -> (state, value, steps reported)."""
    from optimizer_client import Client

    out = {}
    with Client(url, token=token, retries=5, backoff=0.2) as client:
        for study in client.list_studies():
            page = client.request("GET", f"/v1/studies/{study.id}/trials")
            for t in page["trials"]:
                steps = [p["step"] for p in t["intermediate_values"]]
                out[t["id"]] = (t["state"], t["value"], steps)
    return out
