"""Sitrep ingest: takes articles over HTTP or from files and publishes them to Kafka."""
