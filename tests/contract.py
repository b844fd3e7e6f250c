"""Checking real responses against openapi.yaml (OpenAPI 3.1 schemas are JSON Schema)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
SPEC_URI = "urn:optimizer-api:openapi"


@cache
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


@cache
def _registry() -> Registry:
    return Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=_draft())
    )


def _draft():
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


@cache
def _templates() -> list[tuple[re.Pattern, str]]:
    out = []
    for template in spec()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", r"[^/]+", template)
        out.append((re.compile(f"^{pattern}$"), template))
    return out


def match_path(path: str) -> str:
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    raise AssertionError(f"{path} is not a path of openapi.yaml")


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validate(method: str, path: str, status: int, content_type: str | None, body) -> None:
    """Fail unless (status, content type, body) is a documented response of the route."""
    template = match_path(path)
    operation = spec()["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not in openapi.yaml"
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {template} does not document status {status}"
    response = responses[str(status)]
    if "$ref" in response:
        response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content")
    if not content:
        return
    media = (content_type or "").split(";")[0].strip()
    assert media in content, f"{method} {template} {status}: {media!r} not documented"
    if media == "application/yaml":
        return
    ref = f"{SPEC_URI}#/" + _pointer("paths", template, method.lower(), "responses",
                                     str(status), "content", media, "schema")
    if "$ref" in responses[str(status)]:
        name = responses[str(status)]["$ref"].rsplit("/", 1)[-1]
        ref = f"{SPEC_URI}#/" + _pointer("components", "responses", name, "content", media,
                                         "schema")
    Draft202012Validator({"$ref": ref}, registry=_registry()).validate(body)


def check_response(response, *args, **kwargs):
    """A requests response hook: every response of the session must match the contract."""
    from urllib.parse import urlsplit

    body = None
    if response.content and "json" in response.headers.get("Content-Type", ""):
        body = response.json()
    validate(response.request.method, urlsplit(response.url).path, response.status_code,
             response.headers.get("Content-Type"), body)
    return response


def checked_session():
    """A requests.Session whose every response is validated against openapi.yaml."""
    import requests

    session = requests.Session()
    session.hooks["response"].append(check_response)
    return session
