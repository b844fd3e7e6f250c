"""Connections PostgreSQL drops under the service (a restart, a failover, an idle
timeout): no ping before each use, so the first use fails as a 503 to retry, and the
pool renews its connections."""

from __future__ import annotations

import uuid

import psycopg

from optimizer_api.domain import Owner
from optimizer_api.errors import StoreUnavailable
from optimizer_api.service import Service
from optimizer_api.store import Store

from ..conftest import _libpq, _pg_base_url

ME = Owner("me")


def test_connections_postgresql_dropped_cost_one_retry_then_the_pool_recovers(pg_url):
    app = f"drop-{uuid.uuid4().hex[:8]}"
    store = Store(f"{pg_url}&application_name={app}")
    store.prepare()
    svc = Service(store)
    space = {"x": {"type": "float", "low": 0, "high": 1}}
    sid = svc.create_study(ME, {"name": "d", "space": space}).view.study.id
    with psycopg.connect(_libpq(_pg_base_url()), autocommit=True) as conn:
        dropped = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                               " WHERE application_name = %s", (app,)).fetchone()[0]
    assert dropped >= 1
    try:  # the first use of a dropped connection is a 503 (Retry-After) to retry
        svc.suggest(ME, sid)
    except StoreUnavailable:
        pass
    assert len(svc.suggest(ME, sid).trials) == 1  # the next is served
    assert svc.get_study(ME, sid).counts["running"] >= 1
    store.dispose()


def test_a_write_waits_for_a_locked_study_at_most_the_busy_timeout_then_is_a_503(pg_url):
    """A suggest queued behind a study's lock longer than the busy timeout is a 503 to
    retry (as on SQLite), not a request held past a load balancer's read timeout; the
    study is untouched and the next suggest is served once the lock is gone."""
    store = Store(pg_url, busy_timeout_ms=300)
    store.prepare()
    svc = Service(store)
    space = {"x": {"type": "float", "low": 0, "high": 1}}
    sid = svc.create_study(ME, {"name": "locked", "space": space}).view.study.id
    with store.engine.connect() as holder, holder.begin():
        holder.exec_driver_sql(f"SELECT id FROM studies WHERE id = {sid} FOR UPDATE")
        try:
            svc.suggest(ME, sid)
        except StoreUnavailable as exc:
            assert exc.retry_after  # the answer tells when to come back
        else:
            raise AssertionError("a suggest behind a held study lock was served")
    assert svc.get_study(ME, sid).counts["running"] == 0
    assert len(svc.suggest(ME, sid).trials) == 1
    store.dispose()
