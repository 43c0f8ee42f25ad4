"""Engine and session factory; SQLite gets WAL and a busy timeout, PostgreSQL runs as is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import (
    audit,  # noqa: F401  (every session writes the audit trail)
    planning_marks,  # noqa: F401  (every change marks what the planning passes must check)
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant will do: instances starting together on one PostgreSQL database take this lock in turn.
MIGRATION_LOCK_KEY = 0x5A1E5B07

SessionFactory = sessionmaker[Session]

# Units of work that committed changes in the current context: work after an ack reads it, when it
# fails, to tell the person whether anything was saved.
COMMITTED_WRITES: ContextVar[int] = ContextVar("committed_writes", default=0)
# Execution option marking a read-only unit of work: SQLite begins it DEFERRED (no write lock).
READ_ONLY = "salesbot_read_only"


class ReadOnlyUnitOfWork(RuntimeError):
    """A unit of work opened ``read_only`` tried to write."""


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyUnitOfWork("a read-only unit of work tried to write")


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        if state.session.info.get("read_only"):
            raise ReadOnlyUnitOfWork("a read-only unit of work tried to write")
        state.session.info["wrote"] = True


def normalise_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        connect_args = {"timeout": 30, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide when a transaction starts (BEGIN IMMEDIATE below).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and "mode=memory" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Take the write lock at the start so concurrent writers queue instead of failing mid-way;
            # a read-only unit of work reads a snapshot (WAL) without waiting for writers.
            read_only = conn.get_execution_options().get(READ_ONLY)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: SessionFactory, *, read_only: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    ``read_only``: a unit that only reads. On SQLite it does not take the write lock (so it neither
    waits for writers nor makes them wait); any attempt to write in it raises ``ReadOnlyUnitOfWork``.
    """
    if read_only:
        with factory() as session:
            session.info["read_only"] = True
            session.connection(execution_options={READ_ONLY: True})
            yield session
            session.commit()  # writes nothing; unlike a rollback it keeps loaded objects readable
        return
    with factory() as session:
        with session.begin():
            yield session
        if session.info.get("wrote"):
            COMMITTED_WRITES.set(COMMITTED_WRITES.get() + 1)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # imported only when migrating (start-up time)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (run at every start; a no-op when current).

    Several instances may start at once: on PostgreSQL a transaction-scoped advisory lock makes them
    migrate one after the other (the later ones then find the schema current); on SQLite the
    ``BEGIN IMMEDIATE`` of the transaction does the same.
    """
    if at_head(engine):
        return  # the usual start: nothing to migrate, and Alembic is not even imported
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


def head_revisions() -> set[str]:
    """The newest migration(s), read from the files without importing Alembic: revisions no other
    migration names as its ``down_revision``."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
        parents.update(_DOWN.findall(source))
    return revisions - parents


def at_head(engine: Engine) -> bool:
    """Is the database's schema the newest one (``alembic_version`` holds exactly the head)?"""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:  # let Alembic itself report what is wrong
        return False
    return bool(current) and current == head_revisions()
