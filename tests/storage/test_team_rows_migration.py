"""The workspaces migration: rows written before it belong to the single workspace, and nothing is lost
(follow-ups and their reminders survive the tasks table being copied on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from bot.storage.db import alembic_config, make_engine, upgrade

AT = "'2026-11-23 09:00:00'"


def test_existing_rows_are_the_single_workspace_and_survive(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "workspaces_0001")
        conn.execute(
            text(
                "INSERT INTO accounts (id, team_id, name, name_key, search_key, status, tags, created_at, "
                f"updated_at) VALUES (1, 'T_LOCAL', 'Acme', 'acme', 'acme', 'customer', '[]', {AT}, {AT})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tasks (id, kind, account_id, title, assignee_id, due_at, all_day, status, "
                f"created_at, number) VALUES (7, 'followup', 1, 'Call', 'U0ALICE', {AT}, 0, 'open', {AT}, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO reminders (kind, task_id, payload, due_at, status, attempts, created_at, "
                f"dedupe_key) VALUES ('followup_due', 7, '{{}}', {AT}, 'pending', 0, {AT}, 'followup:7')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT team_id, number FROM tasks")).all() == [("T_LOCAL", 1)]
        assert conn.execute(text("SELECT team_id, task_id, dedupe_key FROM reminders")).all() == [
            ("T_LOCAL", 7, "followup:7")
        ]
    engine.dispose()
