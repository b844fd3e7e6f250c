"""An Idempotency-Key left in flight by a dead holder is taken over at once on its node,
after IN_FLIGHT_STALE_AFTER seconds otherwise; a superseded holder stores nothing.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from optimizer_api.domain import Owner
from optimizer_api.errors import KeyInFlight
from optimizer_api.service import Key, Service, holders, idempotency
from optimizer_api.store import Store

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
ME = Owner("me")


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def svc(db_url):
    store = Store(db_url)
    store.prepare()
    yield Service(store, Clock(), answer=lambda r: (200, {"n": len(r.trials)}))
    store.dispose()


def key(svc) -> Key:
    sid = svc.create_study(ME, {"name": "k", "space": SPACE}).view.study.id
    return Key("me", f"POST /v1/studies/{sid}/suggest", "the-key", "f" * 64)


def claim(svc, k: Key, holder: str | None = None):
    return svc.store.run_write(idempotency.claim, k, holder or holders.new_claim(),
                               svc.clock())


def holder_of(pid: int, start: int | None = None) -> str:
    """A holder string for process `pid` of this node, as that process would make it."""
    found = holders._stat(pid)
    return f"{holders._node()} {pid} {found[1] if start is None else start} 0badcafe"


def test_a_live_holder_keeps_its_key_until_the_bound(svc):
    k = key(svc)
    assert claim(svc, k) is None  # held by this very process, which runs
    with pytest.raises(KeyInFlight):
        claim(svc, k)
    svc.clock.now += idempotency.IN_FLIGHT_STALE_AFTER + 1
    assert claim(svc, k) is None  # taken over


def test_a_dead_holder_on_this_node_loses_its_key_at_once(svc):
    k = key(svc)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = holder_of(child.pid)
    assert claim(svc, k, dead) is None
    with pytest.raises(KeyInFlight):  # alive
        claim(svc, k)
    child.kill()
    child.wait()
    assert holders.is_gone(dead)
    assert claim(svc, k) is None  # no waiting for the bound


def test_a_reused_pid_is_not_taken_for_the_holder(svc):
    import os

    k = key(svc)
    assert claim(svc, k, holder_of(os.getpid(), start=1)) is None  # same pid, other start
    assert claim(svc, k) is None


def test_a_holder_on_another_node_keeps_its_key_until_the_bound(svc):
    k = key(svc)
    assert claim(svc, k, "another-node/4026531836 1 12345 0badcafe") is None
    with pytest.raises(KeyInFlight):
        claim(svc, k)
    svc.clock.now += idempotency.IN_FLIGHT_STALE_AFTER + 1
    assert claim(svc, k) is None


def test_a_superseded_holder_stores_nothing(svc):
    k = key(svc)
    sid = int(k.scope.split("/")[3])
    first = holders.new_claim()
    assert claim(svc, k, first) is None
    svc.clock.now += idempotency.IN_FLIGHT_STALE_AFTER + 1
    second = holders.new_claim()
    assert claim(svc, k, second) is None  # a retry took it over; the first still runs
    _, *space_pre = svc._precompute(ME, sid, 1, None)
    with pytest.raises(KeyInFlight):  # the first finishes: its answer and change roll back
        svc.store.run_write(idempotency._answered, k, first, svc.clock, svc.answer,
                            svc._suggest, ME, sid, 1, None, *space_pre)
    assert svc.get_study(ME, sid).counts["running"] == 0
    done = svc.store.run_write(idempotency._answered, k, second, svc.clock, svc.answer,
                               svc._suggest, ME, sid, 1, None, *space_pre)
    assert len(done.trials) == 1
    assert claim(svc, k).body == '{"n":1}'  # the answer kept is the second's
