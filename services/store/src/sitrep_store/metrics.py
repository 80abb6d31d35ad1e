"""The store's Prometheus metrics, on a registry of its own (tests get a fresh one)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from sitrep_shared import metrics as m

ROUTES = ("/v1/events", "/v1/events/{event_id}", "/v1/articles/{article_id}", "/v1/stats",
          "/v1/events.csv", "/v1/events.geojson", "/v1/stream", "/", "/events/{event_id}",
          "/articles/{article_id}")


class StoreMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or m.new_registry()
        r = self.registry
        self.extractions = m.Counter("sitrep_store_extractions_applied_total",
                                     "Extractions handled, by outcome (applied, unchanged).",
                                     ["outcome"], registry=r)
        m.init_labels(self.extractions, "outcome", ["applied", "unchanged"])
        self.events_written = m.Counter("sitrep_store_events_written_total",
                                        "Events inserted (new or replacing).", registry=r)
        self.events_removed = m.Counter("sitrep_store_events_removed_total",
                                        "Events deleted by a replacement.", registry=r)
        self.events_stored = m.Gauge("sitrep_store_events_stored", "Events in the store now.", registry=r)
        self.apply_seconds = m.Histogram("sitrep_store_apply_duration_seconds",
                                         "Time to apply one batch of extractions in one DB transaction.",
                                         buckets=m.LATENCY_BUCKETS, registry=r)
        self.query_seconds = m.Histogram("sitrep_store_query_duration_seconds",
                                         "HTTP request latency by route.", ["route"],
                                         buckets=m.LATENCY_BUCKETS, registry=r)
        m.init_labels(self.query_seconds, "route", ROUTES)
        self.lag = m.Gauge("sitrep_store_consumer_lag_messages", "Consumer lag per partition.",
                           ["topic", "partition"], registry=r)
        self.dlq = m.Counter("sitrep_store_dlq_messages_total", "Messages sent to the dead-letter topic.",
                             ["reason"], registry=r)
        m.init_labels(self.dlq, "reason", ["not_extraction", "rejected_by_database"])
        self.db_up = m.Gauge("sitrep_store_database_up", "1 when the database answers.", registry=r)
