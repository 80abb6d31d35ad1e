"""Sitrep code shared by the ingest, extract and store services."""
