"""Initial schema: articles, events, locations, roll-ups, full-text search.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer, "sqlite")
Json = sa.JSON().with_variant(JSONB, "postgresql")


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.String(200)),
        sa.Column("author", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("published_at", sa.DateTime),
        sa.Column("ingested_at", sa.DateTime, nullable=False),
        sa.Column("model_name", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("extracted_at", sa.DateTime, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.create_table(
        "events",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("article_id", sa.String(64), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("stance", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("claimant", sa.Text),
        sa.Column("claimant_lc", sa.Text),
        sa.Column("actor", sa.Text),
        sa.Column("actor_lc", sa.Text),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("occurred_on", sa.Date),
        sa.Column("published_at", sa.DateTime),
        sa.Column("source", sa.String(200)),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("payload", Json, nullable=False),
    )
    for name, cols in {
        "ix_events_sort": ["event_date", "event_id"],
        "ix_events_type_sort": ["type", "event_date", "event_id"],
        "ix_events_stance_sort": ["stance", "event_date", "event_id"],
        "ix_events_claimant": ["claimant_lc", "event_date", "event_id"],
        "ix_events_actor": ["actor_lc", "event_date", "event_id"],
        "ix_events_article": ["article_id"],
        "ix_events_published": ["published_at"],
        "ix_events_model_version": ["model_version"],
        "ix_events_confidence": ["confidence"],
    }.items():
        op.create_index(name, "events", cols)
    op.create_table(
        "event_locations",
        sa.Column("event_seq", Seq, sa.ForeignKey("events.seq", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_lc", sa.Text, nullable=False),
        sa.Column("country_code", sa.String(2)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("precision", sa.String(16), nullable=False),
    )
    op.create_index("ix_locations_country", "event_locations", ["country_code", "event_seq"])
    op.create_index("ix_locations_name", "event_locations", ["name_lc", "event_seq"])
    op.create_index("ix_locations_lonlat", "event_locations", ["lon", "lat"])
    op.create_table(
        "daily_counts",
        sa.Column("type", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "daily_country_counts",
        sa.Column("type", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE events ADD COLUMN search tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
        )
        op.execute("CREATE INDEX ix_events_search ON events USING GIN (search)")
    else:
        # External-content FTS5 index over events.search_text, kept in step by triggers.
        op.execute(
            "CREATE VIRTUAL TABLE events_fts USING fts5(search_text, content='events', "
            "content_rowid='seq', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER events_fts_ai AFTER INSERT ON events BEGIN "
            "INSERT INTO events_fts(rowid, search_text) VALUES (new.seq, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER events_fts_ad AFTER DELETE ON events BEGIN "
            "INSERT INTO events_fts(events_fts, rowid, search_text) "
            "VALUES ('delete', old.seq, old.search_text); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS events_fts")
    for table in ("daily_country_counts", "daily_counts", "event_locations", "events", "articles"):
        op.drop_table(table)
