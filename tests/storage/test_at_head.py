"""Start-up skips Alembic when the schema is already the newest."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from bot.storage.db import alembic_config, at_head, head_revisions, upgrade


def test_head_is_read_from_the_migration_files_as_alembic_reads_it() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revisions() == set(script.get_heads())


def test_a_current_schema_is_at_head_and_an_older_one_is_not(db_engine: Engine) -> None:
    assert at_head(db_engine)
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert not at_head(db_engine)
    with db_engine.begin() as conn:  # back to the head, as Alembic records it
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": next(iter(head_revisions()))})
    upgrade(db_engine)  # nothing to do
    assert at_head(db_engine)
