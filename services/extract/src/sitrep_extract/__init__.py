"""Sitrep extract service: reads articles from Kafka into structured conflict events."""

__version__ = "0.1.0"
