"""Liveness, readiness and the contract itself."""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, current_app

from .views import ok, service

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return ok({"status": "ok"})


@bp.get("/readyz")
def readyz():
    service().ready()  # StoreUnavailable becomes a 503 problem with Retry-After
    return ok({"status": "ready"})


@bp.get("/openapi.yaml")
def openapi():
    spec = current_app.extensions.get("openapi_text")
    if spec is None:
        spec = resources.files("optimizer_api").joinpath("openapi.yaml").read_text("utf-8")
        current_app.extensions["openapi_text"] = spec
    return Response(spec, mimetype="application/yaml")
