"""activities: index on (account_id, type, occurred_at) for "the last visit or meeting" lookups

Revision ID: perf_0001
Revises: targets_0001
"""

from __future__ import annotations

from alembic import op

revision = "perf_0001"
down_revision = "targets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_activities_account_type_time", "activities", ["account_id", "type", "occurred_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_activities_account_type_time", table_name="activities")
