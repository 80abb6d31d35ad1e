"""A counter for events.seq that never goes back, so the live stream never reuses a position.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO store_counters (name, value) SELECT 'event_seq', COALESCE(MAX(seq), 0) FROM events")


def downgrade() -> None:
    op.drop_table("store_counters")
