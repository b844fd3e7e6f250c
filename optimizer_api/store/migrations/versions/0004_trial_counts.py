"""Trials per study and stored state, kept by the database; an index for lapsed leases.

Revision ID: 0004
Revises: 0003

A study's counts (its summary, the list of studies, the running-trials quota, max_trials)
were a GROUP BY over its trials: an index-only scan, but one that grows with the study
(22 ms at 100,000 trials on SQLite, benchmarks/results/scale.md). B-tree indexes cannot
count a range in less than its length, so the counts are kept in `trial_counts`, one row
per study and state, by triggers on `trials`: whatever writes trials (the service, a bulk
load, a test that inserts rows) keeps them exact, in the writer's own transaction. The
rows of a study are made with it (a trigger on `studies`); the trials' triggers only
update them. On PostgreSQL, inserts and deletes are counted once per statement from its
transition table (a bulk insert updates each count once: updating one row many times in
a transaction walks an ever longer chain of its versions), state changes once per row.
A bulk load should therefore insert many rows per statement: 100,000 single-row INSERTs
in one transaction took 175 s; in 1000-row INSERTs 50,000 took 14 s (seed_study.py).

`ix_trials_study_state_lease` finds a study's running trials whose lease lapsed (which
count as expired without any write) from the index alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATES = ("running", "completed", "pruned", "failed", "expired")

_SQLITE = [
    f"""CREATE TRIGGER studies_trial_counts AFTER INSERT ON studies BEGIN
        INSERT INTO trial_counts (study_id, state, n)
        VALUES {", ".join(f"(NEW.id, '{s}', 0)" for s in STATES)};
    END""",
    """CREATE TRIGGER trials_count_insert AFTER INSERT ON trials BEGIN
        UPDATE trial_counts SET n = n + 1 WHERE study_id = NEW.study_id AND state = NEW.state;
    END""",
    """CREATE TRIGGER trials_count_update AFTER UPDATE OF state ON trials
        WHEN OLD.state IS NOT NEW.state BEGIN
        UPDATE trial_counts SET n = n - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
        UPDATE trial_counts SET n = n + 1 WHERE study_id = NEW.study_id AND state = NEW.state;
    END""",
    """CREATE TRIGGER trials_count_delete AFTER DELETE ON trials BEGIN
        UPDATE trial_counts SET n = n - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
    END""",
]

_POSTGRES = [
    f"""CREATE FUNCTION optimizer_study_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO trial_counts (study_id, state, n)
        SELECT NEW.id, s, 0 FROM unnest(ARRAY[{", ".join(f"'{s}'" for s in STATES)}]) AS s;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER studies_trial_counts AFTER INSERT ON studies
        FOR EACH ROW EXECUTE FUNCTION optimizer_study_counts()""",
    """CREATE FUNCTION optimizer_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE trial_counts c SET n = c.n + d.n
            FROM (SELECT study_id, state, count(*) AS n FROM changed GROUP BY 1, 2) d
            WHERE c.study_id = d.study_id AND c.state = d.state;
        ELSE
            UPDATE trial_counts c SET n = c.n - d.n
            FROM (SELECT study_id, state, count(*) AS n FROM changed GROUP BY 1, 2) d
            WHERE c.study_id = d.study_id AND c.state = d.state;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trials_count_insert AFTER INSERT ON trials
        REFERENCING NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION optimizer_count_rows()""",
    """CREATE TRIGGER trials_count_delete AFTER DELETE ON trials
        REFERENCING OLD TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION optimizer_count_rows()""",
    """CREATE FUNCTION optimizer_count_state() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE trial_counts SET n = n - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
        UPDATE trial_counts SET n = n + 1 WHERE study_id = NEW.study_id AND state = NEW.state;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trials_count_update AFTER UPDATE OF state ON trials
        FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
        EXECUTE FUNCTION optimizer_count_state()""",
]


def upgrade() -> None:
    op.create_table(
        "trial_counts",
        sa.Column("study_id", Id, sa.ForeignKey("studies.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("state", sa.String(16), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    # The triggers first: on PostgreSQL creating them locks `trials` against writes to the
    # commit, so no trial is written between the count below and the first trigger.
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)
    states = " UNION ALL ".join(f"SELECT '{s}' AS state" for s in STATES)
    op.execute(f"""
        INSERT INTO trial_counts (study_id, state, n)
        SELECT s.id, st.state,
               (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = st.state)
        FROM studies s CROSS JOIN ({states}) st""")
    op.create_index("ix_trials_study_state_lease", "trials",
                    ["study_id", "state", "lease_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_trials_study_state_lease", "trials")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("studies_trial_counts", "trials_count_insert", "trials_count_update",
                     "trials_count_delete"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name, table in (("studies_trial_counts", "studies"),
                            ("trials_count_insert", "trials"), ("trials_count_update", "trials"),
                            ("trials_count_delete", "trials")):
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in ("optimizer_study_counts", "optimizer_count_rows",
                         "optimizer_count_state"):
            op.execute(f"DROP FUNCTION {function}()")
    op.drop_table("trial_counts")
