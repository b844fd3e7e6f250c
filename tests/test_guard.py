"""Open mode only on loopback: real `optimizer-api serve` and the Docker image's gunicorn
command refuse to start open on an address other hosts reach, unless OPTIMIZER_AUTH=off;
with a token there, they start and require tokens for good."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import requests

from optimizer_api import config
from optimizer_api.devserver import free_port

from .test_cli import DOCKERFILE, running, serve, wait_ready


@pytest.mark.parametrize(("bind", "loopback"), [
    ("127.0.0.1:8000", True), ("127.0.0.2:80", True), ("localhost:8000", True),
    ("[::1]:8000", True), ("unix:/run/o.sock", True), ("0.0.0.0:8000", False),
    ("[::]:8000", False), (":8000", False), ("10.1.2.3:8000", False),
    ("example.org:80", False), ("fd://3", False),
])
def test_loopback_binds(bind, loopback):
    assert config.is_loopback(bind) is loopback


def _cli(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer_api.cli", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**_env(), **env})


def _env() -> dict:
    import os

    ours = ("OPTIMIZER_DB_URL", "OPTIMIZER_BIND", "OPTIMIZER_HOST", "OPTIMIZER_PORT",
            "OPTIMIZER_AUTH")
    return {k: v for k, v in os.environ.items() if k not in ours}


def _docker_cmd() -> list[str]:
    command = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.M)
    _program, *args = json.loads(command.group(1))
    return [sys.executable, "-m", "gunicorn", *args]


def test_serve_refuses_to_start_open_on_all_interfaces(tmp_path):
    port = free_port()
    done = _cli(tmp_path, "serve", "--host", "0.0.0.0", "--port", str(port))
    assert done.returncode != 0
    assert "refusing to serve on 0.0.0.0" in done.stderr
    assert "token create" in done.stderr and "OPTIMIZER_AUTH=off" in done.stderr


def test_the_images_command_refuses_too(tmp_path):
    env = {**_env(), "OPTIMIZER_BIND": f"0.0.0.0:{free_port()}", "OPTIMIZER_WORKERS": "1",
           "OPTIMIZER_DB_URL": f"sqlite:///{tmp_path / 'img.db'}"}
    done = subprocess.run(_docker_cmd(), cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "refusing to serve on 0.0.0.0" in done.stdout + done.stderr


def test_auth_off_starts_open_on_purpose(tmp_path):
    port = free_port()
    argv = serve("--host", "0.0.0.0", "--port", str(port))
    with running(argv, tmp_path, OPTIMIZER_AUTH="off") as process:
        wait_ready(port, process)
        assert requests.get(f"http://127.0.0.1:{port}/v1/studies", timeout=5).status_code == 200


def test_with_a_token_it_starts_and_stays_closed_when_tokens_are_revoked(tmp_path):
    created = _cli(tmp_path, "token", "create", "--owner", "ops", "--role", "admin")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("opt_") and token not in created.stderr
    port = free_port()
    env = {"OPTIMIZER_BIND": f"0.0.0.0:{port}", "OPTIMIZER_WORKERS": "1"}
    with running(_docker_cmd(), tmp_path, **env) as process:
        wait_ready(port, process)
        url = f"http://127.0.0.1:{port}/v1/studies"
        assert requests.get(url, timeout=5).status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        assert requests.get(url, headers=auth, timeout=5).status_code == 200
        assert _cli(tmp_path, "token", "revoke", "1").returncode == 0
        assert requests.get(url, timeout=5).status_code == 401  # not open again
