"""targets: action plans per rep and per team; an index for per-person activity counts

Revision ID: targets_0001
Revises: dates_0001_profile_locale
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "targets_0001"
down_revision = "dates_0001_profile_locale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("per", sa.String(length=10), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("team_id", "scope", "subject_id", "metric", name="uq_targets_subject_metric"),
    )
    op.create_index("ix_activities_user_time", "activities", ["user_id", "occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_activities_user_time", table_name="activities")
    op.drop_table("targets")
