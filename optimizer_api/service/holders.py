"""Who holds an Idempotency-Key in flight, and whether that process is gone.

A claim records its holder as "NODE PID START NONCE": the node is this kernel's boot id
and PID namespace (so two containers on one host, each with its own PIDs, are two
nodes), START is the process's start time in clock ticks since boot (so a PID reused by
a new process is not taken for the old one), and NONCE tells one claim of the process
from another. A process on the same node can check that a holder still runs; on
another node it cannot, and only the age of the claim counts.
"""

from __future__ import annotations

import os
import secrets
import socket
from functools import cache

_PROC = "/proc"


@cache
def _node() -> str:
    try:
        with open(f"{_PROC}/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        return f"{boot}/{os.stat(f'{_PROC}/self/ns/pid').st_ino}"
    except OSError:  # no /proc (not Linux): the host name, and no start times
        return socket.gethostname().replace(" ", "_")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time) of a process, from /proc/PID/stat; None if it does not exist."""
    try:
        with open(f"{_PROC}/{pid}/stat") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name, in parentheses, may hold spaces
    return fields[0], int(fields[19])


@cache
def _me(pid: int) -> str:
    found = _stat(pid) if os.path.isdir(_PROC) else None
    return f"{_node()} {pid} {found[1] if found else 0}"


def new_claim() -> str:
    """A holder string for a claim this process is about to make."""
    return f"{_me(os.getpid())} {secrets.token_hex(4)}"


def is_gone(holder: str | None) -> bool:
    """True when the holder certainly no longer runs: it ran on this node and its process
    has exited (a zombie counts: it was killed and awaits its parent). False when it
    runs, or when nothing can be told (another node, a record from an older release)."""
    try:
        node, pid, start, _nonce = (holder or "").split(" ")
        pid, start = int(pid), int(start)
    except ValueError:
        return False
    if node != _node():
        return False
    if not os.path.isdir(_PROC):
        return not _pid_exists(pid)
    found = _stat(pid)
    return found is None or found[0] in ("Z", "X") or found[1] != start


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True
