"""Slow clients: connections that send a request line, then a header every few seconds."""

from __future__ import annotations

import socket
import threading
import time


class SlowClients:
    """`n` connections to 127.0.0.1:`port` trickling headers every `every` seconds until
    stopped (or for `duration` s at most); `answers` keeps what each was sent back."""

    def __init__(self, port: int, n: int = 50, every: float = 2.0, duration: float = 60.0):
        self.port, self.n, self.every, self.duration = port, n, every, duration
        self.answers: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.opened = 0

    def __enter__(self) -> SlowClients:
        self._thread.start()
        while self.opened < self.n and self._thread.is_alive():
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def wait(self) -> None:
        """Until every connection was answered or closed, or `duration` is over."""
        self._thread.join()

    def _run(self) -> None:
        conns = []
        for _ in range(self.n):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            conns.append(s)
            self.opened += 1
        deadline = time.monotonic() + self.duration
        answers: dict[socket.socket, bytes] = {}
        k = 0
        while not self._stop.wait(self.every) and time.monotonic() < deadline:
            k += 1
            for s in conns:
                if s in answers:
                    continue
                answer = _read(s)  # read before writing: a write to a closed socket
                if answer is not None:  # draws a reset, which discards the answer
                    answers[s] = answer
                    continue
                try:
                    s.send(b"X-Slow-%d: x\r\n" % k)
                except OSError:
                    answers[s] = b""
            if len(answers) == len(conns):
                break
        for s in conns:
            self.answers.append(answers.get(s) or _read(s) or b"")
            s.close()


def _read(s: socket.socket) -> bytes | None:
    """What the server sent (b"" once it closed without a word), or None: nothing yet."""
    try:
        return s.recv(65536)
    except BlockingIOError:
        return None
    except OSError:
        return b""
