"""user_profiles.locale: Slack's locale, for reading numeric dates day- or month-first

Revision ID: dates_0001_profile_locale
Revises: teams_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dates_0001_profile_locale"
down_revision = "teams_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_profiles") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_profiles") as batch:
        batch.drop_column("locale")
