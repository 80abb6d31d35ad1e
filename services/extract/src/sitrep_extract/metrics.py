"""The extract service's Prometheus metrics, on a registry of their own (tests get a fresh one)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from sitrep_shared import metrics
from sitrep_shared.models import EVENT_TYPES

OUTCOMES = ("consumed", "extracted", "dead_lettered")
DLQ_REASONS = ("not_json", "invalid_article", "too_large", "model_error")
READ_BY = ("all_members", "first_member")
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
MODEL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ExtractMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or metrics.new_registry()
        r = self.registry
        self.articles = Counter("sitrep_extract_articles_total",
                                "Articles consumed, extracted and dead-lettered.", ["outcome"], registry=r)
        self.dead_letters = Counter("sitrep_extract_dead_letters_total",
                                    "Input messages sent to the dead-letter topic, by reason.",
                                    ["reason"], registry=r)
        self.events = Counter("sitrep_extract_events_total", "Events extracted, by type.", ["type"],
                              registry=r)
        self.model_errors = Counter("sitrep_extract_model_errors_total",
                                    "Exceptions raised by the model (batch or single article).",
                                    registry=r)
        self.sentences = Counter("sitrep_extract_sentences_total",
                                 "Sentences an ensemble model read; read_by=first_member: screened out by the "
                                 "first member (SITREP_ENSEMBLE_SCREEN).", ["read_by"], registry=r)
        self.broker_retries = Counter("sitrep_extract_broker_retries_total",
                                      "Retries after the broker was unavailable.", ["operation"],
                                      registry=r)
        self.batch_size = Histogram("sitrep_extract_batch_size_articles",
                                    "Messages per micro-batch.", buckets=BATCH_BUCKETS, registry=r)
        self.model_latency = Histogram("sitrep_extract_model_latency_seconds",
                                       "Model time per micro-batch.", buckets=MODEL_BUCKETS, registry=r)
        self.batch_latency = Histogram("sitrep_extract_batch_duration_seconds",
                                       "Micro-batch time from fetch to commit.", buckets=MODEL_BUCKETS,
                                       registry=r)
        self.lag = Gauge("sitrep_extract_consumer_lag",
                         "Messages between the consumer position and the end of the partition.",
                         ["topic", "partition"], registry=r)
        self.committed = Gauge("sitrep_extract_last_committed_offset",
                               "Last offset committed, per partition (the next one to read).",
                               ["topic", "partition"], registry=r)
        self.assigned = Gauge("sitrep_extract_assigned_partitions", "Partitions assigned to this worker.",
                              registry=r)
        self.ready = Gauge("sitrep_extract_ready", "1 when the model is loaded and partitions assigned.",
                           registry=r)
        self.model = Info("sitrep_extract_model", "The extractor that produces the events.", registry=r)
        metrics.init_labels(self.articles, "outcome", OUTCOMES)
        metrics.init_labels(self.dead_letters, "reason", DLQ_REASONS)
        metrics.init_labels(self.events, "type", EVENT_TYPES)
        metrics.init_labels(self.sentences, "read_by", READ_BY)
        metrics.init_labels(self.broker_retries, "operation", ("produce", "commit", "fetch"))

    def set_partitions(self, gauge: Gauge, values: dict[tuple[str, int], int]) -> None:
        """Replace the per-partition series of `gauge` with `values` (drops revoked partitions)."""
        gauge.clear()
        for (topic, partition), value in values.items():
            gauge.labels(topic=topic, partition=str(partition)).set(value)
