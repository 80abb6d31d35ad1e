"""Drop the stance and confidence indexes: every event insert paid for them, no query needs them.

A stance has three values and a confidence threshold keeps most events, so both filters are
answered by walking the sort index (or another filter's index) and checking the row; at a million
events that reads a few hundred rows per page. Each of the two indexes cost about 4% of the apply
throughput, as every insert lands on a random page of it.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_stance_sort", table_name="events")
    op.drop_index("ix_events_confidence", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_confidence", "events", ["confidence"])
    op.create_index("ix_events_stance_sort", "events", ["stance", "event_date", "event_id"])
