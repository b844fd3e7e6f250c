"""Retries of the client against real sockets: a dead port and a small scripted HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from optimizer_client import Client, ConflictError, UnavailableError

CUT = 0  # in a script: the answer is cut off after its headers


def free_port() -> int:
    """A port on which nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Scripted(ThreadingHTTPServer):
    """An HTTP server answering from a script of (status, body, headers), then 200 {}."""

    def __init__(self, script: list[tuple[int, dict, dict]]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script = list(script)
        self.seen: list[tuple[str, str | None, bytes]] = []  # method, Idempotency-Key, body

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    """Records each request and plays the next step of the server's script."""

    server: Scripted

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.headers.get("Idempotency-Key"), body))
        status, payload, headers = (
            self.server.script.pop(0) if self.server.script else (200, {"ok": True}, {})
        )
        data = json.dumps(payload).encode()
        if status == CUT:  # a worker killed while answering: headers, then nothing
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.close_connection = True
            return
        self.send_response(status)
        kind = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def scripted() -> Iterator[Scripted]:
    """A started scripted server; fill `server.script` before the request."""
    server = Scripted([])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def busy(detail: str = "database is locked") -> tuple[int, dict, dict]:
    """A 503 problem as the service sends it."""
    problem = {"type": "about:blank", "title": "Store unavailable", "status": 503, "detail": detail}
    return 503, problem, {"Retry-After": "0"}


def test_dead_port_raises_unavailable_after_retries() -> None:
    with Client(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.01) as client:
        with pytest.raises(UnavailableError) as caught:
            client.list_studies()
    assert caught.value.status is None
    assert caught.value.response is None
    assert "cannot reach" in str(caught.value)


def test_post_retried_on_503_with_the_same_idempotency_key(scripted: Scripted) -> None:
    scripted.script = [busy(), (502, {}, {}), busy()]
    with Client(scripted.url, retries=3, backoff=0.01) as client:
        assert client.request("POST", "/v1/x", json={"a": 1}) == {"ok": True}
    assert len(scripted.seen) == 4
    keys = {key for _, key, _ in scripted.seen}
    assert len(keys) == 1 and None not in keys
    assert all(json.loads(body) == {"a": 1} for _, _, body in scripted.seen)


def test_each_logical_post_gets_a_fresh_key(scripted: Scripted) -> None:
    with Client(scripted.url) as client:
        client.request("POST", "/v1/x", json={})
        client.request("POST", "/v1/x", json={})
        client.request("GET", "/v1/x")
    keys = [key for _, key, _ in scripted.seen]
    assert keys[0] != keys[1] and keys[2] is None


def test_persistent_503_raises_unavailable_with_the_problem(scripted: Scripted) -> None:
    scripted.script = [busy()] * 3
    with Client(scripted.url, retries=2, backoff=0.01) as client:
        with pytest.raises(UnavailableError) as caught:
            client.request("GET", "/v1/x")
    assert len(scripted.seen) == 3
    assert caught.value.status == 503
    assert caught.value.problem["detail"] == "database is locked"
    assert "Store unavailable" in str(caught.value) and "database is locked" in str(caught.value)


def test_in_flight_conflict_waits_for_the_first_attempt(scripted: Scripted) -> None:
    in_flight = {
        "type": "https://optimizer-api.dev/problems/idempotency-key-in-flight",
        "title": "Idempotency key in flight",
        "status": 409,
        "detail": "a request with this Idempotency-Key is still in flight",
    }
    scripted.script = [(409, in_flight, {}), (409, in_flight, {})]
    with Client(scripted.url, retries=3, backoff=0.01) as client:
        assert client.request("POST", "/v1/x", json={}) == {"ok": True}
        assert len({key for _, key, _ in scripted.seen}) == 1
        scripted.script = [(409, in_flight, {})] * 4
        with pytest.raises(ConflictError):
            client.request("POST", "/v1/x", json={})
    assert len(scripted.seen) == 3 + 4


def test_other_conflicts_are_not_retried(scripted: Scripted) -> None:
    other = {"type": "https://optimizer-api.dev/problems/conflict", "title": "Conflict"}
    scripted.script = [(409, other | {"status": 409, "detail": "already completed"}, {})]
    with Client(scripted.url, retries=3, backoff=0.01) as client:
        with pytest.raises(ConflictError) as caught:
            client.request("POST", "/v1/x", json={})
    assert len(scripted.seen) == 1
    assert caught.value.problem["detail"] == "already completed"


def test_retry_after_is_honored(scripted: Scripted) -> None:
    scripted.script = [(503, {"title": "Busy"}, {"Retry-After": "1"})]
    with Client(scripted.url, retries=2, backoff=0.0) as client:
        started = time.monotonic()
        assert client.request("GET", "/v1/x") == {"ok": True}
    assert time.monotonic() - started >= 0.9  # the server asked for one second
    assert len(scripted.seen) == 2


def test_an_answer_cut_off_is_asked_again_with_the_same_key(scripted: Scripted) -> None:
    scripted.script = [(CUT, {}, {}), (CUT, {}, {})]
    with Client(scripted.url, retries=3, backoff=0.01) as client:
        assert client.request("POST", "/v1/x", json={"a": 1}) == {"ok": True}
    assert len(scripted.seen) == 3 and len({key for _, key, _ in scripted.seen}) == 1
    scripted.script = [(CUT, {}, {})] * 3
    with Client(scripted.url, retries=1, backoff=0.01) as client:
        with pytest.raises(UnavailableError, match="cut off"):
            client.request("GET", "/v1/x")
