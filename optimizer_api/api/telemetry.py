"""What every answer gets on its way out: a request id, security headers, a line in the
access log and in the metrics; and the route a Prometheus server scrapes, /metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, request

from .. import metrics
from .views import service

bp = Blueprint("telemetry", __name__)
access = logging.getLogger("optimizer_api.access")

REQUEST_ID = "X-Request-ID"
# A caller's id is kept when it is safe to log and to echo: 1-128 visible characters
# (letters, digits and . _ : - /, which UUIDs, W3C trace ids and most proxies' ids use).
_VALID_ID = re.compile(r"[A-Za-z0-9._:/-]{1,128}")
SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
# For HTML pages (the dashboard): nothing from elsewhere, never inside another site's frame.
HTML_SECURITY = {
    # Scripts only from the service, never inline or eval'd. Styles may be inline: the
    # vendored charting library and Redoc set them; a style cannot run code.
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data: blob:; worker-src 'self' blob:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


@bp.get("/metrics")
def scrape():
    body, content_type = metrics.exposition(metrics.TrialStates(service().trial_states))
    return Response(body, content_type=content_type)


def _start() -> None:
    given = request.headers.get(REQUEST_ID, "")
    g.request_id = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[REQUEST_ID] = g.get("request_id") or uuid.uuid4().hex
    response.headers.update(SECURITY)
    if response.mimetype == "text/html":
        response.headers.update(HTML_SECURITY)
    route = request.url_rule.rule if request.url_rule else "unmatched"
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    metrics.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    metrics.LATENCY.labels(route, request.method).observe(elapsed)
    if response.headers.get("Idempotent-Replayed") == "true":
        metrics.REPLAYS.labels(route).inc()
    if response.status_code == 503:
        metrics.STORE_UNAVAILABLE.inc()
    if current_app.config.get("ACCESS_LOG"):
        access.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"path": request.path, "status": response.status_code,
                           "duration_ms": round(elapsed * 1000, 2)})
    return response


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)
