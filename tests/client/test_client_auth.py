"""The client speaks tokens: `Client(token=...)` or OPTIMIZER_TOKEN, typed errors for
401, 403 and 429, and a pickled client (for worker processes) keeps its token."""

from __future__ import annotations

import pickle

import pytest
from optimizer_client import (
    AuthenticationError,
    Client,
    PermissionDeniedError,
    QuotaExceededError,
)
from optimizer_client.exceptions import error_from_response

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
pytestmark = pytest.mark.e2e


def test_a_token_given_or_from_the_environment(secured_server, monkeypatch):
    with Client(secured_server.url, token=secured_server.tokens["write"]) as client:
        study = client.create_study("client-auth", SPACE)
        assert study.suggest() is not None
        assert secured_server.tokens["write"] not in repr(client)
        copy = pickle.loads(pickle.dumps(client))
        assert copy.get_study(study.id).name == "client-auth"
    monkeypatch.setenv("OPTIMIZER_TOKEN", secured_server.tokens["read"])
    with Client(secured_server.url) as reader:
        assert reader.get_study(study.id).name == "client-auth"
        with pytest.raises(PermissionDeniedError) as caught:
            reader.create_study("nope", SPACE)
        assert caught.value.status == 403


def test_no_token_or_a_wrong_one_is_an_authentication_error(secured_server, monkeypatch):
    monkeypatch.delenv("OPTIMIZER_TOKEN", raising=False)
    for token in (None, "opt_wrong"):
        with Client(secured_server.url, token=token, retries=0) as client:
            with pytest.raises(AuthenticationError) as caught:
                client.list_studies()
            assert caught.value.status == 401


def test_a_429_is_a_quota_error():
    import requests

    response = requests.Response()
    response.status_code = 429
    response._content = b'{"title": "Quota exceeded", "detail": "d", "quota": "q", "limit": 1}'
    error = error_from_response(response)
    assert isinstance(error, QuotaExceededError) and error.problem["quota"] == "q"
