"""Queued trials, editable studies, a change feed: new states, columns and triggers.

Revision ID: 0006
Revises: 0004

- Trials may be `queued` (params the user asked to try first, handed out by suggest
  before the sampler's own) or `cancelled` (a queued trial withdrawn before it ran). Every
  study gets their rows in `trial_counts`, and the trigger that makes a new study's rows
  makes them too.
- `studies.description` and `studies.user_metadata` (JSON), `trials.user_attrs` (JSON):
  free-form notes, never part of a study's definition.
- `trials.change_seq` orders the changes of a study's trials for the change feed
  (service/changes.py), set by triggers so that every writer sets it:
  on PostgreSQL, the id of the writing transaction (pg_current_xact_id()): a reader that
  only returns changes below the oldest transaction still in flight
  (pg_snapshot_xmin(pg_current_snapshot())) never passes a change that commits later;
  on SQLite, which has one writer at a time, a counter per study (`studies.change_seq`)
  bumped in the writer's transaction. An intermediate value stored marks its trial
  changed. Rows written before this migration have 0.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_STATES = ("running", "completed", "pruned", "failed", "expired")
STATES = (*OLD_STATES, "queued", "cancelled")


def _values(states) -> str:
    return ", ".join(f"(NEW.id, '{s}', 0)" for s in states)


_SQLITE_COUNTS = [
    "DROP TRIGGER studies_trial_counts",
    f"""CREATE TRIGGER studies_trial_counts AFTER INSERT ON studies BEGIN
        INSERT INTO trial_counts (study_id, state, n) VALUES {_values(STATES)};
    END""",
]

_SQLITE_CHANGES = [
    """CREATE TRIGGER trials_change_insert AFTER INSERT ON trials BEGIN
        UPDATE studies SET change_seq = change_seq + 1 WHERE id = NEW.study_id;
        UPDATE trials
        SET change_seq = coalesce((SELECT change_seq FROM studies WHERE id = NEW.study_id), 0)
        WHERE id = NEW.id;
    END""",
    # Not fired again by its own UPDATE: SQLite's recursive_triggers is off.
    """CREATE TRIGGER trials_change_update AFTER UPDATE ON trials BEGIN
        UPDATE studies SET change_seq = change_seq + 1 WHERE id = NEW.study_id;
        UPDATE trials
        SET change_seq = coalesce((SELECT change_seq FROM studies WHERE id = NEW.study_id), 0)
        WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER intermediate_change AFTER INSERT ON intermediate_values BEGIN
        UPDATE studies SET change_seq = change_seq + 1
        WHERE id = (SELECT study_id FROM trials WHERE id = NEW.trial_id);
        UPDATE trials SET change_seq = coalesce((SELECT s.change_seq FROM studies s
                                                 WHERE s.id = trials.study_id), 0)
        WHERE id = NEW.trial_id;
    END""",
]

_PG_COUNTS = [
    f"""CREATE OR REPLACE FUNCTION optimizer_study_counts() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO trial_counts (study_id, state, n)
        SELECT NEW.id, s, 0 FROM unnest(ARRAY[{", ".join(f"'{s}'" for s in STATES)}]) AS s;
        RETURN NULL;
    END $$""",
]

_PG_CHANGES = [
    """CREATE FUNCTION optimizer_trial_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.change_seq := pg_current_xact_id()::text::bigint;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER trials_change BEFORE INSERT OR UPDATE ON trials
        FOR EACH ROW EXECUTE FUNCTION optimizer_trial_changed()""",
    """CREATE FUNCTION optimizer_curve_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE trials SET change_seq = 0
        WHERE id = NEW.trial_id AND change_seq <> pg_current_xact_id()::text::bigint;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER intermediate_change AFTER INSERT ON intermediate_values
        FOR EACH ROW EXECUTE FUNCTION optimizer_curve_changed()""",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("studies") as batch:
        batch.add_column(sa.Column("description", sa.Text))
        batch.add_column(sa.Column("user_metadata", sa.Text))
        batch.add_column(sa.Column("change_seq", sa.BigInteger, nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("trials") as batch:
        batch.add_column(sa.Column("user_attrs", sa.Text))
        batch.add_column(sa.Column("change_seq", sa.BigInteger, nullable=False,
                                   server_default="0"))
    op.create_index("ix_trials_study_change", "trials", ["study_id", "change_seq"])
    for statement in (_SQLITE_COUNTS + _SQLITE_CHANGES) if sqlite else (_PG_COUNTS + _PG_CHANGES):
        op.execute(statement)
    states = " UNION ALL ".join(f"SELECT '{s}' AS state" for s in ("queued", "cancelled"))
    op.execute(f"""
        INSERT INTO trial_counts (study_id, state, n)
        SELECT s.id, st.state, 0 FROM studies s CROSS JOIN ({states}) st""")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("DELETE FROM trials WHERE state IN ('queued', 'cancelled')")
    op.execute("DELETE FROM trial_counts WHERE state IN ('queued', 'cancelled')")
    if sqlite:
        for name in ("trials_change_insert", "trials_change_update", "intermediate_change"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TRIGGER studies_trial_counts")
        op.execute(f"""CREATE TRIGGER studies_trial_counts AFTER INSERT ON studies BEGIN
            INSERT INTO trial_counts (study_id, state, n) VALUES {_values(OLD_STATES)};
        END""")
    else:
        op.execute("DROP TRIGGER trials_change ON trials")
        op.execute("DROP TRIGGER intermediate_change ON intermediate_values")
        op.execute("DROP FUNCTION optimizer_trial_changed()")
        op.execute("DROP FUNCTION optimizer_curve_changed()")
        op.execute(f"""CREATE OR REPLACE FUNCTION optimizer_study_counts() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO trial_counts (study_id, state, n)
            SELECT NEW.id, s, 0 FROM unnest(ARRAY[{", ".join(f"'{s}'" for s in OLD_STATES)}])
            AS s;
            RETURN NULL;
        END $$""")
    op.drop_index("ix_trials_study_change", "trials")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) and not a batch: a batch rebuilds the
    # table on SQLite, which drops the triggers of 0004 on it.
    for table, column in (("trials", "change_seq"), ("trials", "user_attrs"),
                          ("studies", "change_seq"), ("studies", "user_metadata"),
                          ("studies", "description")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
