"""Several instances starting at once on an empty database: each applies pending migrations first."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.storage.db import alembic_config, make_engine, upgrade
from tests.conftest import POSTGRES_ENV, database_backends
from tests.helpers import fresh_postgres_schema


@contextmanager
def _empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with fresh_postgres_schema(os.environ[POSTGRES_ENV], migrate=False) as url:
            yield url


@pytest.mark.parametrize("backend", database_backends())
def test_instances_starting_together_migrate_once_and_all_start(backend: str, tmp_path: Path) -> None:
    with _empty_database(backend, tmp_path) as url:
        engines = [make_engine(url) for _ in range(3)]
        barrier = threading.Barrier(len(engines))
        errors: list[BaseException] = []

        def start(engine_index: int) -> None:
            barrier.wait()
            try:
                upgrade(engines[engine_index])
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(i,)) for i in range(len(engines))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert errors == []
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        with engines[0].connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
        for engine in engines:
            engine.dispose()
