"""Looking at a study: chart-sized subsets of its trials, and its trials as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Blueprint, Response, request

from ..domain import Study, Trial, TrialState
from ..space import Space
from .schemas import CurvesQuery, SampleQuery, outcome_json, timestamp, trial_json
from .views import ok, owner, service

bp = Blueprint("explore", __name__, url_prefix="/v1/studies/<int:study_id>")


@bp.get("/history")
def history(study_id: int):
    query = SampleQuery().load(request.args.to_dict())
    found = service().history(owner(), study_id, query["limit"])
    study = service().study(owner(), study_id)
    return ok({"total": found.total, "trials": [_point(t, study) for t in found.trials]})


@bp.get("/curves")
def curves(study_id: int):
    query = CurvesQuery().load(request.args.to_dict())
    found = service().curves(owner(), study_id, query["limit"])
    study = service().study(owner(), study_id)
    return ok({"total": found.total, "trials": [trial_json(t, study) for t in found.trials]})


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
    study = service().study(owner(), study_id)
    name = f"study-{study_id}-trials.csv"
    return Response(_rows(space, found, study), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


COLUMNS = ("number", "id", "state", "value")
TAIL = ("created_at", "finished_at", "reason", "worker_id", "external")


def _rows(space: Space, found: Iterator[Trial], study: Study) -> Iterator[str]:
    """Rows of the trials; for a study that declares them, a `values_<objective>` column
    per objective, and `constraints_<name>` per constraint and `feasible` (after value)."""
    buffer = io.StringIO()
    out = csv.writer(buffer)
    outcomes = _outcome_columns(study)
    out.writerow([*COLUMNS, *outcomes, *(f"params_{n}" for n in space.names), *TAIL])
    for n, t in enumerate(found, start=1):
        out.writerow([
            t.number, t.id, t.state.value, _cell(t.value), *_outcome_cells(t, study, outcomes),
            *(_cell(t.params.get(name)) for name in space.names),
            timestamp(t.created_at), timestamp(t.finished_at), t.reason, t.worker_id,
            t.external,
        ])
        if n % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _outcome_columns(study: Study) -> list[str]:
    shown = outcome_json(Trial(0, 0, TrialState.RUNNING, {}), study)
    columns = [f"values_{o.name}" for o in study.objectives] if "values" in shown else []
    if "constraints" in shown:
        columns += [f"constraints_{c.name}" for c in study.constraints] + ["feasible"]
    return columns


def _outcome_cells(t: Trial, study: Study, columns: list[str]) -> list:
    if not columns:
        return []
    shown = outcome_json(t, study)
    values, reported = shown.get("values") or {}, shown.get("constraints") or {}
    cells = [_cell(values.get(o.name)) for o in study.objectives] if "values" in shown else []
    if "constraints" in shown:
        cells += [_cell(reported.get(c.name)) for c in study.constraints]
        cells.append(_cell(shown["feasible"]))
    return cells


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


def _point(t: Trial, study: Study) -> dict:
    """What a chart needs of a trial: no curve, no lease."""
    return {"id": t.id, "number": t.number, "state": t.state.value, "value": t.value,
            "params": t.params, "finished_at": timestamp(t.finished_at),
            **outcome_json(t, study)}
