"""Imports and scheduling against their floors.

- ``salesbot import accounts`` of a generated CSV (owners given as user ids) into a fresh database,
  against a bare ``executemany`` INSERT of the same rows (read from the same file, no validation).
- Scheduling: queueing follow-up reminders in the outbox (one row each, in bulk), restarting (what a
  new process has to load: nothing), and "what is due for this person this week", against one
  APScheduler job per reminder in a ``SQLAlchemyJobStore`` (add the jobs; a new scheduler reading
  its store at start; the same question answered from the store).
"""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import NOW, Pair, migrated_sqlite
from bench.import_accounts import generate
from bot.importer import import_file
from bot.playbook import load_playbook
from bot.reminders.outbox import enqueue_many
from bot.storage.db import make_engine, make_session_factory, unit_of_work
from bot.storage.models import Account, Reminder


def fresh(tmp: Path, name: str) -> str:
    return migrated_sqlite(tmp / name)


def time_import(path: Path, url: str) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    began = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar
        import_file(
            path, factory, load_playbook(None), now=datetime.now(UTC), lookup_email=None, offline=True
        )
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def time_executemany(path: Path, url: str) -> float:
    engine = make_engine(url)
    began = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as f:
        rows = [
            {
                "team_id": "T_LOCAL",
                "name": r["name"],
                "name_key": r["name"].lower(),
                "search_key": r["name"].lower(),
                "status": r["status"],
                "tier": r["tier"] or None,
                "tags": r["tags"].split(",") if r["tags"] else [],
                "owner_id": None if r["owner"] == "-" else r["owner"],
                "csm_id": None if r["csm"] == "-" else r["csm"],
                "mrr": int(r["mrr"]),
                "external_id": r["external_id"],
                "created_at": NOW,
                "updated_at": NOW,
            }
            for r in csv.DictReader(f)
        ]
    with engine.begin() as conn:
        conn.execute(insert(Account), rows)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def run_imports(quick: bool) -> tuple[list[Pair], list[str]]:
    rows = 10_000 if quick else 100_000
    rounds = 1 if quick else 3
    pair = Pair(f"import of {rows:,} accounts", "s", goal="≤ 2× (0.5× the rate)")
    memory = Pair(f"peak memory importing {rows:,} accounts", "MB", goal="< 300 MB")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "accounts.csv"
        generate(path, rows)
        for n in range(rounds):
            pair.ours.append(time_import(path, fresh(tmp, f"ours{n}.db")))
            pair.floor.append(time_executemany(path, fresh(tmp, f"floor{n}.db")))
        ours_url, floor_url = fresh(tmp, "mem-ours.db"), fresh(tmp, "mem-floor.db")
        tracemalloc.start()
        time_import(path, ours_url)
        memory.ours.append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.reset_peak()
        time_executemany(path, floor_url)
        memory.floor.append(tracemalloc.get_traced_memory()[1] / 1e6)
        tracemalloc.stop()
    note = (
        "import: `salesbot import accounts` (every cell checked, existing accounts matched by name or "
        "external_id, one audit entry per account, in one transaction) against one bare executemany "
        "of the same rows read with `csv.DictReader`, unchecked and unaudited"
    )
    return [pair, memory], [note]


def run_scheduling(quick: bool) -> tuple[list[Pair], list[str]]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    # APScheduler adds a job in ≈ 30 ms on a busy 2-core machine: 100,000 would take an hour.
    count = 200 if quick else 10_000
    people = [f"U2REP{i:03d}" for i in range(500)]
    schedule = Pair(f"schedule {count:,} reminders", "s")
    restart = Pair(f"restart with {count:,} pending", "s")
    week = Pair("what is due for one person this week", "ms")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = fresh(tmp, "ours.db")
        engine = make_engine(url)
        began = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                insert(Reminder),
                [
                    {
                        "kind": "followup_due",
                        "recipient_id": people[i % len(people)],
                        "payload": {},
                        "due_at": NOW + timedelta(minutes=i),
                        "status": "pending",
                        "attempts": 0,
                        "created_at": NOW,
                    }
                    for i in range(count)
                ],
            )
        schedule.ours.append(time.perf_counter() - began)
        restart.ours.append(0.0)  # nothing is loaded at start: what is due is asked of the database
        question = (
            select(func.count())
            .select_from(Reminder)
            .where(
                Reminder.recipient_id == people[7],
                Reminder.status == "pending",
                Reminder.due_at < NOW + timedelta(days=7),
            )
        )
        with engine.connect() as conn:
            conn.execute(question).scalar_one()  # a warm connection, as in a running bot
            began = time.perf_counter()
            conn.execute(question).scalar_one()
            week.ours.append((time.perf_counter() - began) * 1000)
        engine.dispose()

        store_url = f"sqlite:///{tmp / 'jobs.db'}"
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=store_url)}, timezone=UTC
        )
        scheduler.start(paused=True)
        began = time.perf_counter()
        for i in range(count):
            scheduler.add_job(
                print,
                "date",
                run_date=NOW + timedelta(days=3650, minutes=i),
                args=[people[i % len(people)]],
                id=f"r{i}",
            )
        schedule.floor.append(time.perf_counter() - began)
        scheduler.shutdown(wait=False)
        began = time.perf_counter()
        again = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=store_url)}, timezone=UTC)
        again.start(paused=True)
        again.get_jobs()
        restart.floor.append(time.perf_counter() - began)
        # APScheduler answers from its job store: get_jobs() reads and unpickles every job each time.
        began = time.perf_counter()
        limit = NOW + timedelta(days=3650 + 7)
        _ = [j for j in again.get_jobs() if j.args[0] == people[7] and j.next_run_time < limit]
        week.floor.append((time.perf_counter() - began) * 1000)
        again.shutdown(wait=False)
    note = (
        "scheduling: ours is one bulk INSERT into the outbox; the floor adds one APScheduler job per "
        "reminder to a SQLAlchemyJobStore (each a pickled row); at restart APScheduler loads every job, "
        "salesbot loads nothing"
    )
    return [schedule, restart, week], [note]


def reminder_rows(count: int) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {
            "kind": "followup_due",
            "recipient_id": f"U2REP{i % 500:03d}",
            "due_at": NOW + timedelta(minutes=i % 10_000),
            "payload": {"n": i},
            "dedupe_key": f"bulk:{i}",
        }


def time_enqueue_many(url: str, count: int) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    began = time.perf_counter()
    with unit_of_work(factory) as session:
        queued = enqueue_many(session, reminder_rows(count), now=NOW)
    elapsed = time.perf_counter() - began
    engine.dispose()
    assert queued == count
    return elapsed


def time_enqueue_floor(url: str, count: int) -> float:
    """The same rows, one bare ``executemany`` (no duplicate check, all in memory)."""
    engine = make_engine(url)
    began = time.perf_counter()
    rows = [
        {**r, "channel_id": None, "task_id": None, "status": "pending", "attempts": 0, "created_at": NOW}
        for r in reminder_rows(count)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Reminder.__table__), rows)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def run_enqueue(quick: bool) -> tuple[list[Pair], list[str]]:
    count = 5_000 if quick else 100_000
    rounds = 1 if quick else 3
    pair = Pair(f"enqueue {count:,} reminders in bulk", "s", goal="≤ 2× (0.5× the rate)")
    memory = Pair(f"peak memory enqueueing {count:,} reminders", "MB", goal="< 300 MB")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for n in range(rounds):
            pair.ours.append(time_enqueue_many(fresh(tmp, f"q{n}.db"), count))
            pair.floor.append(time_enqueue_floor(fresh(tmp, f"f{n}.db"), count))
        tracemalloc.start()
        time_enqueue_many(fresh(tmp, "mem-ours.db"), count)
        ours_peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.reset_peak()
        time_enqueue_floor(fresh(tmp, "mem-floor.db"), count)
        memory.floor.append(tracemalloc.get_traced_memory()[1] / 1e6)
        memory.ours.append(ours_peak)
        tracemalloc.stop()
    note = (
        "bulk enqueue: `bot.reminders.outbox.enqueue_many` (duplicate keys checked per chunk of "
        "5,000, one multi-row INSERT per chunk) against one bare executemany of the same rows"
    )
    return [pair, memory], [note]
