"""Studies: create (or load), list, get, delete."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, json, request

from ..service import Service
from .body import load
from .idempotency import idempotent, respond
from .schemas import StudiesQuery, StudyCreate, study_json

bp = Blueprint("studies", __name__, url_prefix="/v1/studies")


def service() -> Service:
    return current_app.extensions["optimizer"]


def _ok(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


@bp.post("")
@idempotent
def create_study():
    spec = load(StudyCreate())

    def render(result):
        view, created = result
        return (201 if created else 200), study_json(view)

    return respond(lambda idem: service().create_study(spec, idem), render)


@bp.get("")
def list_studies():
    query = StudiesQuery().load(request.args.to_dict())
    return _ok({"studies": [study_json(v) for v in service().list_studies(query["name"])]})


@bp.get("/<int:study_id>")
def get_study(study_id: int):
    return _ok(study_json(service().get_study(study_id)))


@bp.delete("/<int:study_id>")
def delete_study(study_id: int):
    service().delete_study(study_id)
    return Response(status=204)
