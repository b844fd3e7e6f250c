"""Migrations: a database of the release before them upgrades with its data; a new one
gets exactly the schema tables.py describes; replicas may migrate at once; a schema
behind or ahead of the release is refused with what to do. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, inspect, select, text

from optimizer_api.domain import DEFAULT_OWNER, Owner
from optimizer_api.errors import Conflict
from optimizer_api.service import Final, Key, Service, idempotency
from optimizer_api.store import Store, migrate, tables

from . import legacy_schema as old

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


def _old_database(url: str) -> None:
    """A database as the old release left it: a study with trials, a curve, a key."""
    old.create(url, without_index="ix_trials_study_finished")
    definition = {"name": "s", "direction": "minimize", "space": SPACE, "seed": 1,
                  "algorithm": {"name": "random", "options": {}}, "max_trials": 3,
                  "max_failed_trials": None, "lease_seconds": 600, "early_stopping": None,
                  "target_value": None, "no_improvement_trials": None,
                  "max_duration_seconds": None, "given": {"name": "s", "space": SPACE}}
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(old.studies).values(
            id=1, name="s", definition=json.dumps(definition), seed=1, next_number=2,
            grid_cursor=0, created_at=1.0))
        for number, state, value in ((0, "completed", 0.5), (1, "running", None)):
            conn.execute(insert(old.trials).values(
                id=number + 1, study_id=1, number=number, state=state, value=value,
                params=json.dumps({"x": 0.1 * (number + 1)}), external=False,
                created_at=2.0, finished_at=3.0 if value else None, lease_expires_at=9e9))
        conn.execute(insert(old.intermediate_values).values(trial_id=1, step=0, value=0.7))
        conn.execute(insert(old.idempotency_keys).values(
            scope="POST /v1/studies/1/observe", key="k1", fingerprint="f" * 64,
            status_code=200, response='{"replayed":true}', created_at=9e9))
    engine.dispose()


def _schema_drift(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    engine.dispose()
    return drift


@pytest.fixture
def store(db_url):
    made = Store(db_url)
    yield made
    made.dispose()


def test_a_new_database_gets_exactly_the_schema_tables_py_describes(store, db_url):
    assert migrate.upgrade(store) == (None, migrate.head())
    assert _schema_drift(db_url) == []
    assert migrate.upgrade(store) == (migrate.head(), migrate.head())  # nothing to do


def test_a_database_of_the_release_before_migrations_upgrades_with_its_data(store, db_url):
    _old_database(db_url)
    assert migrate.upgrade(store) == (None, migrate.head())
    assert _schema_drift(db_url) == []  # the missing index was added, the rest changed
    with store.read() as conn:
        assert conn.execute(text("SELECT version FROM optimizer_schema_version")).scalar() == 2
    svc = Service(store, clock=lambda: 10.0, answer=lambda r: (200, {}))
    default = Owner(DEFAULT_OWNER)
    [view], _ = svc.list_studies(default)
    assert view.study.owner == DEFAULT_OWNER and view.counts["completed"] == 1
    assert svc.trial(default, 1, 1).intermediate == {0: 0.7}
    assert svc.list_studies(Owner("alice")) == ([], 0)  # the old studies are the default owner's
    assert svc.observe(default, 1, Final(trial_id=2, value=0.2)).trial.value == 0.2
    replay = store.run_write(idempotency.claim, Key(DEFAULT_OWNER, "POST /v1/studies/1/observe",
                                                    "k1", "f" * 64), "holder", 10.0)
    assert replay.body == '{"replayed":true}'  # a key kept across the upgrade
    # names are unique per owner now
    assert svc.create_study(Owner("alice"), {"name": "s", "space": SPACE}).created
    with pytest.raises(Conflict):
        svc.create_study(default, {"name": "s", "space": {"y": SPACE["x"]}})
    svc.delete_study(default, 1)
    with store.read() as conn:
        assert conn.execute(select(tables.trials.c.id)).all() == []


def test_foreign_keys_still_hold_after_sqlite_rebuilt_the_studies_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    _old_database(url)
    store = Store(url)
    migrate.upgrade(store)
    with pytest.raises(Exception, match="FOREIGN KEY"), store.write() as conn:
        conn.execute(insert(tables.trials).values(
            study_id=99, number=0, state="running", params="{}", external=False,
            created_at=1.0))
    store.dispose()


def test_replicas_that_start_together_migrate_once(db_url):
    _old_database(db_url)
    stores = [Store(db_url) for _ in range(4)]
    results, errors = [], []

    def start(store: Store) -> None:
        try:
            results.append(migrate.upgrade(store))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    head = migrate.head()
    assert sorted(results, key=lambda r: r[0] or "") == [(None, head)] + [(head, head)] * 3
    for s in stores:
        s.dispose()


def test_a_schema_behind_is_refused_without_migrate_at_start(db_url):
    _old_database(db_url)
    store = Store(db_url, migrate_at_start=False)
    with pytest.raises(migrate.SchemaError, match="optimizer-api migrate"):
        store.prepare()
    migrate.upgrade(store)
    store.prepare()  # now current: fine
    store.dispose()


def test_a_schema_from_a_newer_release_is_refused(store):
    store.prepare()
    with store.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for fresh in (Store(store.url.render_as_string(False)),
                  Store(store.url.render_as_string(False), migrate_at_start=False)):
        with pytest.raises(migrate.SchemaError, match="newer release"):
            fresh.prepare()
        fresh.dispose()


def test_the_migrate_command_upgrades_an_old_file_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_database(url)
    argv = [sys.executable, "-m", "optimizer_api.cli", "migrate", "--database-url", url]
    first = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    assert f"migrated from nothing to revision {migrate.head()}" in first
    again = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    assert f"already at revision {migrate.head()}" in again
    engine = create_engine(url)
    assert "api_tokens" in inspect(engine).get_table_names()
    engine.dispose()


def test_0005_goes_down_and_up_again_keeping_the_counting_triggers(store, db_url):
    """0005 adds the objective and constraint columns in place: going down drops them
    without rebuilding `trials` (which would lose 0004's counting triggers)."""
    from alembic import command
    from alembic.config import Config

    migrate.upgrade(store)
    svc = Service(store, clock=lambda: 10.0)
    me = Owner("me")
    sid = svc.create_study(me, {"name": "mo", "space": SPACE, "objectives": [
        {"name": "a"}, {"name": "b", "direction": "maximize"}]}).view.study.id
    trial = svc.suggest(me, sid).trials[0]
    svc.observe(me, sid, Final(trial.id, values={"a": 0.1, "b": 0.9}))
    config = Config()
    config.set_main_option("script_location", str(migrate.SCRIPTS))
    with store.schema_write() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    with store.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("trials")}
    assert not {"objective_values", "constraint_values", "feasible"} & columns
    assert "value" in columns
    with store.write() as conn:  # a trial written by the release before 0005 is counted
        conn.execute(text("INSERT INTO trials (study_id, number, state, params, external, "
                          "created_at) VALUES (:s, 5, 'failed', '{}', false, 1.0)"), {"s": sid})
        counts = dict(conn.execute(text(
            "SELECT state, n FROM trial_counts WHERE study_id = :s"), {"s": sid}).all())
    assert counts["completed"] == 1 and counts["failed"] == 1
    assert migrate.upgrade(store) == ("0004", migrate.head())
    assert _schema_drift(db_url) == []
    assert svc.trial(me, sid, trial.id).values is None  # the values went with the columns
    assert svc.trial(me, sid, trial.id).value == 0.1  # `value` kept the first objective
