"""Migration 0006 goes down to 0004 and up again on both stores, keeping 0004's triggers
(a table rebuild on SQLite would drop them) and the trials of the states 0004 knows."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from optimizer_api.domain import Owner
from optimizer_api.service import Final, Service
from optimizer_api.store import Store, migrate, tables

from .test_trial_counts import kept_and_counted

ME = Owner("me")


def _to(store: Store, revision: str) -> None:
    with store.schema_write() as conn:
        config = Config()
        config.set_main_option("script_location", str(migrate.SCRIPTS))
        config.attributes["connection"] = conn
        (command.upgrade if revision == "head" else command.downgrade)(config, revision)


def test_down_to_0004_and_up_again_keeps_trials_and_counts(db_url):
    store = Store(db_url)
    migrate.upgrade(store)
    svc = Service(store)
    sid = svc.create_study(ME, {"name": "s", "space": {
        "x": {"type": "float", "low": 0, "high": 1}}}).view.study.id
    svc.enqueue(ME, sid, [{"x": 0.1}, {"x": 0.2}, {"x": 0.3}])
    done, _ = svc.suggest(ME, sid, count=2).trials  # one stays queued
    svc.observe(ME, sid, Final(done.id, 0.5))
    _to(store, "0004")
    with store.read(ensure_schema=False) as conn:
        states = sorted(conn.execute(select(tables.trials.c.state)).scalars())
    assert states == ["completed", "running"]  # the queued one goes with its state
    _to(store, "head")
    kept, counted = kept_and_counted(store)
    assert kept == counted  # the triggers of 0004 are still there and counting
    svc.suggest(ME, sid)
    svc.enqueue(ME, sid, [{"x": 0.3}])
    kept, counted = kept_and_counted(store)
    assert kept == counted and counted[(sid, "queued")] == 1
    store.dispose()
