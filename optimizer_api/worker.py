"""The gunicorn worker: gthread, made safe against slow clients, answering problem+json.

gunicorn's threaded worker reads a request on one of its `threads`; a client that
trickles its headers holds that thread while it does. Three changes bound that:

- a worker accepts a connection only while it has a free thread, so nothing queues
  behind slow clients inside a busy worker: the kernel's backlog holds it until any
  worker of the pool is free;
- the request line and headers must arrive within `header_timeout` seconds of the
  thread taking the connection, or the client gets a 408 and the connection closes;
- each read of a body waits at most `header_timeout` seconds for the next bytes.

gunicorn answers what it rejects itself (a request line over `limit_request_line`,
too many or too large header fields, malformed HTTP) with an HTML page; this worker
sends the same status as an RFC 9457 problem instead.
"""

from __future__ import annotations

import html
import json
import re
import socket
import time

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from . import config, problems

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) ([^\r\n]*)")
_MESSAGE = re.compile(rb"</h1>(.*)</body>", re.S)


class Worker(ThreadWorker):
    """gunicorn's gthread worker with bounded reads, accepting only with a free thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_timeout = config.server().header_timeout
        self._reading: dict[object, float] = {}  # connection -> when its headers are due
        self._busy = 0  # connections handed to the thread pool (main thread only)

    # -- a thread per connection, and only when one is free --------------------------
    @property
    def max_keepalived(self) -> int:
        """Idle connections kept open: none while every thread is taken. A kept-alive
        connection is read again without going through the kernel's backlog, so under
        load the connections waiting there starved behind the kept-alive ones (p99 16-22
        s with 200 clients behind nginx, benchmarks/results/load.md); closing after each
        answer then sends the next request through the backlog, first come first served."""
        return 0 if self._busy >= self.cfg.threads else self._max_keepalived

    @max_keepalived.setter
    def max_keepalived(self, value: int) -> None:  # gthread sets it from the settings
        self._max_keepalived = value

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self._busy < self.cfg.threads)

    def enqueue_req(self, conn) -> None:
        self._busy += 1
        if self._busy >= self.cfg.threads:  # the main loop only calls the above on a change
            self.set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        self._busy -= 1
        super().finish_request(conn, fs)
        if self.alive:  # a thread is free again: take the next connection now
            self.set_accept_enabled(self.nr_conns < self.worker_connections)

    def handle(self, conn):
        """In a pool thread: the request line and headers are due `header_timeout` s on."""
        self._reading[conn] = time.monotonic() + self.header_timeout
        try:
            return super().handle(conn)
        finally:
            self._reading.pop(conn, None)

    def handle_request(self, req, conn):
        """The headers are in: no deadline on the answer, a bound on each body read."""
        self._reading.pop(conn, None)
        conn.sock.settimeout(self.header_timeout)
        return super().handle_request(req, conn)

    def murder_pending(self) -> None:
        """Runs on every turn of the main loop (at least once a second)."""
        super().murder_pending()
        now = time.monotonic()
        for conn, due in list(self._reading.items()):
            if due < now and self._reading.pop(conn, None) is not None:
                self._cut(conn)

    def _cut(self, conn) -> None:
        """Answer 408 and close; the thread reading it sees the end of the stream."""
        detail = (f"the request line and headers did not arrive within "
                  f"{self.header_timeout:g} s")
        self.log.warning("closing a slow connection from %s: %s", conn.client, detail)
        try:
            conn.sock.send(_problem(408, "Request Timeout", detail), socket.MSG_DONTWAIT)
        except OSError:
            pass
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- gunicorn's own errors as problem+json ---------------------------------------
    def handle_error(self, req, client, addr, exc):
        """gunicorn's own handling (status, logs), its HTML answer sent as a problem."""
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        status = _STATUS_LINE.match(captured.data)
        if status is None:
            return
        code, reason = int(status[1]), status[2].decode("latin-1")
        message = _MESSAGE.search(captured.data)
        detail = html.unescape(message[1].decode("latin-1").strip()) if message else ""
        if code >= 500:
            detail = "an unexpected error occurred; it was logged"
        try:
            util.write_nonblock(client, _problem(code, reason, detail or reason))
        except OSError:
            self.log.debug("Failed to send error message.")


def _problem(status: int, title: str, detail: str) -> bytes:
    """A whole HTTP/1.1 answer carrying a problem, closing the connection."""
    payload = json.dumps(problems.body(status, title, detail)).encode()
    head = (f"HTTP/1.1 {status} {title}\r\nConnection: close\r\n"
            f"Content-Type: {problems.MEDIA_TYPE}\r\nContent-Length: {len(payload)}\r\n"
            f"X-Content-Type-Options: nosniff\r\n\r\n")
    return head.encode("latin-1") + payload


class _Captured:
    """Stands in for the client socket while gunicorn writes its HTML error page."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data
