"""accounts.search_key: names matched without accents, case, punctuation or kind of apostrophe;
titles the bot wrote name the account through a slot, so a rename shows everywhere

Revision ID: accounts_search_0001
Revises: visits_0001_booked
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.keys import search_key

revision = "accounts_search_0001"
down_revision = "visits_0001_booked"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("search_key", sa.String(length=200), nullable=True))
    conn = op.get_bind()
    accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("search_key", sa.String))
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.name)).all()
    for start in range(0, len(rows), 5000):
        batch_rows = [{"row_id": r.id, "key": search_key(r.name)} for r in rows[start : start + 5000]]
        conn.execute(
            accounts.update().where(accounts.c.id == sa.bindparam("row_id")).values(search_key=sa.bindparam("key")),
            batch_rows,
        )
    with op.batch_alter_table("accounts") as batch:
        batch.alter_column("search_key", existing_type=sa.String(length=200), nullable=False)
        batch.create_index(
            "ix_accounts_team_search",
            ["team_id", "search_key"],
            postgresql_ops={"search_key": "varchar_pattern_ops"},
        )


    # "Visit Acme Corp" → "Visit {account}": the bot's own titles show the account's current name.
    op.execute(
        "UPDATE tasks SET title = REPLACE(title, "
        "(SELECT name FROM accounts WHERE accounts.id = tasks.account_id), '{account}') "
        "WHERE kind IN ('visit', 'noshow') OR title LIKE 'Follow up with %'"
    )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_index("ix_accounts_team_search")
        batch.drop_column("search_key")
