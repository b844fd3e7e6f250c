"""A one-line progress bar for `Study.optimize` (no dependency): a bar on a terminal."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

WIDTH = 24
REDRAW = 0.2  # seconds between redraws of the bar


class Progress:
    """Counts finished trials and the best value; draws them on `stream`.

    Args:
        total: how many trials the run expects, or None when unknown.
        direction: minimize or maximize, to know which value is best; None for a study
            of several objectives (no one best value: none is shown).
        show: None draws a bar only when `stream` is a terminal; True also prints a
            line per tenth of the run elsewhere (a log file, CI); False draws nothing.
        stream: where to draw, stderr by default.
    """

    def __init__(
        self, total: int | None, direction: str | None, show: bool | None,
        stream: TextIO | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.mode = None if show is False else "bar" if tty else "lines" if show else None
        self.total, self.maximize = total, direction == "maximize"
        self.track_best = direction is not None
        self.counts: dict[str, int] = {}
        self.best: float | None = None
        self.start = time.monotonic()
        self.last_draw = 0.0
        self.last_line = 0

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    def add(self, state: str, value: float | None) -> None:
        """Count one finished trial; a completed one may be the new best."""
        self.counts[state] = self.counts.get(state, 0) + 1
        if state != "completed" or value is None or not self.track_best:
            return
        if self.best is None or (value > self.best if self.maximize else value < self.best):
            self.best = value

    def draw(self, running: int, force: bool = False) -> None:
        """Redraw the bar (at most every REDRAW seconds) or print a line at each tenth."""
        if self.mode == "bar":
            now = time.monotonic()
            if force or now - self.last_draw >= REDRAW:
                self.last_draw = now
                self.stream.write("\r" + self.line(running) + "\033[K")
                self.stream.flush()
        elif self.mode == "lines":
            step = max(1, math.ceil(self.total / 10)) if self.total else 10
            if self.finished // step > self.last_line // step or force:
                self.last_line = self.finished
                print(self.line(running), file=self.stream, flush=True)

    def line(self, running: int) -> str:
        """The progress as one line of text."""
        done, total = self.finished, self.total
        if total:
            filled = min(WIDTH, round(WIDTH * done / total))
            head = f"[{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total}"
        else:
            head = f"{done} trials"
        states = "  ".join(f"{s} {n}" for s, n in sorted(self.counts.items()))
        best = f"best {self.best:.6g}" if self.best is not None else "best -"
        if not self.track_best:
            best = ""
        elapsed = int(time.monotonic() - self.start)
        clock = f"{elapsed // 60}:{elapsed % 60:02d}"
        return "  ".join(p for p in (head, states, f"running {running}", best, clock) if p)

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.mode == "bar":
            self.draw(0, force=True)
            self.stream.write("\n")
            self.stream.flush()
        elif self.mode == "lines" and self.last_line != self.finished:
            self.draw(0, force=True)
