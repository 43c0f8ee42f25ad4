"""workspaces: every workspace-owned row carries its team_id; per-team uniqueness; the workspaces table

Revision ID: workspaces_0002
Revises: workspaces_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision = "workspaces_0002"
down_revision = "workspaces_0001"
branch_labels = None
depends_on = None

# Rows written before this migration belong to the one workspace salesbot served: the same key as
# accounts and profiles already carry (T_LOCAL).
EXISTING = "T_LOCAL"
NEW_COLUMN = (
    "activities",
    "tasks",
    "visit_plans",
    "signals",
    "opportunities",
    "contacts",
    "contact_stage_changes",
    "activity_contacts",
    "opportunity_contacts",
    "planning_marks",
)


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy: on SQLite a copy of a table other rows refer to would cascade).
    for table in NEW_COLUMN:
        op.add_column(table, sa.Column("team_id", sa.String(length=32), nullable=False, server_default=EXISTING))
        op.create_index(f"ix_{table}_team_id", table, ["team_id"])
    # Follow-up numbers are per person of a workspace. On SQLite the unique key changes by copying the
    # table, and dropping the old copy deletes (cascading to their reminders) what refers to it: the
    # reminders are kept aside and put back.
    op.execute("CREATE TEMPORARY TABLE kept_reminders AS SELECT * FROM reminders")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("uq_tasks_assignee_number", type_="unique")
        batch.create_unique_constraint("uq_tasks_team_assignee_number", ["team_id", "assignee_id", "number"])
    op.execute("INSERT INTO reminders SELECT * FROM kept_reminders WHERE id NOT IN (SELECT id FROM reminders)")
    op.execute("DROP TABLE kept_reminders")
    # These are referred to by no other table: their unique keys become per team by a copy.
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("team_id", sa.String(length=32), nullable=False, server_default=EXISTING))
        batch.drop_constraint("uq_reminders_dedupe_key", type_="unique")
        batch.create_unique_constraint("uq_reminders_team_dedupe_key", ["team_id", "dedupe_key"])
        batch.create_index("ix_reminders_team_status_due", ["team_id", "status", "due_at"])
        batch.create_index("ix_reminders_team_id", ["team_id"])
    with op.batch_alter_table("nudge_states") as batch:
        batch.add_column(sa.Column("team_id", sa.String(length=32), nullable=False, server_default=EXISTING))
        batch.drop_constraint("uq_nudge_states_user_subject", type_="unique")
        batch.create_unique_constraint("uq_nudge_states_team_user_subject", ["team_id", "user_id", "subject"])
        batch.create_index("ix_nudge_states_team_id", ["team_id"])
    for table, key in (("job_runs", "job_id"), ("planning_state", "name")):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.add_column(
                sa.Column("team_id", sa.String(length=32), nullable=False, server_default=EXISTING)
            )
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["team_id", key])
    op.create_table(
        "workspaces",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=True),
        sa.Column("first_seen_at", bot.storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspaces")),
    )


def downgrade() -> None:
    op.drop_table("workspaces")
    for table, key in (("planning_state", "name"), ("job_runs", "job_id")):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", [key])
            batch.drop_column("team_id")
    with op.batch_alter_table("nudge_states") as batch:
        batch.drop_index("ix_nudge_states_team_id")
        batch.drop_constraint("uq_nudge_states_team_user_subject", type_="unique")
        batch.create_unique_constraint("uq_nudge_states_user_subject", ["user_id", "subject"])
        batch.drop_column("team_id")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_index("ix_reminders_team_status_due")
        batch.drop_index("ix_reminders_team_id")
        batch.drop_constraint("uq_reminders_team_dedupe_key", type_="unique")
        batch.create_unique_constraint("uq_reminders_dedupe_key", ["dedupe_key"])
        batch.drop_column("team_id")
    op.execute("CREATE TEMPORARY TABLE kept_reminders AS SELECT * FROM reminders")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("uq_tasks_team_assignee_number", type_="unique")
        batch.create_unique_constraint("uq_tasks_assignee_number", ["assignee_id", "number"])
    op.execute("INSERT INTO reminders SELECT * FROM kept_reminders WHERE id NOT IN (SELECT id FROM reminders)")
    op.execute("DROP TABLE kept_reminders")
    for table in reversed(NEW_COLUMN):
        op.drop_index(f"ix_{table}_team_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("team_id")
