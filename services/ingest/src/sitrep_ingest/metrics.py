"""The ingest service's Prometheus metrics, on a registry of their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from sitrep_shared.metrics import LATENCY_BUCKETS, SIZE_BUCKETS, Counter, Histogram, init_labels, new_registry

OUTCOMES = ("accepted", "duplicate", "invalid", "failed")


@dataclass
class IngestMetrics:
    registry: CollectorRegistry = field(default_factory=new_registry)

    def __post_init__(self) -> None:
        self.articles = Counter(
            "sitrep_ingest_articles", "Articles received, by outcome.", ["outcome"], registry=self.registry
        )
        init_labels(self.articles, "outcome", OUTCOMES)
        self.request_seconds = Histogram(
            "sitrep_ingest_request_duration_seconds", "HTTP request latency.",
            ["route", "method", "status"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.produce_seconds = Histogram(
            "sitrep_ingest_produce_duration_seconds", "Time until the broker acknowledged a publish.",
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.batch_size = Histogram(
            "sitrep_ingest_batch_size", "Articles per batch request.", buckets=SIZE_BUCKETS,
            registry=self.registry,
        )
