"""Operating the real server: metrics summed over workers (recycled ones included),
gunicorn's own rejections as problems, JSON log lines with the request id."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests

from optimizer_api.devserver import Gunicorn

from ..conftest import sqlite_url

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("operate")
    env = {"OPTIMIZER_ACCESS_LOG": "-", "OPTIMIZER_MAX_REQUESTS": "20",
           "OPTIMIZER_LOG_FORMAT": "auto"}  # auto: JSON, as stderr is a file here
    with Gunicorn(sqlite_url(folder / "o.db"), workers=2, log_dir=folder, env=env) as s:
        yield s


def healthz_count(url: str) -> float:
    text = requests.get(url + "/metrics", timeout=10).text
    found = re.search(r'optimizer_http_requests_total\{method="GET",route="/healthz",'
                      r'status="200"\} (\S+)', text)
    return float(found[1]) if found else 0.0


def test_metrics_add_up_every_worker_even_recycled_ones(server):
    before = healthz_count(server.url)
    for _ in range(60):  # new connections, spread over both workers; each recycles twice
        with requests.get(server.url + "/healthz", timeout=10) as r:
            assert r.status_code == 200
    counts = {healthz_count(server.url) for _ in range(6)}  # answered by either worker
    assert counts == {before + 60}
    assert "Autorestarting worker after current request" in server.log()


def raw(port: int, data: bytes) -> tuple[str, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode("latin-1"), json.loads(body)


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(120)) + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n", 431),
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
])
def test_what_gunicorn_rejects_itself_is_a_problem(server, request_bytes, status):
    head, problem = raw(server.port, request_bytes)
    assert head.startswith(f"HTTP/1.1 {status} ")
    assert "Content-Type: application/problem+json" in head
    assert problem["status"] == status and problem["title"] and problem["detail"]


def test_no_server_version_and_the_request_id_in_the_json_log(server):
    r = requests.get(server.url + "/v1/studies/123456", timeout=10,
                     headers={"X-Request-ID": "find-me-42"})
    assert r.status_code == 404 and r.headers["X-Request-ID"] == "find-me-42"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert not re.search(r"\d", r.headers.get("Server", ""))
    lines = [json.loads(line) for line in server.log().splitlines() if "find-me-42" in line]
    assert lines, server.log()[-2000:]
    line = lines[-1]
    assert line["status"] == 404 and line["study_id"] == 123456
    assert line["route"] == "/v1/studies/<int:study_id>" and line["duration_ms"] >= 0
    assert {"timestamp", "level", "message"} <= set(line)


def test_a_chunked_body_over_the_limit_is_a_413_through_gunicorn(server):
    def body(size: int):
        yield b'{"name": "chunked", "space": {"x": {"type": "float", "low": 0, "high": 1}}, '
        yield b'"algorithm": "' + b"x" * size + b'"}'

    headers = {"Content-Type": "application/json"}
    r = requests.post(server.url + "/v1/studies", data=body(2 << 20), headers=headers,
                      timeout=30)
    assert r.status_code == 413 and r.headers["Content-Type"] == "application/problem+json"
    r = requests.post(server.url + "/v1/studies", data=body(10), headers=headers, timeout=30)
    assert r.status_code == 422  # read whole: the algorithm name is what is wrong
