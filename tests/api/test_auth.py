"""Tokens, owners and roles at the API's edge: each role against each route (a table),
owners isolated (404), revoked tokens refused, Idempotency-Keys scoped to owners, and
the open mode (no token configured) with OPTIMIZER_AUTH=auto, on and off."""

from __future__ import annotations

import itertools

import pytest

from optimizer_api import create_app

from ..conftest import sqlite_url

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}
# Who asks: a token's (owner, role), "bad" for a token that is no token, None for none.
CALLERS = {
    "none": None,
    "bad": "bad",
    "alice-read": ("alice", "read"),
    "alice-write": ("alice", "write"),
    "root-admin": ("root", "admin"),
    "bob-read": ("bob", "read"),
    "bob-write": ("bob", "write"),
}
# Every /v1 route, on a study of alice's with a running trial: (method, path, body).
ROUTES = {
    "create": ("POST", "/v1/studies", {"name": "new", "space": SPACE}),
    "list": ("GET", "/v1/studies", None),
    "get": ("GET", "/v1/studies/{sid}", None),
    "delete": ("DELETE", "/v1/studies/{sid}", None),
    "suggest": ("POST", "/v1/studies/{sid}/suggest", {"count": 1}),
    "observe": ("POST", "/v1/studies/{sid}/observe", {"trial_id": "{tid}", "value": 1.0}),
    "heartbeat": ("POST", "/v1/studies/{sid}/trials/{tid}/heartbeat", {}),
    "trials": ("GET", "/v1/studies/{sid}/trials", None),
    "trial": ("GET", "/v1/studies/{sid}/trials/{tid}", None),
    "best": ("GET", "/v1/studies/{sid}/best", None),
    "history": ("GET", "/v1/studies/{sid}/history", None),
    "curves": ("GET", "/v1/studies/{sid}/curves", None),
}
OK = {"create": 201, "delete": 204}
READS = {"list", "get", "trials", "trial", "best", "history", "curves"}
ON_STUDY = set(ROUTES) - {"create", "list"}


def expected(caller: str, route: str) -> int:
    """The table: what each caller gets from each route on alice's study."""
    if caller in ("none", "bad"):
        return 401
    owner, role = CALLERS[caller]
    if role == "read" and route not in READS:
        return 403
    if owner == "bob" and route in ON_STUDY:
        return 404  # another owner's study does not exist for bob
    return OK.get(route, 200)


@pytest.fixture(scope="module")
def service_app(tmp_path_factory):
    app = create_app({"DATABASE_URL": sqlite_url(tmp_path_factory.mktemp("auth") / "a.db")})
    tokens = app.extensions["optimizer"].tokens
    made = {name: tokens.create(*who)[0] for name, who in CALLERS.items() if who not in
            (None, "bad")}
    made["bad"] = "opt_not-a-token-of-this-service"
    return app, made


def headers(made: dict, caller: str) -> dict:
    return {"Authorization": f"Bearer {made[caller]}"} if caller in made else {}


counter = itertools.count()


def alice_study(http, made) -> tuple[int, int]:
    """A fresh study of alice's, with one running trial: (study id, trial id)."""
    alice = headers(made, "alice-write")
    body = {"name": f"alice-{next(counter)}", "space": SPACE}
    sid = http.post("/v1/studies", json=body, headers=alice).json["id"]
    tid = http.post(f"/v1/studies/{sid}/suggest", json={}, headers=alice).json["trials"][0]["id"]
    return sid, tid


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_against_each_route(service_app, caller, route):
    app, made = service_app
    http = app.test_client()
    sid, tid = alice_study(http, made)
    method, path, body = ROUTES[route]
    if body is not None:
        body = {k: (tid if v == "{tid}" else v) for k, v in body.items()}
        if route == "create":
            body = {**body, "name": f"new-{next(counter)}"}
    r = http.open(path.format(sid=sid, tid=tid), method=method, json=body,
                  headers=headers(made, caller))
    assert r.status_code == expected(caller, route), (caller, route, r.json)
    if r.status_code >= 400:
        assert r.content_type == "application/problem+json"
        assert r.json["status"] == r.status_code
    if r.status_code == 401:
        assert r.headers["WWW-Authenticate"].startswith('Bearer realm="optimizer-api"')
        assert made.get(caller, "") not in r.get_data(as_text=True) or caller == "none"


def test_owners_see_only_their_studies_and_reuse_names(service_app):
    app, made = service_app
    http = app.test_client()
    sid, _ = alice_study(http, made)
    name = http.get(f"/v1/studies/{sid}", headers=headers(made, "alice-read")).json["name"]
    listed = http.get("/v1/studies", headers=headers(made, "bob-write")).json["studies"]
    assert all(s["owner"] == "bob" for s in listed)
    assert http.get(f"/v1/studies?name={name}", headers=headers(made, "bob-read")).json[
        "studies"] == []
    # bob may use alice's name: names are unique per owner, and nothing is disclosed
    mine = http.post("/v1/studies", json={"name": name, "space": {"y": SPACE["x"]}},
                     headers=headers(made, "bob-write"))
    assert mine.status_code == 201 and mine.json["owner"] == "bob"
    every = http.get("/v1/studies", headers=headers(made, "root-admin")).json["studies"]
    assert {"alice", "bob"} <= {s["owner"] for s in every}


def test_an_admin_creates_for_its_own_owner(service_app):
    app, made = service_app
    r = app.test_client().post("/v1/studies", json={"name": "admin's", "space": SPACE},
                               headers=headers(made, "root-admin"))
    assert r.status_code == 201 and r.json["owner"] == "root"


def test_a_revoked_token_is_refused_at_once(service_app):
    app, _ = service_app
    tokens = app.extensions["optimizer"].tokens
    token, record = tokens.create("carol", "write")
    http = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert http.get("/v1/studies", headers=auth).status_code == 200
    tokens.revoke(record.id)
    r = http.get("/v1/studies", headers=auth)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_an_idempotency_key_never_replays_another_owners_answer(service_app):
    app, made = service_app
    http = app.test_client()
    sid, _ = alice_study(http, made)
    path, key = f"/v1/studies/{sid}/suggest", {"Idempotency-Key": "shared-key"}
    first = http.post(path, json={"count": 1}, headers={**headers(made, "alice-write"), **key})
    again = http.post(path, json={"count": 1}, headers={**headers(made, "alice-write"), **key})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    bob = http.post(path, json={"count": 1}, headers={**headers(made, "bob-write"), **key})
    assert bob.status_code == 404 and "Idempotent-Replayed" not in bob.headers
    admin = http.post(path, json={"count": 1}, headers={**headers(made, "root-admin"), **key})
    assert admin.status_code == 200 and "Idempotent-Replayed" not in admin.headers
    assert admin.json["trials"][0]["id"] != first.json["trials"][0]["id"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer ", "opt_x"])
def test_a_malformed_authorization_header_is_a_401(service_app, header):
    app, _ = service_app
    r = app.test_client().get("/v1/studies", headers={"Authorization": header})
    assert r.status_code == 401 and r.content_type == "application/problem+json"


def test_health_and_the_contract_need_no_token(service_app):
    http = service_app[0].test_client()
    for path in ("/healthz", "/readyz", "/openapi.yaml"):
        assert http.get(path).status_code == 200, path


# -- open mode ----------------------------------------------------------------------------
def open_app(tmp_path, **config):
    return create_app({"DATABASE_URL": sqlite_url(tmp_path / "open.db"), **config})


def test_without_tokens_it_runs_open_and_everything_is_visible(tmp_path):
    app = open_app(tmp_path)
    http = app.test_client()
    made = http.post("/v1/studies", json={"name": "laptop", "space": SPACE})
    assert made.status_code == 201 and made.json["owner"] == "default"
    assert http.delete(f"/v1/studies/{made.json['id']}").status_code == 204
    assert http.get("/v1/studies", headers={"Authorization": "Bearer opt_x"}).status_code == 401
    # the first token closes it: from then on a request needs one
    token, _ = app.extensions["optimizer"].tokens.create("alice", "write")
    assert http.get("/v1/studies").status_code == 401
    assert http.get("/v1/studies", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_auth_on_needs_a_token_even_with_none_configured(tmp_path):
    r = open_app(tmp_path, AUTH="on").test_client().get("/v1/studies")
    assert r.status_code == 401


def test_auth_off_serves_without_a_token_even_with_tokens(tmp_path):
    app = open_app(tmp_path, AUTH="off")
    token, _ = app.extensions["optimizer"].tokens.create("alice", "read")
    http = app.test_client()
    assert http.post("/v1/studies", json={"name": "o", "space": SPACE}).status_code == 201
    # a token that is given still speaks for its owner and role
    r = http.post("/v1/studies", json={"name": "p", "space": SPACE},
                  headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
