"""How many CPUs this process may use: the container's limit, not the host's core count.

A container limited to 2 CPUs on a 64-core host sees 64 in os.cpu_count(); sizing
gunicorn from that starts 129 workers that fight over 2 CPUs' worth of time. The
limit is the CFS quota (cgroup v2 `cpu.max`, v1 `cpu.cfs_quota_us` over
`cpu.cfs_period_us`), rounded up, and never more than the CPUs we may run on.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def available(root: Path = CGROUP) -> int:
    """CPUs this process may use: the cgroup quota if any, else the CPUs it may run on."""
    usable = _affinity()
    quota = quota_cpus(root)
    return max(1, min(usable, math.ceil(quota))) if quota else usable


def quota_cpus(root: Path = CGROUP) -> float | None:
    """The CFS quota in CPUs (1.5 for "150000 100000"), or None when unlimited."""
    v2 = _read(root / "cpu.max")
    if v2 is not None:
        return _ratio(*(v2.split() + ["100000"])[:2])
    for folder in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        quota = _read(root / folder / "cpu.cfs_quota_us")
        if quota is not None:
            return _ratio(quota, _read(root / folder / "cpu.cfs_period_us") or "100000")
    return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:  # "max": no limit
        return None
    return q / p if q > 0 and p > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _affinity() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
