"""Prometheus helpers: a registry per app (so tests get a fresh one) and the /metrics ASGI app."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import Counter, Gauge, Info
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Buckets for request and produce latencies (seconds): 0.5 ms .. 10 s.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def new_registry() -> CollectorRegistry:
    return CollectorRegistry(auto_describe=True)


def metrics_route(registry: CollectorRegistry, path: str = "/metrics") -> Route:
    """A route serving `registry` in the Prometheus text format (no redirect, unlike a mount)."""

    async def endpoint(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return Route(path, endpoint, methods=["GET"], include_in_schema=False)


def init_labels(metric: Counter | Gauge | Histogram, label: str, values: Iterable[str]) -> None:
    """Create the labelled series at zero so dashboards and alerts see them before the first event."""
    for value in values:
        metric.labels(**{label: value})


__all__ = [
    "LATENCY_BUCKETS",
    "SIZE_BUCKETS",
    "Counter",
    "Gauge",
    "Histogram",
    "Info",
    "init_labels",
    "metrics_route",
    "new_registry",
]
