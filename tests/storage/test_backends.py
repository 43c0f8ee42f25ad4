from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from bot.storage.models import Base


def test_migrations_match_models_on_every_backend(db_engine: Engine) -> None:
    """SQLite always; PostgreSQL too when SALESBOT_TEST_POSTGRES_URL is set."""
    with db_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
