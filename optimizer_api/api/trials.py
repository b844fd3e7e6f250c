"""Trials of a study: suggest, observe, heartbeat, list, best."""

from __future__ import annotations

from flask import Blueprint, request

from .body import load
from .idempotency import idempotent, respond
from .schemas import HeartbeatIn, ObserveIn, SuggestIn, TrialsQuery, trial_json
from .studies import _ok, service

bp = Blueprint("trials", __name__, url_prefix="/v1/studies/<int:study_id>")


@bp.post("/suggest")
@idempotent
def suggest(study_id: int):
    args = load(SuggestIn())

    def render(result):
        return 200, {
            "trials": [trial_json(t) for t in result.trials],
            "study_status": result.status,
            "status_reason": result.status_reason,
        }

    return respond(
        lambda idem: service().suggest(study_id, args["count"], args["worker_id"], idem), render
    )


@bp.post("/observe")
@idempotent
def observe(study_id: int):
    obs = load(ObserveIn())

    def render(result):
        return 200, {
            "trial": trial_json(result.trial),
            "should_stop": result.should_stop,
            "study_status": result.status,
            "status_reason": result.status_reason,
        }

    return respond(lambda idem: service().observe(study_id, obs, idem), render)


@bp.post("/trials/<int:trial_id>/heartbeat")
@idempotent
def heartbeat(study_id: int, trial_id: int):
    load(HeartbeatIn())
    return respond(
        lambda idem: service().heartbeat(study_id, trial_id, idem),
        lambda trial: (200, {"trial": trial_json(trial)}),
    )


@bp.get("/trials")
def list_trials(study_id: int):
    args = request.args.to_dict(flat=False)
    args = {k: (v if k == "state" else v[-1]) for k, v in args.items()}
    query = TrialsQuery().load(args)
    found, total = service().trials(study_id, query["state"], query["limit"], query["offset"])
    return _ok({"trials": [trial_json(t) for t in found], "total": total})


@bp.get("/trials/<int:trial_id>")
def get_trial(study_id: int, trial_id: int):
    return _ok(trial_json(service().trial(study_id, trial_id)))


@bp.get("/best")
def best(study_id: int):
    trial = service().best(study_id)
    return _ok({"trial": trial_json(trial) if trial else None})
