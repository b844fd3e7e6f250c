"""What every GP result file starts with: when, how it was produced, and the machine's load."""

from __future__ import annotations

import datetime
import os
import shlex
import sys


def header(note: str = "") -> str:
    """Markdown lines: date, the command (as run), the load average at the time."""
    cmd = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable), *sys.argv])
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    now = datetime.datetime.now().astimezone().isoformat(timespec="minutes")
    lines = [
        f"Date: {now}. Command: `{cmd}`.",
        f"Load average (1, 5, 15 min) when written: {load} on {os.cpu_count()} cores "
        "(a shared machine: times are noisy; ratios are measured side by side).",
    ]
    return "\n".join(lines + ([note] if note else [])) + "\n\n"
