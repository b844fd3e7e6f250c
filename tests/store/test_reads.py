"""What reads pick: a filter on effective states written for the index (sql.in_states)
picks exactly the trials effective_state() names, for every set of states; the history
samplers read holds only the columns they use."""

from __future__ import annotations

import itertools
import json

from sqlalchemy import insert, select

from optimizer_api.domain import Owner, TrialState
from optimizer_api.service import Service
from optimizer_api.store import Store, sql, tables

NOW = 1000.0


def test_in_states_picks_what_effective_state_names(db_url):
    store = Store(db_url)
    store.prepare()
    sid = Service(store).create_study(
        Owner("me"), {"name": "s", "space": {"x": {"type": "float", "low": 0, "high": 1}}}
    ).view.study.id
    rows = [("running", NOW + 5), ("running", NOW - 5), ("running", NOW), ("completed", None),
            ("pruned", None), ("failed", None), ("expired", NOW - 50)]
    with store.write() as conn:
        conn.execute(insert(tables.trials), [
            {"study_id": sid, "number": i, "state": s, "params": "{}", "external": False,
             "created_at": 0.0, "lease_expires_at": lease} for i, (s, lease) in enumerate(rows)])
    t = tables.trials
    names = [s.value for s in TrialState]
    with store.read() as conn:
        for k in range(len(names) + 1):
            for chosen in itertools.combinations(names, k):
                by_index = select(t.c.number).where(t.c.study_id == sid,
                                                    sql.in_states(chosen, NOW))
                by_row = select(t.c.number).where(t.c.study_id == sid,
                                                  sql.effective_state(NOW).in_(chosen))
                assert (sorted(conn.execute(by_index).scalars())
                        == sorted(conn.execute(by_row).scalars())), chosen
    store.dispose()


def test_the_history_samplers_read_is_only_the_columns_they_use(tmp_path):
    """sampler_history reads number, state, params and value (and the id): no curve, no
    info, no other column, in one statement on the trials table."""
    from sqlalchemy import event

    store = Store(f"sqlite:///{tmp_path}/h.db")
    store.prepare()
    sid = Service(store).create_study(
        Owner("me"), {"name": "h", "space": {"x": {"type": "float", "low": 0, "high": 1}}}
    ).view.study.id
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: seen.append(statement))
    with store.read() as conn:
        sql.sampler_history(conn, sid, NOW)
    [statement] = [s for s in seen if "FROM trials" in s]
    selected = statement.split("FROM")[0]
    for column in ("trials.id", "trials.number", "trials.state", "trials.params",
                   "trials.value"):
        assert column in selected
    for column in ("info", "reason", "worker_id", "grid_index", "created_at", "finished_at"):
        assert f"trials.{column}" not in selected
    assert not any("intermediate_values" in s for s in seen)
    store.dispose()


def test_best_completed_reads_the_best_completed_trials_in_either_direction(db_url):
    """What warm start reads of a parent: its best completed trials only, at most `limit`."""
    from optimizer_api.store import reads

    store = Store(db_url)
    store.prepare()
    sid = Service(store).create_study(
        Owner("me"), {"name": "p", "space": {"x": {"type": "float", "low": 0, "high": 1}}}
    ).view.study.id
    rows = [("completed", 0.5), ("completed", 0.1), ("failed", None), ("pruned", 0.0),
            ("completed", 0.9), ("completed", 0.3)]
    with store.write() as conn:
        conn.execute(insert(tables.trials), [
            {"study_id": sid, "number": i, "state": s, "params": json.dumps({"x": i}), "value": v,
             "external": False, "created_at": 0.0} for i, (s, v) in enumerate(rows)])
    with store.read() as conn:
        low = reads.best_completed(conn, sid, descending=False, limit=3)
        high = reads.best_completed(conn, sid, descending=True, limit=2)
    assert [t.value for t in low] == [0.1, 0.3, 0.5] and low[0].params == {"x": 1}
    assert [t.value for t in high] == [0.9, 0.5]
    assert {t.state for t in low + high} == {TrialState.COMPLETED}
    store.dispose()
