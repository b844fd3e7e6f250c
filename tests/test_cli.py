"""The `optimizer-api serve` command: help, and a real start on a SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests

from .servers import free_port


def test_serve_help_lists_host_port_workers_and_database():
    out = subprocess.run([sys.executable, "-m", "optimizer_api.cli", "serve", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for flag in ("--host", "--port", "--workers", "--database-url"):
        assert flag in out


def test_serve_prints_the_database_and_serves(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "OPTIMIZER_DB_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "optimizer_api.cli", "serve", "--port", str(port),
         "--workers", "1"],
        cwd=tmp_path, env={**env, "OPTIMIZER_ACCESS_LOG": ""},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.strip() == f"optimizer-api: storing studies in sqlite:///{tmp_path}/optimizer-api.db"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).ok
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        assert (tmp_path / "optimizer-api.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()
