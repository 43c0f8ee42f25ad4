from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from bot.storage.db import make_engine, upgrade
from tests.helpers import (
    ALICE,
    BOB,
    CAROL,
    TEST_CHANNELS,
    FakeSlack,
    Harness,
    PostgresDatabases,
    migrated_sqlite,
    session_factory_for,
)
from tests.hostile.fuzzing import SavedWorld, World

POSTGRES_ENV = "SALESBOT_TEST_POSTGRES_URL"

# Property-based tests are reproducible and bounded: the same examples on every run (derandomize,
# no example database), no per-example deadline (the machine is shared). A test may ask for fewer
# examples with @settings(max_examples=…); ``python -m bench.fuzz`` runs the long campaign.
settings.register_profile(
    "salesbot",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("SALESBOT_HYPOTHESIS_PROFILE", "salesbot"))
EXPECTED = {"channel_not_found", "user_not_in_channel"}


def database_backends() -> list[str]:
    """SQLite always; PostgreSQL as well when a server is given in SALESBOT_TEST_POSTGRES_URL."""
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


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
    fake = FakeSlack([ALICE, BOB, CAROL], channels=TEST_CHANNELS).start()
    yield fake
    fake.stop()
    # A message Slack would refuse is a bug in the app (an unknown channel is the workspace's doing:
    # the app must cope with it, and tests check that it does).
    refused = [f"{r.method}: {r.error} ({r.detail})" for r in fake.refusals() if r.error not in EXPECTED]
    assert not refused, f"Slack would have refused: {refused}"


@pytest.fixture
def bot(fake_slack: FakeSlack, session_factory) -> Harness:  # type: ignore[no-untyped-def]
    return Harness.create(fake_slack, session_factory)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """Fresh PostgreSQL databases, copied from a template migrated once per test process."""
    databases = PostgresDatabases(os.environ[POSTGRES_ENV])
    yield databases
    databases.close()


@pytest.fixture(params=database_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database, once per available backend (a new database on PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "salesbot-backend.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
    else:
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        with databases.fresh() as url:
            yield url


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_bot(fake_slack: FakeSlack, db_engine: Engine) -> Harness:
    """Like ``bot``, on every available database backend."""
    return Harness.create(fake_slack, session_factory_for(db_engine))


class Worlds:
    """Populated worlds (tests/hostile/fuzzing.py), one per database backend and test process, built
    when a test first asks for one; each test gets a copy of its own."""

    def __init__(self, request: pytest.FixtureRequest, directory: Path, sqlite_template: Path) -> None:
        self.request = request
        self.directory = directory
        self.sqlite_template = sqlite_template
        self.saved: dict[str, tuple[SavedWorld, str]] = {}  # backend → (world, its database)

    def _postgres(self) -> PostgresDatabases:
        return self.request.getfixturevalue("postgres_databases")  # type: ignore[no-any-return]

    def _save(self, backend: str) -> tuple[SavedWorld, str]:
        fake = FakeSlack([ALICE, BOB, CAROL], channels=TEST_CHANNELS).start()
        try:
            with self._database(backend, None) as url:
                engine = make_engine(url)
                try:
                    saved = SavedWorld.of(
                        World(Harness.create(fake, session_factory_for(engine)), engine).populate()
                    )
                finally:
                    engine.dispose()
                if backend == "sqlite":
                    kept = self.directory / "world.db"
                    with (
                        sqlite3.connect(url.removeprefix("sqlite:///")) as source,
                        sqlite3.connect(kept) as copy,
                    ):
                        source.backup(copy)
                    source.close()
                    copy.close()
                    return saved, str(kept)
                return saved, self._postgres().keep(url)
        finally:
            fake.stop()

    @contextmanager
    def _database(self, backend: str, saved: str | None) -> Iterator[str]:
        if backend == "sqlite":
            path = self.directory / f"world-{uuid.uuid4().hex[:12]}.db"
            shutil.copy(saved or self.sqlite_template, path)
            try:
                yield f"sqlite:///{path}"
            finally:
                for leftover in self.directory.glob(f"{path.name}*"):
                    leftover.unlink()
        else:
            with self._postgres().fresh(saved) as url:
                yield url

    @contextmanager
    def copy(self, backend: str, fake: FakeSlack) -> Iterator[World]:
        if backend not in self.saved:
            self.saved[backend] = self._save(backend)
        saved, database = self.saved[backend]
        with self._database(backend, database) as url:
            engine = make_engine(url)
            try:
                yield saved.restore(fake, engine)
            finally:
                engine.dispose()


@pytest.fixture(scope="session")
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Worlds:
    return Worlds(request, tmp_path_factory.mktemp("worlds"), sqlite_template)


@pytest.fixture(params=database_backends())
def world(request: pytest.FixtureRequest, worlds: Worlds, fake_slack: FakeSlack) -> Iterator[World]:
    """A world with rows of everything and the buttons and forms they produced, on every available
    database backend: a copy of one populated once per backend."""
    with worlds.copy(request.param, fake_slack) as world:
        yield world
