"""tasks.booked_at: the time a planned visit's slot was booked for ("Slot booked" on its announcement)

Revision ID: visits_0001_booked
Revises: perf_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "visits_0001_booked"
down_revision = "perf_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("booked_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("booked_at")
