"""The store's schema as SQLAlchemy Core tables (the migrations in `migrations/` create it)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias), not BIGINT.
Seq = BigInteger().with_variant(Integer, "sqlite")
Json = JSON().with_variant(JSONB, "postgresql")

metadata = MetaData()

articles = Table(
    "articles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("url", Text),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("source", String(200)),
    Column("author", Text),
    Column("language", String(16)),
    Column("published_at", DateTime),  # naive UTC on both backends
    Column("ingested_at", DateTime, nullable=False),
    Column("model_name", String(100), nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("extracted_at", DateTime, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("event_count", Integer, nullable=False),
)

# `seq` is assigned on every insert, so a replaced event gets a new one: the live stream's position.
events = Table(
    "events",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("article_id", String(64), ForeignKey("articles.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("stance", String(16), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("summary", Text, nullable=False),
    Column("claimant", Text),
    Column("claimant_lc", Text),
    Column("actor", Text),
    Column("actor_lc", Text),
    Column("event_date", Date, nullable=False),  # occurred_on, else the publication (or ingestion) day
    Column("occurred_on", Date),
    Column("published_at", DateTime),
    Column("source", String(200)),
    Column("model_version", String(100), nullable=False),
    Column("search_text", Text, nullable=False),
    Column("payload", Json, nullable=False),
    Index("ix_events_sort", "event_date", "event_id"),
    Index("ix_events_type_sort", "type", "event_date", "event_id"),
    Index("ix_events_claimant", "claimant_lc", "event_date", "event_id"),
    Index("ix_events_actor", "actor_lc", "event_date", "event_id"),
    Index("ix_events_article", "article_id"),
    Index("ix_events_published", "published_at"),
    Index("ix_events_model_version", "model_version"),
)

event_locations = Table(
    "event_locations",
    metadata,
    Column("event_seq", Seq, ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_lc", Text, nullable=False),
    Column("country_code", String(2)),
    Column("lat", Float),
    Column("lon", Float),
    Column("precision", String(16), nullable=False),
    Index("ix_locations_country", "country_code", "event_seq"),
    Index("ix_locations_name", "name_lc", "event_seq"),
    Index("ix_locations_lonlat", "lon", "lat"),
)

# Roll-ups kept in the apply transaction so that unfiltered counts do not scan a million rows.
daily_counts = Table(
    "daily_counts",
    metadata,
    Column("type", String(40), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("n", Integer, nullable=False),
)

daily_country_counts = Table(
    "daily_country_counts",
    metadata,
    Column("type", String(40), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("country_code", String(2), primary_key=True),
    Column("n", Integer, nullable=False),
)

# The same over all days: what unfiltered stats read for the countries.
country_counts = Table(
    "country_counts",
    metadata,
    Column("type", String(40), primary_key=True),
    Column("country_code", String(2), primary_key=True),
    Column("n", Integer, nullable=False),
)

# Last `events.seq` handed out: seqs are assigned by the (single, locked) writer and never reused.
store_counters = Table(
    "store_counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
