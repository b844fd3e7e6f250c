"""The `optimizer-api serve` command: help, a real start on a SQLite file, and its address."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from optimizer_api.devserver import free_port

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


@contextmanager
def running(argv: list[str], cwd: Path, **env: str):
    """Run a server command with only `env` of our settings (access log off); SIGTERM it."""
    ours = ("OPTIMIZER_DB_URL", "OPTIMIZER_BIND", "OPTIMIZER_HOST", "OPTIMIZER_PORT")
    base = {k: v for k, v in os.environ.items() if k not in ours}
    process = subprocess.Popen(
        argv, cwd=cwd, env={**base, "OPTIMIZER_ACCESS_LOG": "", **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()


def serve(*flags: str) -> list[str]:
    return [sys.executable, "-m", "optimizer_api.cli", "serve", "--workers", "1", *flags]


def wait_ready(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stdout.read()
        try:
            assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).ok
            return
        except requests.RequestException:
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)


def test_serve_help_lists_host_port_workers_and_database():
    out = subprocess.run([sys.executable, "-m", "optimizer_api.cli", "serve", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for flag in ("--host", "--port", "--workers", "--database-url"):
        assert flag in out


def test_serve_prints_the_database_and_serves(tmp_path):
    port = free_port()
    with running(serve("--port", str(port)), tmp_path) as process:
        first = process.stdout.readline()
        assert first.strip() == f"optimizer-api: storing studies in sqlite:///{tmp_path}/optimizer-api.db"
        wait_ready(port, process)
        assert (tmp_path / "optimizer-api.db").exists()


def serving_line(process: subprocess.Popen) -> str:
    """The line saying where it serves (log lines come before it on the same pipe)."""
    for line in process.stdout:
        if line.startswith("optimizer-api: serving on"):
            return line.strip()
    raise AssertionError("the server never said where it serves")


def test_serve_listens_where_optimizer_bind_says_and_says_so_once_it_listens(tmp_path):
    port = free_port()
    with running(serve(), tmp_path, OPTIMIZER_BIND=f"127.0.0.1:{port}") as process:
        assert serving_line(process) == f"optimizer-api: serving on http://127.0.0.1:{port}"
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # listening now
        wait_ready(port, process)


def test_serve_on_a_taken_port_exits_with_a_clear_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(serve("--port", str(port)), cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert out.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}: the port is already in use" in out.stderr
    assert "serving on" not in out.stdout


def test_version():
    out = subprocess.run([sys.executable, "-m", "optimizer_api.cli", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"optimizer-api \d+\.\d+\.\d+\S*\n", out)


def test_a_port_flag_wins_over_optimizer_bind(tmp_path):
    port, other = free_port(), free_port()
    bind = f"127.0.0.1:{other}"
    with running(serve("--port", str(port)), tmp_path, OPTIMIZER_BIND=bind) as process:
        wait_ready(port, process)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{other}/healthz", timeout=2)


def image_env() -> dict[str, str]:
    """The ENV of the Dockerfile's last stage."""
    stage = DOCKERFILE.read_text().rsplit("\nFROM ", 1)[1]
    block = re.search(r"^ENV (.*?)(?<!\\)\n", stage, re.M | re.S).group(1)
    return dict(re.findall(r"(\w+)=(\S+)", block.replace("\\\n", " ")))


def test_the_docker_images_command_and_environment_serve(tmp_path):
    command = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.M)
    program, *args = json.loads(command.group(1))
    assert program == "gunicorn"
    env = image_env()
    assert env["OPTIMIZER_BIND"] == "0.0.0.0:8000"
    assert env["OPTIMIZER_DB_URL"] == "sqlite:////data/optimizer-api.db"
    port = free_port()  # the test listens on loopback, in a folder of its own
    env.update(OPTIMIZER_BIND=f"127.0.0.1:{port}", OPTIMIZER_DB_URL=f"sqlite:///{tmp_path}/d.db",
               OPTIMIZER_WORKERS="1", OPTIMIZER_ACCESS_LOG="-")
    argv = [sys.executable, "-m", "gunicorn", *args]
    with running(argv, tmp_path, **env) as process:
        wait_ready(port, process)
        process.send_signal(signal.SIGTERM)
        output = process.stdout.read()
    assert f"optimizer-api: serving on http://127.0.0.1:{port}" in output
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/readyz" and line["status"] == 200 for line in logged)
    assert any("optimizer_api.worker.Worker" in line["message"] for line in logged)
