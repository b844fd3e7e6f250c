"""Prometheus metrics, correct across gunicorn's worker processes.

Under gunicorn each worker writes its samples to PROMETHEUS_MULTIPROC_DIR (a fresh
folder per master, see gunicorn_conf.py) and a scrape of any worker adds them all up
(prometheus_client's multiprocess mode). Without that variable (tests, a bare Flask
app) the process's own registry is served. The metric objects live here, once per
process, as prometheus_client expects; the app and the service record into them.

The trials per state are not counted here: they are read from the store at scrape
time (see `TrialStates`), so that they are right whatever replica changed them and
whenever a lease lapsed, which no request announces.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

REQUESTS = Counter(
    "optimizer_http_requests", "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "optimizer_http_request_duration_seconds", "Time to answer a request, by route.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SUGGEST = Histogram(
    "optimizer_suggest_duration_seconds",
    "Time to hand out new trials in a suggest (the sampler included), by algorithm.",
    ["algorithm"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
LEASES_EXPIRED = Counter(
    "optimizer_leases_expired", "Running trials marked expired because their lease lapsed.",
)
REPLAYS = Counter(
    "optimizer_idempotent_replays",
    "Requests answered from a stored Idempotency-Key answer, by route.", ["route"],
)
STORE_UNAVAILABLE = Counter(
    "optimizer_store_unavailable",
    "Requests answered 503 because the store was busy or out of reach.",
)


class TrialStates(Collector):
    """The gauge `optimizer_trials{state}`: every study's trials per state, read from the
    store at scrape time by `counts` (None when the store does not answer)."""

    def __init__(self, counts: Callable[[], dict[str, int] | None]):
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("optimizer_trials", "Trials of every study, by state.",
                                  labels=["state"])
        for state, n in sorted((self.counts() or {}).items()):
            gauge.add_metric([state], n)
        yield gauge


def exposition(extra: Collector) -> tuple[bytes, str]:
    """The text a scrape gets: every worker's samples (or this process's), and `extra`."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Process())
    registry.register(extra)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Process(Collector):
    """This process's own metrics (the default registry's), without a second copy."""

    def collect(self):
        return REGISTRY.collect()
