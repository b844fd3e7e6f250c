"""openapi.yaml is a valid OpenAPI 3.1 document and agrees with the app's routes."""

from __future__ import annotations

import re

import yaml
from openapi_spec_validator import validate

from ..contract import SPEC_PATH, spec


def test_spec_is_valid_openapi_3_1():
    assert spec()["openapi"].startswith("3.1")
    validate(spec())


def _app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("web."):  # pages, not API
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), path))
    return routes


def _spec_routes() -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m, p) for p, item in spec()["paths"].items() for m in item if m in methods}


def test_every_route_is_documented_and_every_documented_route_is_served(app):
    assert _app_routes(app) == _spec_routes()


def test_served_contract_is_the_file(http):
    response = http.get("/openapi.yaml")
    assert response.status_code == 200
    assert yaml.safe_load(response.data) == yaml.safe_load(SPEC_PATH.read_text())


def test_documented_algorithms_and_rules_are_the_registered_ones():
    from optimizer_api import samplers, stopping

    schemas = spec()["components"]["schemas"]
    assert sorted(schemas["Algorithm"]["properties"]["name"]["enum"]) == samplers.names()
    assert sorted(schemas["EarlyStopping"]["properties"]["rule"]["enum"]) == stopping.names()


def test_request_schemas_accept_exactly_the_documented_fields():
    from optimizer_api.api import schemas as s

    components = spec()["components"]["schemas"]
    assert set(s.StudyCreate().fields) == set(components["StudyCreate"]["properties"])
    assert set(s.SuggestIn().fields) == set(components["SuggestRequest"]["properties"])
    documented = set()
    for variant in components["Observation"]["oneOf"]:
        documented |= set(variant["properties"])
    assert set(s.ObserveIn().fields) == documented


def test_packaged_contract_is_the_top_level_file():
    packaged = SPEC_PATH.parent / "optimizer_api" / "openapi.yaml"
    assert packaged.is_symlink() and packaged.resolve() == SPEC_PATH
