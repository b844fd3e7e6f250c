"""Queued trials over HTTP in-process, on SQLite and PostgreSQL: enqueue, cancel (its
answer as openapi.yaml has it) and what a second cancel or a cancel of a handed-out trial
answers. The end-to-end version through gunicorn is tests/e2e/test_queue.py."""

from __future__ import annotations

import pytest

from optimizer_api import create_app

from .test_objectives import SPACE, TWO, checked, get, post


@pytest.fixture
def http(db_url):
    app = create_app({"DATABASE_URL": db_url})
    yield app.test_client()
    app.extensions["optimizer"].store.dispose()


def delete(http, path):
    return checked(http.delete(path), "DELETE", path)


@pytest.mark.parametrize("objectives", [None, TWO], ids=["one", "two"])
def test_cancel_answers_the_trial_and_a_second_cancel_is_a_conflict(http, objectives):
    spec = {"objectives": objectives} if objectives else {"direction": "minimize"}
    sid = post(http, "/v1/studies", {"name": "queue", "space": SPACE, **spec}).json["id"]
    r = post(http, f"/v1/studies/{sid}/trials",
             {"params": [{"x": 0.25}, {"x": 0.75}]})
    assert r.status_code == 201, r.json
    first, second = r.json["trials"]
    r = delete(http, f"/v1/studies/{sid}/trials/{first['id']}")
    assert r.status_code == 200, r.json
    assert r.json["trial"]["id"] == first["id"] and r.json["trial"]["state"] == "cancelled"
    again = delete(http, f"/v1/studies/{sid}/trials/{first['id']}")
    assert again.status_code == 409 and again.content_type == "application/problem+json"
    handed = post(http, f"/v1/studies/{sid}/suggest", {}).json["trials"][0]
    assert handed["id"] == second["id"]  # the one left in the queue goes out next
    running = delete(http, f"/v1/studies/{sid}/trials/{second['id']}")
    assert running.status_code == 409 and "running" in running.json["detail"]
    listed = get(http, f"/v1/studies/{sid}/trials?state=cancelled").json
    assert [t["id"] for t in listed["trials"]] == [first["id"]]
