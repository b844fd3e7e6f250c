"""The schema as it was before migrations: studies, trials, curves, Idempotency-Keys.

Revision ID: 0001
Revises: none

Databases made before Alembic (by `create_all` at start) have these tables already, and
some lack indexes added later: so every table and index is created only if absent, and
such a database is adopted by running this revision on it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen here: tables.py describes the newest schema, this revision the first one.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
metadata = sa.MetaData()

sa.Table(
    "optimizer_schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)
sa.Table(
    "studies", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("next_number", sa.Integer, nullable=False),
    sa.Column("grid_cursor", sa.BigInteger, nullable=False),
    sa.Column("sampler_state", sa.Text),
    sa.Column("created_at", sa.Double, nullable=False),
)
sa.Table(
    "trials", metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("study_id", Id, sa.ForeignKey("studies.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("params", sa.Text, nullable=False),
    sa.Column("value", sa.Double),
    sa.Column("reason", sa.Text),
    sa.Column("worker_id", sa.String(255)),
    sa.Column("external", sa.Boolean, nullable=False),
    sa.Column("info", sa.Text),
    sa.Column("grid_index", sa.BigInteger),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("finished_at", sa.Double),
    sa.Column("lease_expires_at", sa.Double),
    sa.UniqueConstraint("study_id", "number", name="uq_trials_study_number"),
    sa.Index("ix_trials_study_state_value", "study_id", "state", "value"),
    sa.Index("ix_trials_study_grid", "study_id", "grid_index"),
    sa.Index("ix_trials_study_worker", "study_id", "worker_id"),
    sa.Index("ix_trials_study_finished", "study_id", "finished_at"),
)
sa.Table(
    "intermediate_values", metadata,
    sa.Column("trial_id", Id, sa.ForeignKey("trials.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.Double, nullable=False),
)
sa.Table(
    "idempotency_keys", metadata,
    sa.Column("scope", sa.String(300), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("response", sa.Text),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Index("ix_idempotency_created", "created_at"),
)


def upgrade() -> None:
    conn = op.get_bind()
    metadata.create_all(conn, checkfirst=True)
    for table in metadata.sorted_tables:  # indexes added after a table was first made
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    version = metadata.tables["optimizer_schema_version"]
    if conn.execute(sa.select(version.c.version)).first() is None:
        conn.execute(sa.insert(version).values(version=1))
