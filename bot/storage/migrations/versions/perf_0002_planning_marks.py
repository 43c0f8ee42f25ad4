"""planning_marks and planning_state: the minute's planning passes look only at what changed

Revision ID: perf_0002_planning_marks
Revises: audit_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "perf_0002_planning_marks"
down_revision = "audit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    marks = op.create_table(
        "planning_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_marks")),
    )
    op.create_table(
        "planning_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_planning_state")),
    )
    # Existing data was never marked: the first passes after the upgrade look at everything once.
    op.bulk_insert(marks, [{"kind": "account"}, {"kind": "person"}])


def downgrade() -> None:
    op.drop_table("planning_state")
    op.drop_table("planning_marks")
