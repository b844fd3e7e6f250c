"""PATCH, metadata and user_attrs end to end: real gunicorn, the real client."""

from __future__ import annotations

import pytest
from optimizer_client import BadRequestError, Client, ConflictError

from ..contract import checked_session

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


@pytest.mark.e2e
def test_update_a_study_and_attach_user_attrs_through_the_client(live_server):
    with Client(live_server, timeout=30) as client:
        study = client.create_study("edit-e2e", SPACE, max_trials=1, description="v1",
                                    metadata={"owner": "ml-team"})
        assert study.description == "v1" and study.metadata == {"owner": "ml-team"}
        trial = study.suggest()
        trial.report(0, 0.9, user_attrs={"host": "gpu-3"})
        trial.complete(0.5, user_attrs={"checkpoint": "s3://b/1"})
        assert trial.user_attrs == {"host": "gpu-3", "checkpoint": "s3://b/1"}
        assert study.suggest() is None
        study.update(max_trials=2, name="edit-e2e-renamed", metadata={"owner": "x"})
        assert study.name == "edit-e2e-renamed" and study.metadata == {"owner": "x"}
        assert study.data["max_trials"] == 2 and study.suggest() is not None
        with pytest.raises(BadRequestError) as bad:
            study.update(space={"y": {"type": "int", "low": 0, "high": 1}})
        assert "space" in bad.value.problem["errors"]
        client.create_study("edit-e2e-other", SPACE)
        with pytest.raises(ConflictError):
            study.update(name="edit-e2e-other")
        assert client.get_study(study.id).name == "edit-e2e-renamed"
    s = checked_session()
    r = s.patch(f"{live_server}/v1/studies/{study.id}", json={"description": None})
    assert r.status_code == 200 and r.json()["description"] is None
    got = s.get(f"{live_server}/v1/studies/{study.id}/trials/{trial.id}").json()
    assert got["user_attrs"] == {"host": "gpu-3", "checkpoint": "s3://b/1"}
