"""Looking at a study: chart-sized subsets of its trials, and its trials as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Blueprint, Response, request

from ..domain import Trial
from ..space import Space
from .schemas import CurvesQuery, SampleQuery, timestamp, trial_json
from .views import ok, owner, service

bp = Blueprint("explore", __name__, url_prefix="/v1/studies/<int:study_id>")


@bp.get("/history")
def history(study_id: int):
    query = SampleQuery().load(request.args.to_dict())
    found = service().history(owner(), study_id, query["limit"])
    return ok({"total": found.total, "trials": [_point(t) for t in found.trials]})


@bp.get("/curves")
def curves(study_id: int):
    query = CurvesQuery().load(request.args.to_dict())
    found = service().curves(owner(), study_id, query["limit"])
    return ok({"total": found.total, "trials": [trial_json(t) for t in found.trials]})


@bp.get("/importance")
def importance(study_id: int):
    report = service().importance(owner(), study_id)
    return ok({
        "importances": report.importances,
        "method": report.method,
        "n_trials": report.n_trials,
        "n_top": report.n_top,
        "target_quantile": report.target_quantile,
    })


def wants_csv() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def csv_export(study_id: int, query: dict) -> Response:
    """Every matching trial, one row each, streamed a page at a time."""
    space, found = service().export(owner(), study_id, query["state"], query["params"])
    name = f"study-{study_id}-trials.csv"
    return Response(_rows(space, found), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


COLUMNS = ("number", "id", "state", "value")
TAIL = ("created_at", "finished_at", "reason", "worker_id", "external")


def _rows(space: Space, found: Iterator[Trial]) -> Iterator[str]:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow([*COLUMNS, *(f"params_{n}" for n in space.names), *TAIL])
    for n, t in enumerate(found, start=1):
        out.writerow([
            t.number, t.id, t.state.value, _cell(t.value),
            *(_cell(t.params.get(name)) for name in space.names),
            timestamp(t.created_at), timestamp(t.finished_at), t.reason, t.worker_id,
            t.external,
        ])
        if n % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _cell(value):
    """A value as JSON writes it (true, 0.1), so that a reader gets back what was sent."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _point(t: Trial) -> dict:
    """What a chart needs of a trial: no curve, no lease."""
    return {"id": t.id, "number": t.number, "state": t.state.value, "value": t.value,
            "params": t.params, "finished_at": timestamp(t.finished_at)}
