"""Prometheus helpers: a registry per app (so tests get a fresh one) and the /metrics ASGI app."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Histogram, make_asgi_app
from prometheus_client.core import Counter, Gauge, Info

# Buckets for request and produce latencies (seconds): 0.5 ms .. 10 s.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def new_registry() -> CollectorRegistry:
    return CollectorRegistry(auto_describe=True)


def asgi_app(registry: CollectorRegistry):  # noqa: ANN201 - prometheus_client's ASGI callable
    """The Prometheus text endpoint for `registry`, to mount at /metrics."""
    return make_asgi_app(registry=registry)


def init_labels(metric: Counter | Gauge | Histogram, label: str, values: Iterable[str]) -> None:
    """Create the labelled series at zero so dashboards and alerts see them before the first event."""
    for value in values:
        metric.labels(**{label: value})


__all__ = ["Counter", "Gauge", "Histogram", "Info", "LATENCY_BUCKETS", "SIZE_BUCKETS",
           "asgi_app", "init_labels", "new_registry"]
