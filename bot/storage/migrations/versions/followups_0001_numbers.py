"""tasks.number: a follow-up's number in its assignee's own sequence, unique per assignee

Existing follow-ups are numbered 1, 2, 3 … per assignee in the order they were created.

Revision ID: followups_0001_numbers
Revises: perf_0002_planning_marks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "followups_0001_numbers"
down_revision = "perf_0002_planning_marks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    # One statement for the whole table (UPDATE … FROM: SQLite 3.33+, PostgreSQL).
    op.execute(
        "UPDATE tasks SET number = numbered.n FROM ("
        " SELECT id, ROW_NUMBER() OVER (PARTITION BY assignee_id ORDER BY id) AS n"
        " FROM tasks WHERE kind = 'followup'"
        ") AS numbered WHERE tasks.id = numbered.id"
    )
    # On SQLite the unique key is added by copying the table, and dropping the old copy deletes what
    # refers to it (cascading to the follow-ups' reminders): the reminders are kept aside and put back.
    op.execute("CREATE TEMPORARY TABLE kept_reminders AS SELECT * FROM reminders")
    with op.batch_alter_table("tasks") as batch:
        batch.create_unique_constraint("uq_tasks_assignee_number", ["assignee_id", "number"])
    op.execute("INSERT INTO reminders SELECT * FROM kept_reminders WHERE id NOT IN (SELECT id FROM reminders)")
    op.execute("DROP TABLE kept_reminders")


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint("uq_tasks_assignee_number", type_="unique")
        batch.drop_column("number")
