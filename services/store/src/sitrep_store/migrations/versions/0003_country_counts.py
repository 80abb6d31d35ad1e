"""Counts by type and country over all days, so unfiltered stats do not sum every daily row.

Also drops `ix_articles_published_at`: no query reads articles by publication time, and every
article insert paid for it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "country_counts",
        sa.Column("type", sa.String(40), primary_key=True),
        sa.Column("country_code", sa.String(2), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO country_counts (type, country_code, n) "
               "SELECT type, country_code, SUM(n) FROM daily_country_counts GROUP BY type, country_code")
    op.drop_index("ix_articles_published_at", table_name="articles")


def downgrade() -> None:
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    op.drop_table("country_counts")
