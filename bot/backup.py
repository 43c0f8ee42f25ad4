"""``salesbot backup FILE``: a consistent copy of the SQLite database, taken while salesbot runs.

SQLite's online backup API copies the database page by page from a read transaction: writers are not
stopped (WAL), and the copy is the database as of one moment. It is written next to FILE, checked
(``PRAGMA integrity_check``), turned into a single self-contained file (no WAL), then renamed onto
FILE, so FILE is never half-written. PostgreSQL has its own tool for this: ``pg_dump``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.storage.db import normalise_url

PG_DUMP_HELP = (
    "salesbot backup copies an SQLite database; this one is on {backend}. Use its own tool, e.g. "
    'pg_dump --format=custom --file=salesbot.dump "$DATABASE_URL" (restore with pg_restore).'
)


def run_backup(
    settings: Settings, target: str, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() != "sqlite":
        print(PG_DUMP_HELP.format(backend=url.get_backend_name()), file=err)
        return 2
    source = url.database or ""
    if not source or source == ":memory:" or "mode=memory" in source:
        print("salesbot: the database is in memory; there is nothing on disk to back up.", file=err)
        return 2
    if not Path(source).is_file():
        print(f"salesbot: no database at {source} (DATABASE_URL).", file=err)
        return 2
    destination = Path(target)
    if destination.resolve() == Path(source).resolve():
        print("salesbot: the backup must go to another file than the database itself.", file=err)
        return 2
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        pages = _copy(source, partial)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        print(f"salesbot: backup failed: {exc}", file=err)
        return 1
    os.replace(partial, destination)
    print(f"Backed up {source} to {destination} ({pages} pages, integrity ok).", file=out)
    return 0


def _copy(source: str, partial: Path) -> int:
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step, from one read snapshot
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    finally:
        with contextlib.suppress(sqlite3.Error):
            src.close()
    return pages
