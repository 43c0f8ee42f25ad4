"""workspaces: each workspace's own playbook (/salesbot playbook set)

Revision ID: workspaces_0003_playbooks
Revises: requests_0001_seen_requests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "workspaces_0003_playbooks"
down_revision = "requests_0001_seen_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_playbooks",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspace_playbooks")),
    )


def downgrade() -> None:
    op.drop_table("workspace_playbooks")
