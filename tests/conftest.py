from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.db import make_engine, upgrade
from tests.helpers import ALICE, BOB, CAROL, FakeSlack, Harness, migrated_sqlite, session_factory_for


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database per test run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(tmp_path: Path, sqlite_template: Path) -> Iterator:
    with migrated_sqlite(tmp_path, sqlite_template) as engine:
        yield engine


@pytest.fixture
def session_factory(engine):  # type: ignore[no-untyped-def]
    return session_factory_for(engine)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack([ALICE, BOB, CAROL]).start()
    yield fake
    fake.stop()


@pytest.fixture
def bot(fake_slack: FakeSlack, session_factory) -> Harness:  # type: ignore[no-untyped-def]
    return Harness.create(fake_slack, session_factory)
