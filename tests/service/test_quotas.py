"""Quotas per owner: count per suggest (422), running trials per study and studies per
owner (429), each named; through the service and through the API."""

from __future__ import annotations

import pytest

from optimizer_api import create_app
from optimizer_api.domain import Owner
from optimizer_api.errors import InvalidRequest, QuotaExceeded
from optimizer_api.service import Quotas, Service
from optimizer_api.store import Store

from ..conftest import sqlite_url

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
ME = Owner("me")


@pytest.fixture
def svc(tmp_path):
    store = Store(sqlite_url(tmp_path / "q.db"))
    yield Service(store, quotas=Quotas(max_running_trials_per_study=5, max_suggest_count=3,
                                       max_studies_per_owner=2))
    store.dispose()


def test_count_over_its_quota_is_a_422_naming_count(svc):
    sid = svc.create_study(ME, {"name": "a", "space": SPACE}).view.study.id
    with pytest.raises(InvalidRequest) as caught:
        svc.suggest(ME, sid, count=4)
    assert "count" in caught.value.errors


def test_running_trials_fill_the_room_left_then_429(svc):
    sid = svc.create_study(ME, {"name": "a", "space": SPACE}).view.study.id
    assert len(svc.suggest(ME, sid, count=3).trials) == 3
    assert len(svc.suggest(ME, sid, count=3, worker_id="w").trials) == 2  # room for 2
    with pytest.raises(QuotaExceeded) as caught:
        svc.suggest(ME, sid, count=1)
    assert caught.value.quota == "max_running_trials_per_study" and caught.value.limit == 5
    # a worker still gets its own running trials back
    assert len(svc.suggest(ME, sid, count=3, worker_id="w").trials) == 2


def test_studies_per_owner(svc):
    for name in ("a", "b"):
        svc.create_study(ME, {"name": name, "space": SPACE})
    assert not svc.create_study(ME, {"name": "a", "space": SPACE}).created  # loading is fine
    with pytest.raises(QuotaExceeded, match="max_studies_per_owner"):
        svc.create_study(ME, {"name": "c", "space": SPACE})
    assert svc.create_study(Owner("other"), {"name": "c", "space": SPACE}).created


def test_over_a_quota_the_api_answers_a_named_problem(tmp_path):
    app = create_app({"DATABASE_URL": sqlite_url(tmp_path / "api.db"),
                      "MAX_RUNNING_TRIALS_PER_STUDY": 1, "MAX_SUGGEST_COUNT": 2})
    http = app.test_client()
    sid = http.post("/v1/studies", json={"name": "q", "space": SPACE}).json["id"]
    too_many = http.post(f"/v1/studies/{sid}/suggest", json={"count": 3})
    assert too_many.status_code == 422 and "count" in too_many.json["errors"]
    assert http.post(f"/v1/studies/{sid}/suggest", json={}).status_code == 200
    full = http.post(f"/v1/studies/{sid}/suggest", json={})
    assert full.status_code == 429 and full.content_type == "application/problem+json"
    assert full.json["quota"] == "max_running_trials_per_study" and full.json["limit"] == 1
