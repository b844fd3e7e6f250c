"""Several objectives and constraints: a trial's objective and constraint values.

Revision ID: 0005
Revises: 0004

`objective_values` (JSON array, the declared order; `value` keeps the first objective, so
every index and query on `value` works as before) and `constraint_values` (JSON array,
the constraints' order) are null for studies without several objectives or without
constraints, and for every trial stored before. `feasible` (null without constraints)
with `ix_trials_study_state_feasible_value` gives a constrained study's best feasible
trial as one walk down an index, like `ix_trials_study_state_value` does for the rest.

Adding nullable columns rewrites nothing on either store (SQLite appends them to the
schema; PostgreSQL 11+ records a null default in the catalog), and the trial_counts
triggers of 0004 fire on inserts, deletes and changes of `state` only: untouched.
Releases with migrations refuse a revision they do not know (migrate.check), so no
replica of an older release serves studies whose definitions it cannot read; releases
before migrations already refuse a schema version above 1, so it is left as it is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("trials", sa.Column("objective_values", sa.Text))
    op.add_column("trials", sa.Column("constraint_values", sa.Text))
    op.add_column("trials", sa.Column("feasible", sa.Boolean))
    op.create_index("ix_trials_study_state_feasible_value", "trials",
                    ["study_id", "state", "feasible", "value"])


def downgrade() -> None:
    op.drop_index("ix_trials_study_state_feasible_value", "trials")
    # ALTER TABLE ... DROP COLUMN on both stores (SQLite 3.35+): a batch copy of the
    # table would lose the trial_counts triggers on it.
    for column in ("feasible", "constraint_values", "objective_values"):
        op.execute(f"ALTER TABLE trials DROP COLUMN {column}")
