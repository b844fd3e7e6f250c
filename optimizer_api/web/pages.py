"""The pages: a shell each; the data comes from the public API, fetched by the browser."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static",
    static_url_path="/assets",
)

# What the browser sent that the API may need to decide who is asking (once tokens exist).
_FORWARDED = ("Authorization", "Cookie")


@bp.get("/")
def studies():
    return render_template("web/studies.html")


@bp.get("/docs")
def docs():
    return render_template("web/docs.html")


@bp.get("/studies/<study_id>")
def study(study_id: str):
    known = study_id.isascii() and study_id.isdigit()
    status, body = _public_get(f"/v1/studies/{study_id}") if known else (404, None)
    if status == 404:
        return render_template("web/not_found.html", study_id=study_id), 404
    name = body["name"] if status == 200 else None  # otherwise the page's script reports it
    return render_template("web/study.html", study_id=study_id, name=name)


def _public_get(path: str) -> tuple[int, dict | None]:
    """GET a public API URL in-process, as the page's script would: no private data path."""
    headers = {k: v for k, v in request.headers.items() if k in _FORWARDED}
    with current_app.test_client().get(path, headers=headers) as answer:
        return answer.status_code, answer.get_json(silent=True)
