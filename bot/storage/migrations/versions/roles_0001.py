"""roles: each person's (or Slack user group's) role, seeded from the playbook at the first start

Revision ID: roles_0001
Revises: workspaces_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "roles_0001"
down_revision = "workspaces_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=True),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("members_checked_at", bot.storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("set_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "subject_id", name=op.f("pk_roles")),
    )


def downgrade() -> None:
    op.drop_table("roles")
