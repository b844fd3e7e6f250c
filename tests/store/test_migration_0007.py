"""Migration 0007 (intermediate values about any objective) on both stores: the values
stored before it are about the first objective and read as they did; going down keeps
them (dropping only those about other objectives) and the change-feed trigger on the
table, which SQLite's copy of the table must make again; up again gives the schema
tables.py describes."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from optimizer_api.domain import Owner
from optimizer_api.service import Final, Intermediate, Service
from optimizer_api.store import Store, migrate

from .test_migrations import _schema_drift

ME = Owner("me")
SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
TWO = [{"name": "loss"}, {"name": "acc", "direction": "maximize"}]


def _to(store: Store, revision: str) -> None:
    with store.schema_write() as conn:
        config = Config()
        config.set_main_option("script_location", str(migrate.SCRIPTS))
        config.attributes["connection"] = conn
        (command.upgrade if revision == "head" else command.downgrade)(config, revision)


def _rows(store: Store) -> list[tuple]:
    with store.read(ensure_schema=False) as conn:
        return sorted(tuple(r) for r in conn.execute(text(
            "SELECT trial_id, step, value FROM intermediate_values")))


def _feed_seq(store: Store, trial_id: int) -> int:
    with store.read(ensure_schema=False) as conn:
        return conn.execute(text("SELECT change_seq FROM trials WHERE id = :t"),
                            {"t": trial_id}).scalar_one()


def test_0007_keeps_older_curves_and_goes_down_and_up_again(db_url):
    store = Store(db_url)
    migrate.upgrade(store)
    svc = Service(store, clock=lambda: 10.0)
    single = svc.create_study(ME, {"name": "one", "space": SPACE}).view.study.id
    old = svc.suggest(ME, single).trials[0]
    _to(store, "0006")  # the release before: one curve per trial, no objective column
    with store.write() as conn:
        conn.execute(text("INSERT INTO intermediate_values (trial_id, step, value) "
                          "VALUES (:t, 0, 0.5), (:t, 1, 0.25)"), {"t": old.id})
    _to(store, "head")
    assert _schema_drift(db_url) == []
    assert svc.trial(ME, single, old.id).intermediate == {0: 0.5, 1: 0.25}
    assert svc.trial(ME, single, old.id).objective_curves == {}

    mo = svc.create_study(ME, {"name": "mo", "space": SPACE, "objectives": TWO,
                               "early_stopping": {"rule": "median", "objective": "acc"}}
                          ).view.study.id
    trial = svc.suggest(ME, mo).trials[0]
    svc.observe(ME, mo, Intermediate(trial.id, 0, 0.9))
    svc.observe(ME, mo, Intermediate(trial.id, 0, 0.3, "acc"))
    assert svc.trial(ME, mo, trial.id).objective_curves == {1: {0: 0.3}}

    _to(store, "0006")
    with store.read(ensure_schema=False) as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("intermediate_values")}
        key = inspect(conn).get_pk_constraint("intermediate_values")["constrained_columns"]
    assert "objective" not in columns and key == ["trial_id", "step"]
    assert _rows(store) == sorted([(old.id, 0, 0.5), (old.id, 1, 0.25), (trial.id, 0, 0.9)])
    before = _feed_seq(store, old.id)
    with store.write() as conn:  # 0006's trigger still marks the trial changed
        conn.execute(text("INSERT INTO intermediate_values (trial_id, step, value) "
                          "VALUES (:t, 2, 0.125)"), {"t": old.id})
    assert _feed_seq(store, old.id) != before

    _to(store, "head")
    assert _schema_drift(db_url) == []
    with store.read() as conn:
        key = inspect(conn).get_pk_constraint("intermediate_values")["constrained_columns"]
    assert key == ["trial_id", "objective", "step"]
    assert svc.trial(ME, single, old.id).intermediate == {0: 0.5, 1: 0.25, 2: 0.125}
    before = _feed_seq(store, trial.id)
    svc.observe(ME, mo, Intermediate(trial.id, 1, 0.35, "acc"))  # the trigger, made again
    assert _feed_seq(store, trial.id) != before
    svc.observe(ME, mo, Final(trial.id, values={"loss": 0.8, "acc": 0.35}))
    assert svc.trial(ME, mo, trial.id).objective_curves == {1: {1: 0.35}}
    store.dispose()
