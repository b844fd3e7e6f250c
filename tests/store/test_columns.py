"""The history loaded column-wise (store/columns.py) holds what sampler_history holds,
on each store: the same trials, states (lapsed leases expired), values and params,
booleans, strings, integers and floats kept apart."""

from __future__ import annotations

import json

from sqlalchemy import insert

from optimizer_api.domain import Owner
from optimizer_api.service import Service
from optimizer_api.store import Store, columns, sql, tables

NOW = 1000.0
SPACE = {
    "lr": {"type": "float", "low": 1e-5, "high": 1.0, "log": True},
    "n": {"type": "int", "low": 1, "high": 9},
    "flag": {"type": "categorical", "choices": [True, False, 1, "true"]},
    "act": {"type": "categorical", "choices": ["relu", "tanh"]},
}


def test_columns_hold_what_the_trials_hold(db_url):
    store = Store(db_url)
    store.prepare()
    sid = Service(store).create_study(Owner("me"), {"name": "c", "space": SPACE}).view.study.id
    flags = [True, False, 1, "true"]
    rows = []
    for i in range(12):
        params = {"lr": 10.0 ** -(i % 5), "n": i % 9 + 1, "flag": flags[i % 4],
                  "act": ["relu", "tanh"][i % 2]}
        if i == 11:
            del params["act"]  # a trial without it (None in its column)
        state = ["completed", "running", "pruned", "failed"][i % 4]
        rows.append({"study_id": sid, "number": 11 - i, "state": state,
                     "params": json.dumps(params), "external": False, "created_at": 0.0,
                     "value": float(i) if state in ("completed", "pruned") else None,
                     "lease_expires_at": NOW + (5 if i % 8 == 1 else -5)})
    with store.write() as conn:
        conn.execute(insert(tables.trials), rows)
    names = list(SPACE)
    with store.read() as conn:
        cols = columns.sampler_columns(conn, sid, NOW, names)
        trials = sql.sampler_history(conn, sid, NOW)
    assert list(cols) == trials and len(cols) == 12
    assert list(cols.numbers) == list(range(12))
    assert [type(v) for v in cols.params["flag"][::-1][:4]] == [bool, bool, int, str]
    assert {"expired", "running"} <= set(cols.states)
    with store.read() as conn:
        empty = columns.sampler_columns(conn, sid + 1, NOW, names)
    assert len(empty) == 0 and list(empty.params) == names
    store.dispose()


def test_names_a_json_path_cannot_hold_are_not_extracted():
    assert columns.extractable(["lr", "layer.1", "a b", "ünï"])
    assert not columns.extractable(['a"b'])
    assert not columns.extractable(["a\\b"])
