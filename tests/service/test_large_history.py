"""A `bayesian` study of 3,000 trials suggests through the service with its history
loaded column-wise, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import event, insert, update

from optimizer_api.domain import Owner
from optimizer_api.service import Service
from optimizer_api.space import Space
from optimizer_api.store import Store, tables

ME = Owner("me")
SPACE = {
    "x": {"type": "float", "low": -1.0, "high": 1.0},
    "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
    "units": {"type": "int", "low": 8, "high": 256},
    "act": {"type": "categorical", "choices": ["relu", "tanh", "gelu"]},
}
N = 3000


def loss(p) -> float:
    return ((p["x"] - 0.3) ** 2 + (np.log10(p["lr"]) + 2) ** 2 / 4
            + ((p["units"] - 100) / 248) ** 2 + 0.3 * (p["act"] != "tanh"))


def seed_trials(store: Store, sid: int, now: float) -> list[float]:
    """N trials straight into the store: 90% completed, 5% failed, 5% running."""
    space = Space.from_dict(SPACE)
    rng = np.random.default_rng(0)
    states = rng.choice(["completed", "failed", "running"], size=N, p=[0.9, 0.05, 0.05])
    rows, values = [], []
    for i, p in enumerate(space.decode_many(rng.random((N, len(space))))):
        value = loss(p) if states[i] == "completed" else None
        values += [value] if value is not None else []
        rows.append({"study_id": sid, "number": i, "state": states[i], "params": json.dumps(p),
                     "value": value, "external": False, "created_at": now - N + i,
                     "lease_expires_at": now + 600 if states[i] == "running" else None})
    with store.write() as conn:
        conn.execute(insert(tables.trials), rows)
        conn.execute(update(tables.studies).where(tables.studies.c.id == sid)
                     .values(next_number=N))
    return values


def test_a_3000_trial_study_suggests_from_its_columns(db_url):
    store = Store(db_url)
    store.prepare()
    now = 1_000_000.0
    svc = Service(store, lambda: now)
    sid = svc.create_study(ME, {"name": "big", "space": SPACE, "algorithm": {"name": "bayesian"},
                                "seed": 3}).view.study.id
    values = seed_trials(store, sid, now)
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *a: seen.append(statement))
    out = svc.suggest(ME, sid, count=2).trials
    assert [t.number for t in out] == [N, N + 1]
    assert [t.info["source"] for t in out] == ["model", "model"]
    assert out[0].params != out[1].params
    assert all(loss(t.params) < np.quantile(values, 0.02) for t in out)
    history = [s for s in seen if "FROM trials" in s and "ORDER BY trials.number" in s]
    assert history and all("trials.info" not in s for s in history)
    if db_url.startswith("sqlite"):  # each parameter taken out of the JSON by SQLite
        assert any(s.count("json_extract") == len(SPACE) for s in history)
    with store.read() as conn:
        state = conn.execute(tables.studies.select().where(tables.studies.c.id == sid)).one()
    assert json.loads(state.sampler_state)["theta"]  # the fit is kept for the next call
    store.dispose()
