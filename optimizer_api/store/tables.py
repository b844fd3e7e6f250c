"""The schema, in SQLAlchemy Core: what the queries use. It changes only together with a
migration in migrations/versions/ that brings a database to it (a test compares them)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# SQLite only auto-increments INTEGER PRIMARY KEY columns.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

# Releases before migrations read this number and refuse to run on a schema above 1:
# every migration that old code cannot live with raises it (migrations/versions/).
schema_version = Table(
    "optimizer_schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

studies = Table(
    "studies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner", String(100), nullable=False),  # the owner of the token that made it
    Column("name", String(200), nullable=False),
    Column("definition", Text, nullable=False),  # canonical JSON of what the user asked
    Column("seed", BigInteger, nullable=False),  # the user's seed, or one drawn at creation
    Column("next_number", Integer, nullable=False, default=0),
    Column("grid_cursor", BigInteger, nullable=False, default=0),
    Column("sampler_state", Text),  # JSON a sampler keeps between calls (warm start)
    Column("created_at", Double, nullable=False),
    Column("description", Text),  # free-form, set at creation or by PATCH
    Column("user_metadata", Text),  # JSON object, the user's own
    # SQLite only: the study's change counter, which its trials' change_seq takes (0006).
    Column("change_seq", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("owner", "name", name="uq_studies_owner_name"),
)

trials = Table(
    "trials",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("study_id", Id, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("params", Text, nullable=False),
    Column("value", Double),
    Column("reason", Text),
    Column("worker_id", String(255)),
    Column("external", Boolean, nullable=False, default=False),
    Column("info", Text),
    Column("grid_index", BigInteger),
    Column("created_at", Double, nullable=False),
    Column("finished_at", Double),
    Column("lease_expires_at", Double),
    # Studies of several objectives: every objective's final value, a JSON array in the
    # declared order (`value` keeps the first). Studies with constraints: the reported
    # values, a JSON array in the constraints' order, and whether every one holds.
    Column("objective_values", Text),
    Column("constraint_values", Text),
    Column("feasible", Boolean),
    Column("user_attrs", Text),  # JSON object, set at observe or enqueue
    # Where the trial's last change sits in the study's change feed, set by triggers
    # (migrations/versions/0006_queue_and_metadata.py, service/changes.py).
    Column("change_seq", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("study_id", "number", name="uq_trials_study_number"),
    Index("ix_trials_study_state_value", "study_id", "state", "value"),  # counts and best
    Index("ix_trials_study_grid", "study_id", "grid_index"),
    Index("ix_trials_study_worker", "study_id", "worker_id"),
    Index("ix_trials_study_finished", "study_id", "finished_at"),  # last activity
    Index("ix_trials_study_state_lease", "study_id", "state", "lease_expires_at"),  # lapsed
    # The best feasible trial of a study with constraints, from the index alone.
    Index("ix_trials_study_state_feasible_value", "study_id", "state", "feasible", "value"),
    Index("ix_trials_study_change", "study_id", "change_seq"),  # the change feed
)

# A study's trials per stored state, kept exact by triggers on `trials` and `studies`
# (migrations/versions/0004_trial_counts.py): counting is a read of five rows, whatever
# the size of the study. A study has a row for every state from its creation.
trial_counts = Table(
    "trial_counts",
    metadata,
    Column("study_id", Id, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

intermediate_values = Table(
    "intermediate_values",
    metadata,
    Column("trial_id", Id, ForeignKey("trials.id", ondelete="CASCADE"), nullable=False),
    Column("step", Integer, nullable=False, autoincrement=False),
    Column("value", Double, nullable=False),
    # Which objective the value is about: its index in the study's declared order (0: the
    # first, and the one objective of a single-objective study). Migration 0007.
    Column("objective", SmallInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("trial_id", "objective", "step"),
    # Covers what early-stopping rules read (store/cohorts.py): a trial's values about one
    # objective up to or from a step, from the index alone.
    Index("ix_intermediate_values_covering", "trial_id", "objective", "step", "value"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(100), primary_key=True),  # a key never answers another owner
    Column("scope", String(300), primary_key=True),  # method and path
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer),  # null while in flight
    Column("response", Text),
    Column("created_at", Double, nullable=False),
    # Who runs the request while it is in flight: "NODE PID START NONCE" (keys.Holder).
    Column("holder", String(255)),
    Index("ix_idempotency_created", "created_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner", String(100), nullable=False),
    Column("role", String(16), nullable=False),  # read, write or admin
    Column("token_hash", String(64), nullable=False),  # SHA-256, hex
    Column("hint", String(16), nullable=False),  # the token's first characters, for lists
    Column("created_at", Double, nullable=False),
    Column("revoked_at", Double),
    UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
)
