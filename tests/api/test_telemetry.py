"""Request ids, security headers, the 404 of an unknown route, the 503 detail, /metrics."""

from __future__ import annotations

import json
import logging

import pytest

from optimizer_api import logs

SPACE = {"x": {"type": "float", "low": 0, "high": 1}}


def test_a_valid_request_id_is_echoed_and_a_bad_one_replaced(http):
    r = http.get("/healthz", headers={"X-Request-ID": "job-7.step:3/a"})
    assert r.headers["X-Request-ID"] == "job-7.step:3/a"
    for bad in ("", "x" * 129, "a b", "évil", "a\tb"):
        r = http.get("/healthz", headers={"X-Request-ID": bad})
        made = r.headers["X-Request-ID"]
        assert made != bad and len(made) == 32
    assert http.get("/healthz").headers["X-Request-ID"] != made  # one per request


def test_every_answer_gets_security_headers_and_html_pages_a_policy(app):
    @app.get("/page-for-test")
    def page():
        return "<p>hi</p>"  # Flask answers text/html, as the dashboard will

    http = app.test_client()
    for r in (http.get("/healthz"), http.get("/v1/studies/99"), http.get("/nothing")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" not in r.headers  # JSON: no page to protect
    r = http.get("/page-for-test")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"


def test_an_unknown_route_is_told_apart_from_an_unknown_study(http):
    route = http.get("/api/v1/studies/1")
    study = http.get("/v1/studies/1")
    assert route.status_code == study.status_code == 404
    assert route.mimetype == study.mimetype == "application/problem+json"
    assert route.json["type"].endswith("/unknown-route")
    assert "/v1/" in route.json["detail"]
    assert study.json["type"].endswith("/not-found")


def test_a_503_says_what_to_do_and_logs_the_cause(tmp_path, caplog):
    from optimizer_api import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    with caplog.at_level(logging.WARNING):
        r = app.test_client().get("/readyz")
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert "retry" in r.json["detail"] and "unable to open" not in r.json["detail"]
    assert "unable to open database file" in caplog.text


def test_metrics_count_requests_replays_and_trials_by_state(http):
    sid = http.post("/v1/studies", json={"name": "m", "space": SPACE}).json["id"]
    key = {"Idempotency-Key": "k1"}
    for _ in range(2):
        r = http.post(f"/v1/studies/{sid}/suggest", json={"count": 2}, headers=key)
        assert r.status_code == 200
    text = http.get("/metrics").get_data(as_text=True)
    route = "/v1/studies/<int:study_id>/suggest"
    assert f'optimizer_http_requests_total{{method="POST",route="{route}",status="200"}}' in text
    assert f'optimizer_idempotent_replays_total{{route="{route}"}}' in text
    assert 'optimizer_trials{state="running"} 2.0' in text
    assert 'optimizer_suggest_duration_seconds_count{algorithm="random"}' in text
    assert "optimizer_http_request_duration_seconds_bucket" in text


@pytest.mark.parametrize("kind", ["json", "text"])
def test_log_lines_carry_the_request(app, kind):
    formatter = logs.Formatter(kind)
    with app.test_request_context("/v1/studies/4/suggest", method="POST"):
        from flask import g

        g.request_id = "r-1"
        record = logging.LogRecord("optimizer_api.x", logging.WARNING, __file__, 1,
                                   "slow %s", ("thing",), None)
        record.status, record.duration_ms = 200, 1.5
        line = formatter.format(record)
    if kind == "json":
        got = json.loads(line)
        assert got["message"] == "slow thing" and got["level"] == "warning"
        assert got["request_id"] == "r-1" and got["status"] == 200
        assert got["timestamp"].endswith("Z")
    else:
        assert "[r-1] slow thing" in line and "status=200" in line
