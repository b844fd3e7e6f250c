"""deploy/: the compose file and nginx's config agree with the replicas' settings (the
topology itself runs in tests/e2e/test_topology.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from optimizer_api import gunicorn_conf

from .e2e.nginx import Nginx, require

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def nginx_seconds(name: str) -> float:
    """The value of the directive `name` (in seconds) in deploy/nginx.conf; it must be
    set once."""
    found = re.findall(rf"^\s*{name}\s+(\d+)s;", (DEPLOY / "nginx.conf").read_text(), re.M)
    assert len(found) == 1, (name, found)
    return float(found[0])


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_nginx_timeouts_follow_the_replicas_settings():
    env = compose()["services"]["api-1"]["environment"]
    assert compose()["services"]["api-2"]["environment"] == env
    # nginx waits a little longer than gunicorn lets a request run, so a client sees the
    # replica's answer (or its worker's timeout), not nginx's 504 first
    assert int(env["OPTIMIZER_TIMEOUT"]) < nginx_seconds("proxy_read_timeout") <= int(
        env["OPTIMIZER_TIMEOUT"]) + 10
    # clients get as long for their headers and body as a replica would give them
    assert nginx_seconds("client_header_timeout") == float(env["OPTIMIZER_HEADER_TIMEOUT"])
    assert nginx_seconds("client_body_timeout") == float(env["OPTIMIZER_HEADER_TIMEOUT"])
    # an idle upstream connection is dropped by nginx before gunicorn closes it
    assert nginx_seconds("keepalive_timeout") < gunicorn_conf.keepalive


def test_the_replicas_share_one_postgresql_and_nginx_names_both():
    services = compose()["services"]
    for name in ("api-1", "api-2"):
        assert services[name]["environment"]["OPTIMIZER_DB_URL"].startswith(
            "postgresql+psycopg://")
        assert f"server {name}:8000" in (DEPLOY / "nginx.conf").read_text()
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


def test_the_compose_health_check_of_nginx_passes_against_it(tmp_path):
    require()
    command = compose()["services"]["nginx"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "bash", "-c"]
    with Nginx([1], tmp_path) as front:  # no replica needed: nginx answers this itself
        script = command[3].replace("/8080", f"/{front.port}")
        assert subprocess.run(["bash", "-c", script], timeout=10).returncode == 0
