"""The follow-up numbering migration numbers existing follow-ups per assignee and loses nothing
(their reminders survive the tasks table being copied on SQLite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from bot.storage.db import alembic_config, make_engine

AT = "'2026-11-23 09:00:00'"


def test_existing_follow_ups_are_numbered_and_keep_their_reminders(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "perf_0002_planning_marks")
        conn.execute(
            text(
                "INSERT INTO accounts (id, team_id, name, name_key, search_key, status, tags, created_at, "
                f"updated_at) VALUES (1, 'T_LOCAL', 'Acme', 'acme', 'acme', 'customer', '[]', {AT}, {AT})"
            )
        )
        for task_id, assignee in ((7, "U0ALICE"), (8, "U0BOB"), (9, "U0ALICE")):
            conn.execute(
                text(
                    "INSERT INTO tasks (id, kind, account_id, title, assignee_id, due_at, all_day, status, "
                    f"created_at) VALUES ({task_id}, 'followup', 1, 'Call', '{assignee}', {AT}, 0, 'open', {AT})"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reminders (kind, task_id, payload, due_at, status, attempts, created_at, "
                    f"dedupe_key) VALUES ('followup_due', {task_id}, '{{}}', {AT}, 'pending', 0, {AT}, "
                    f"'followup:{task_id}')"
                )
            )
        command.upgrade(cfg, "followups_0001_numbers")
        assert conn.execute(text("SELECT id, assignee_id, number FROM tasks ORDER BY id")).all() == [
            (7, "U0ALICE", 1),
            (8, "U0BOB", 1),
            (9, "U0ALICE", 2),
        ]
        assert conn.execute(text("SELECT task_id FROM reminders ORDER BY task_id")).scalars().all() == [
            7,
            8,
            9,
        ]
    engine.dispose()
