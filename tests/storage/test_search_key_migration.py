"""The accounts.search_key migration fills the key of accounts created before it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from bot.storage.db import alembic_config, make_engine, upgrade


def test_existing_accounts_get_their_search_key(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "targets_0001")
        conn.execute(
            text(
                "INSERT INTO accounts (team_id, name, name_key, status, tags, created_at, updated_at) "
                "VALUES ('T_LOCAL', 'L’Oréal & Co', 'l’oréal & co', 'customer', '[]', "
                "'2026-11-23 09:00:00', '2026-11-23 09:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT search_key FROM accounts")) == "loreal co"
    engine.dispose()
