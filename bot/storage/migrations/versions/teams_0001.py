"""teams: who reports to whom, and each team's digest channel

Revision ID: teams_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "teams_0001"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("manager_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "member_id", name=op.f("pk_team_members")),
    )
    op.create_index("ix_team_members_manager", "team_members", ["team_id", "manager_id"], unique=False)
    op.create_table(
        "team_settings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("manager_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "manager_id", name=op.f("pk_team_settings")),
    )


def downgrade() -> None:
    op.drop_table("team_settings")
    op.drop_index("ix_team_members_manager", table_name="team_members")
    op.drop_table("team_members")
