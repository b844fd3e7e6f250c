"""Owners and tokens: studies and Idempotency-Keys belong to an owner; API tokens.

Revision ID: 0002
Revises: 0001

Study names become unique per owner, and keys are scoped to their owner. What existed
belongs to the owner `default` (the owner of requests made without a token). A key in
flight records its holder, so a retry can tell when the holder died.

PostgreSQL changes the tables in place. SQLite cannot drop a constraint, so the two tables
are rebuilt (create, copy, drop, rename) with foreign keys off, which store/migrate.py
arranges, and checked before the commit: dropping `studies` with them on would cascade
into every trial.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DEFAULT_OWNER = "default"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite()
    else:
        _alter_on_postgresql()
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("revoked_at", sa.Double),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    # Releases from before Alembic read this number and refuse a schema newer than 1.
    op.execute("UPDATE optimizer_schema_version SET version = 2")


def _alter_on_postgresql() -> None:
    owner = sa.Column("owner", sa.String(100), nullable=False, server_default=DEFAULT_OWNER)
    op.add_column("studies", owner)
    op.alter_column("studies", "owner", server_default=None)
    op.drop_constraint("studies_name_key", "studies", type_="unique")
    op.create_unique_constraint("uq_studies_owner_name", "studies", ["owner", "name"])
    owner = sa.Column("owner", sa.String(100), nullable=False, server_default=DEFAULT_OWNER)
    op.add_column("idempotency_keys", owner)
    op.alter_column("idempotency_keys", "owner", server_default=None)
    op.add_column("idempotency_keys", sa.Column("holder", sa.String(255)))
    op.drop_constraint("idempotency_keys_pkey", "idempotency_keys", type_="primary")
    op.create_primary_key("idempotency_keys_pkey", "idempotency_keys",
                          ["owner", "scope", "key"])


def _rebuild_on_sqlite() -> None:
    _rebuild(
        "studies",
        [sa.Column("id", Id, primary_key=True, autoincrement=True),
         sa.Column("owner", sa.String(100), nullable=False),
         sa.Column("name", sa.String(200), nullable=False),
         sa.Column("definition", sa.Text, nullable=False),
         sa.Column("seed", sa.BigInteger, nullable=False),
         sa.Column("next_number", sa.Integer, nullable=False),
         sa.Column("grid_cursor", sa.BigInteger, nullable=False),
         sa.Column("sampler_state", sa.Text),
         sa.Column("created_at", sa.Double, nullable=False),
         sa.UniqueConstraint("owner", "name", name="uq_studies_owner_name")],
        "id, name, definition, seed, next_number, grid_cursor, sampler_state, created_at",
    )
    _rebuild(
        "idempotency_keys",
        [sa.Column("owner", sa.String(100), primary_key=True),
         sa.Column("scope", sa.String(300), primary_key=True),
         sa.Column("key", sa.String(255), primary_key=True),
         sa.Column("fingerprint", sa.String(64), nullable=False),
         sa.Column("status_code", sa.Integer),
         sa.Column("response", sa.Text),
         sa.Column("created_at", sa.Double, nullable=False),
         sa.Column("holder", sa.String(255))],
        "scope, key, fingerprint, status_code, response, created_at",
    )
    op.create_index("ix_idempotency_created", "idempotency_keys", ["created_at"])


def _rebuild(name: str, columns: list, kept: str) -> None:
    """Make table `name` anew with `columns`: the `kept` ones copied, the owner `default`."""
    op.create_table(f"{name}_new", *columns)
    op.execute(f"INSERT INTO {name}_new (owner, {kept}) "
               f"SELECT '{DEFAULT_OWNER}', {kept} FROM {name}")
    op.drop_table(name)
    op.rename_table(f"{name}_new", name)
