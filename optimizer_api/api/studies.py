"""Studies: create (or load), list, get, update, delete, export, import."""

from __future__ import annotations

from flask import Blueprint, Response, request

from .body import json_object, load
from .schemas import ImportQuery, StudiesQuery, StudyCreate, StudyPatch, page_json, study_json
from .views import idempotency_key, ok, owner, reply, service

bp = Blueprint("studies", __name__, url_prefix="/v1/studies")


@bp.post("")
def create_study():
    key = idempotency_key()
    spec = load(StudyCreate())
    return reply(service().create_study(owner(), spec, key))


@bp.post("/import")
def import_study():
    key = idempotency_key()
    name = ImportQuery().load(request.args.to_dict())["name"]
    return reply(service().import_study(owner(), json_object(), name, key))


@bp.get("/<int:study_id>/export")
def export_study(study_id: int):
    return ok(service().export_study(owner(), study_id))


@bp.get("")
def list_studies():
    query = StudiesQuery().load(request.args.to_dict())
    found, total = service().list_studies(owner(), query["name"], query["limit"],
                                          query["offset"])
    return ok({"studies": [study_json(v) for v in found],
               **page_json(found, total, query["limit"], query["offset"])})


@bp.get("/<int:study_id>")
def get_study(study_id: int):
    return ok(study_json(service().get_study(owner(), study_id)))


@bp.patch("/<int:study_id>")
def update_study(study_id: int):
    changes = load(StudyPatch())
    return ok(study_json(service().update_study(owner(), study_id, changes)))


@bp.delete("/<int:study_id>")
def delete_study(study_id: int):
    service().delete_study(owner(), study_id)
    return Response(status=204)
