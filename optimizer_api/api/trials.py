"""Trials of a study: suggest, observe, heartbeat, enqueue, cancel, list, changes, best,
the Pareto front."""

from __future__ import annotations

from flask import Blueprint, request

from .body import load
from .explore import csv_export, wants_csv
from .schemas import (
    ChangesQuery,
    EnqueueIn,
    HeartbeatIn,
    ObserveIn,
    ParetoQuery,
    SuggestIn,
    TrialsQuery,
    pareto_json,
    trial_json,
    trials_page_json,
)
from .views import idempotency_key, ok, owner, reply, service

bp = Blueprint("trials", __name__, url_prefix="/v1/studies/<int:study_id>")


@bp.post("/suggest")
def suggest(study_id: int):
    key = idempotency_key()
    args = load(SuggestIn())
    return reply(service().suggest(owner(), study_id, args["count"], args["worker_id"], key))


@bp.post("/observe")
def observe(study_id: int):
    key = idempotency_key()
    return reply(service().observe(owner(), study_id, load(ObserveIn()), key))


@bp.post("/trials/<int:trial_id>/heartbeat")
def heartbeat(study_id: int, trial_id: int):
    key = idempotency_key()
    load(HeartbeatIn())
    return reply(service().heartbeat(owner(), study_id, trial_id, key))


@bp.get("/trials")
def list_trials(study_id: int):
    args = request.args.to_dict(flat=False)
    args = {k: (v if k == "state" else v[-1]) for k, v in args.items()}
    query = TrialsQuery().load(args)
    if wants_csv():
        return csv_export(study_id, query)
    page = service().trials(owner(), study_id, query["state"], query["limit"], query["offset"],
                            query["sort"], query["params"], query["after"])
    return ok(trials_page_json(page, query, service().study(owner(), study_id)))


@bp.post("/trials")
def enqueue(study_id: int):
    key = idempotency_key()
    args = load(EnqueueIn())
    return reply(service().enqueue(owner(), study_id, args["params"], args["user_attrs"], key))


@bp.delete("/trials/<int:trial_id>")
def cancel(study_id: int, trial_id: int):
    key = idempotency_key()
    return reply(service().cancel(owner(), study_id, trial_id, key))


@bp.get("/changes")
def changes(study_id: int):
    query = ChangesQuery().load(request.args.to_dict())
    found = service().changes(owner(), study_id, query["since"], query["limit"], query["wait"])
    return ok({"trials": [trial_json(t, found.study) for t in found.trials],
               "cursor": found.cursor, "more": found.more})


@bp.get("/trials/<int:trial_id>")
def get_trial(study_id: int, trial_id: int):
    trial = service().trial(owner(), study_id, trial_id)
    return ok(trial_json(trial, service().study(owner(), study_id)))


@bp.get("/best")
def best(study_id: int):
    trial = service().best(owner(), study_id)
    study = service().study(owner(), study_id) if trial else None
    return ok({"trial": trial_json(trial, study) if trial else None})


@bp.get("/pareto")
def pareto(study_id: int):
    query = ParetoQuery().load(request.args.to_dict())
    return ok(pareto_json(service().pareto(owner(), study_id, query["ref"])))
