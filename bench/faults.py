"""Faults: delivery exactly once under an unreliable Slack and SIGKILL, two dispatchers in two
processes, and an import killed half-way.

    python -m bench.faults                 the full-size runs (minutes), one line per guarantee
    python -m bench.faults --quick         small numbers

The suite runs the same machinery with small numbers (``tests/test_faults.py``). The dispatching
processes are real ``salesbot tick`` processes; the fake Slack Web API (``ChaosSlack``) runs in this
process on loopback and reaches them through ``SLACK_API_URL``. It fails ``chat.postMessage`` at
random (seeded): 429 with Retry-After, 500 and 503 before anything was posted, "posted, then 500",
and lost responses (the connection closes: a timeout, before or after the message was stored). It
can also SIGKILL the dispatching process at the n-th post: before the message is stored, right
after it is stored (the response never arrives), or a few milliseconds after answering (while the
process records what it sent). Every kill is followed by ``PRAGMA integrity_check`` on SQLite.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from bot.console.fake_slack import FakeSlack, FakeUser
from bot.reminders.followups import REMINDER_KIND
from bot.reminders.recovery import EVENT_TYPE
from bot.storage.db import make_engine, upgrade
from bot.storage.models import LOCAL_TEAM, Account, Reminder, Task, UserProfile

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
FAULTS = ("429", "500", "503", "posted-then-500", "lost-before", "lost-after")
KILLS = ("before-store", "after-store", "after-answer")
STEP = timedelta(minutes=3)  # between two runs: leases (2 minutes) and short backoffs run out


@dataclass
class Kill:
    """SIGKILL ``process`` at its ``at``-th ``chat.postMessage`` (counted from 1), ``how``."""

    process: subprocess.Popen[bytes]
    at: int
    how: str
    delay: float = 0.0  # for after-answer: seconds after the answer
    done: bool = False


class ChaosSlack(FakeSlack):
    """The fake Web API, failing ``chat.postMessage`` ``rate`` of the time (seeded), and killing."""

    def __init__(self, users: list[FakeUser], *, rate: float = 0.0, seed: int = 0) -> None:
        super().__init__(users)
        self.rate = rate
        self.rng = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.kill: Kill | None = None
        self._posts = 0
        self._chaos_lock = threading.Lock()

    def arm(self, kill: Kill | None) -> None:
        with self._chaos_lock:
            self.kill = kill
            self._posts = 0

    def _handle(
        self, path: str, params: dict[str, Any], token: str | None = None
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        if path != "/api/chat.postMessage":
            return super()._handle(path, params, token)
        with self._chaos_lock:
            self._posts += 1
            kill = self.kill
            killing = kill is not None and not kill.done and self._posts == kill.at
            if killing and kill is not None:
                kill.done = True
            fault = self.rng.choice(FAULTS) if self.rate and self.rng.random() < self.rate else None
        if killing and kill is not None:
            return self._die(kill, path, params, token)
        if fault is None:
            return super()._handle(path, params, token)
        self.injected[fault] += 1
        if fault == "429":
            return 429, {"Retry-After": str(self.rng.randint(1, 30))}, {"ok": False, "error": "ratelimited"}
        if fault in ("500", "503"):
            return int(fault), {}, {"ok": False, "error": "internal_error"}
        if fault == "lost-before":
            return None
        self._answer("chat.postMessage", params, token)  # the message is stored …
        if fault == "lost-after":
            return None  # … and the response is lost
        return 500, {}, {"ok": False, "error": "internal_error"}  # … and Slack answers 500

    def _die(
        self, kill: Kill, path: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        if kill.how == "before-store":
            _sigkill(kill.process)
            return None
        answer = super()._handle(path, params, token)
        if kill.how == "after-store":
            _sigkill(kill.process)
            return None
        threading.Timer(kill.delay, _sigkill, args=(kill.process,)).start()
        return answer

    def delivered(self) -> Counter[int]:
        """How many stored messages carry each reminder id (a combined message counts for each)."""
        found: Counter[int] = Counter()
        with self.state.lock:
            messages = [m for ms in self.state.messages.values() for m in ms]
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") != EVENT_TYPE:
                continue
            payload = metadata.get("event_payload") or {}
            for rid in payload.get("reminder_ids") or [payload.get("reminder_id")]:
                found[int(rid)] += 1
        return found


def _sigkill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL one process this script started (``send_signal`` does nothing once it was reaped)."""
    with suppress(ProcessLookupError):
        process.send_signal(signal.SIGKILL)


# -- the database --------------------------------------------------------------------------------
def users(count: int) -> list[FakeUser]:
    return [FakeUser(f"U2F{i:05d}", f"person{i}", tz="UTC") for i in range(count)]


def seed_reminders(
    engine: Engine, people: list[FakeUser], count: int, *, now: datetime = NOW, span: timedelta = timedelta(0)
) -> list[int]:
    """``count`` follow-up reminders for ``people`` (bulk inserts), due from 9 minutes before ``now`` to
    ``span`` after it. The people work every day, all day, and their profiles are fresh: nothing waits
    for working hours or ``users.info``."""
    with engine.begin() as conn:
        conn.execute(
            insert(UserProfile),
            [
                {
                    "team_id": LOCAL_TEAM,
                    "user_id": p.id,
                    "display_name": p.name,
                    "tz": p.tz,
                    "tz_checked_at": now,
                    "work_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "work_start": "00:00",
                    "work_end": "23:59",
                    "nudges_off": [],
                }
                for p in people
            ],
        )
        account_id = conn.execute(
            insert(Account).returning(Account.id),
            [
                {
                    "team_id": LOCAL_TEAM,
                    "name": "Fault Corp",
                    "name_key": "fault corp",
                    "search_key": "fault corp",
                    "status": "customer",
                    "tags": [],
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        ).scalar_one()
        # not late (each its own message) for a run at ``now``, or for the runs after it, every 3 minutes
        first = now - timedelta(minutes=9)
        due = [first + (span + timedelta(minutes=9)) * i / count for i in range(count)]
        task_ids = (
            conn.execute(
                insert(Task).returning(Task.id),
                [
                    {
                        "kind": "followup",
                        "account_id": account_id,
                        "title": f"Call back #{i}",
                        "assignee_id": people[i % len(people)].id,
                        "due_at": due[i],
                        "status": "open",
                        "created_at": now - timedelta(days=1),
                    }
                    for i in range(count)
                ],
            )
            .scalars()
            .all()
        )
        return list(
            conn.execute(
                insert(Reminder).returning(Reminder.id),
                [
                    {
                        "kind": REMINDER_KIND,
                        "recipient_id": people[i % len(people)].id,
                        "task_id": task_id,
                        "payload": {"due": due[i].isoformat()},
                        "due_at": due[i],
                        "status": "pending",
                        "dedupe_key": f"{REMINDER_KIND}:{task_id}:{due[i].isoformat()}",
                        "attempts": 0,
                        "created_at": now - timedelta(days=1),
                    }
                    for i, task_id in enumerate(task_ids)
                ],
            )
            .scalars()
            .all()
        )


def statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(
            dict(conn.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
        )


def integrity(url: str) -> str:
    """``PRAGMA integrity_check`` of a SQLite database ("ok" when it is sound)."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))


def salesbot(args: list[str], *, url: str, fake: FakeSlack | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": "xoxb-faults",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SALESBOT_CONFIG", None)
    if fake is not None:
        env["SLACK_API_URL"] = fake.api_url
    else:
        env.pop("SLACK_BOT_TOKEN")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def tick(url: str, fake: ChaosSlack, now: datetime, *, budget: float = 120.0) -> subprocess.Popen[bytes]:
    """``salesbot tick --now now``; the fake's message ``ts`` follow the same clock, as Slack's follow
    the real one (the search for an unconfirmed send reads the history from the claim's time on)."""
    fake.clock = lambda: now
    return salesbot(["tick", "--now", now.isoformat(), "--budget", str(budget)], url=url, fake=fake)


# -- the scenarios -------------------------------------------------------------------------------
@dataclass
class DeliveryResult:
    reminders: int
    runs: int = 0
    kills: int = 0
    delivered: Counter[int] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    integrity: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exactly_once(self) -> bool:
        return len(self.delivered) == self.reminders and set(self.delivered.values()) == {1}

    def line(self) -> str:
        twice = sum(1 for n in self.delivered.values() if n > 1)
        missing = self.reminders - len(self.delivered)
        return (
            f"{self.reminders} reminders, {self.runs} `salesbot tick` runs, {self.kills} SIGKILLs, "
            f"faults injected {dict(self.injected)}: delivered once {sum(1 for n in self.delivered.values() if n == 1)}, "
            f"twice or more {twice}, never {missing}; statuses {dict(self.statuses)}; "
            f"integrity_check {sorted(set(self.integrity))} after each kill; {self.seconds:.0f} s"
        )


def deliver_under_faults(
    workdir: Path,
    *,
    reminders: int,
    people: int,
    kills: int,
    rate: float = 0.3,
    seed: int = 1,
    span: timedelta = timedelta(minutes=15),
) -> DeliveryResult:
    """Deliver ``reminders`` (due over ``span``) with a ``salesbot tick`` run every 3 minutes against a
    fake failing ``rate`` of the posts, SIGKILLing the first ``kills`` runs at a random post; then
    runs without kills until nothing is left."""
    started = time.monotonic()
    rng = random.Random(seed)
    url = f"sqlite:///{workdir / 'faults.db'}"
    engine = make_engine(url)
    upgrade(engine)
    everyone = users(people)
    seed_reminders(engine, everyone, reminders, span=span)
    fake = ChaosSlack(everyone, rate=rate, seed=seed).start()
    result = DeliveryResult(reminders)
    now = NOW
    try:
        for _ in range(kills * 3):
            if result.kills == kills or not _due_left(engine):
                break
            process = tick(url, fake, now)
            kill = Kill(process, at=rng.randint(1, 12), how=rng.choice(KILLS), delay=rng.random() * 0.05)
            fake.arm(kill)
            process.communicate(timeout=600)
            result.runs += 1
            if kill.done:
                result.kills += 1
                result.integrity.append(integrity(url))
            now += STEP
        fake.arm(None)
        for _ in range(400):  # faults go on; no more kills
            if not _due_left(engine):
                break
            process = tick(url, fake, now)
            now += STEP
            _, err = process.communicate(timeout=600)
            result.runs += 1
            if process.returncode != 0:
                raise RuntimeError(f"salesbot tick failed: {err.decode()[-2000:]}")
        result.delivered = fake.delivered()
        result.statuses = statuses(engine)
        result.injected = Counter(fake.injected)
    finally:
        fake.stop()
        engine.dispose()
    result.seconds = time.monotonic() - started
    return result


def _due_left(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).where(Reminder.status.in_(("pending", "claimed")))))


def two_dispatchers(url: str, *, reminders: int, people: int, seed: int = 2) -> DeliveryResult:
    """Two ``salesbot tick`` processes started together on one database deliver what is due."""
    started = time.monotonic()
    engine = make_engine(url)
    everyone = users(people)
    seed_reminders(engine, everyone, reminders)
    fake = ChaosSlack(everyone, seed=seed).start()
    result = DeliveryResult(reminders)
    try:
        now = NOW
        processes = [tick(url, fake, now), tick(url, fake, now)]
        for process in processes:
            _, err = process.communicate(timeout=900)
            if process.returncode != 0:
                raise RuntimeError(f"salesbot tick failed: {err.decode()[-2000:]}")
        result.runs = len(processes)
        result.delivered = fake.delivered()
        result.statuses = statuses(engine)
    finally:
        fake.stop()
        engine.dispose()
    result.seconds = time.monotonic() - started
    return result


@dataclass
class ImportResult:
    rows: int
    kills: list[str] = field(default_factory=list)  # what the database held after each kill
    integrity: list[str] = field(default_factory=list)
    accounts_after_rerun: int = 0
    distinct_after_rerun: int = 0
    accounts_after_second_rerun: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.rows:,} rows, killed {len(self.kills)} times ({'; '.join(self.kills)}); integrity_check "
            f"{sorted(set(self.integrity))}; re-run: {self.accounts_after_rerun:,} accounts "
            f"({self.distinct_after_rerun:,} distinct external ids), once more: {self.accounts_after_second_rerun:,}; "
            f"{self.seconds:.0f} s"
        )


def write_accounts_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "status", "tier", "tags", "mrr", "renewal_date", "external_id"])
        for i in range(rows):
            writer.writerow(
                [
                    f"Imported {i:06d} & Co",
                    "customer",
                    "gold",
                    "north;retail",
                    100 + i % 5000,
                    "2027-03-31",
                    f"EXT-{i}",
                ]
            )


def count_accounts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Account)) or 0
        distinct = conn.scalar(select(func.count(func.distinct(Account.external_id)))) or 0
        return total, distinct


def import_killed(workdir: Path, *, rows: int, kills: int, seed: int = 3) -> ImportResult:
    """``salesbot import accounts`` of a ``rows``-row file, SIGKILLed ``kills`` times (reading, then
    writing), checked after each kill; then run to the end, and once more."""
    started = time.monotonic()
    rng = random.Random(seed)
    url = f"sqlite:///{workdir / 'import.db'}"
    engine = make_engine(url)
    upgrade(engine)
    source = workdir / "accounts.csv"
    write_accounts_csv(source, rows)
    result = ImportResult(rows)
    try:
        for n in range(kills):
            process = salesbot(["import", "accounts", str(source)], url=url, fake=None)
            writing = n % 2 == 1  # alternately while it reads and validates, and while it writes
            _kill_when(
                process, "Writing" if writing else "Importing", rng.random() * (0.5 if writing else 1.0)
            )
            total, _ = count_accounts(engine)
            result.kills.append(f"{'writing' if writing else 'reading'}: {total} accounts")
            result.integrity.append(integrity(url))
        process = salesbot(["import", "accounts", str(source)], url=url, fake=None)
        _, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise RuntimeError(f"salesbot import failed: {err.decode()[-2000:]}")
        result.accounts_after_rerun, result.distinct_after_rerun = count_accounts(engine)
        process = salesbot(["import", "accounts", str(source)], url=url, fake=None)
        process.communicate(timeout=1800)
        result.accounts_after_second_rerun, _ = count_accounts(engine)
    finally:
        engine.dispose()
    result.seconds = time.monotonic() - started
    return result


def _kill_when(process: subprocess.Popen[bytes], marker: str, delay: float) -> None:
    """SIGKILL ``process`` ``delay`` seconds after ``marker`` appears on its standard error (its
    progress bar), or when it ends first."""
    assert process.stderr is not None
    seen = b""
    while marker.encode() not in seen:
        chunk = process.stderr.read1(4096)  # type: ignore[attr-defined]
        if not chunk:
            break
        seen = (seen + chunk)[-4096:]
    time.sleep(delay)
    _sigkill(process)
    process.communicate(timeout=60)


@contextmanager
def sqlite_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="salesbot-faults-") as tmp:
        yield Path(tmp)


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A fresh, migrated schema on the PostgreSQL server at ``base_url``; yields its URL."""
    import uuid

    from sqlalchemy.engine import make_url

    from bot.storage.db import normalise_url

    schema = f"faults_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(normalise_url(base_url))
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small numbers")
    parser.add_argument("--postgres", default=os.environ.get("SALESBOT_TEST_POSTGRES_URL"), help="server URL")
    args = parser.parse_args()
    q = args.quick
    with sqlite_dir() as tmp:
        result = deliver_under_faults(
            tmp, reminders=200 if q else 2000, people=20 if q else 200, kills=4 if q else 20
        )
        print(f"delivery under 30 % faults and SIGKILL (SQLite): {result.line()}", flush=True)
        assert result.exactly_once and set(result.integrity) <= {"ok"}, result.line()
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            result = two_dispatchers(url, reminders=300 if q else 3000, people=30 if q else 300)
            print(f"two dispatcher processes on PostgreSQL: {result.line()}", flush=True)
            assert result.exactly_once, result.line()
    else:
        print("two dispatcher processes on PostgreSQL: skipped (no --postgres URL)")
    with sqlite_dir() as tmp:
        imported = import_killed(tmp, rows=10_000 if q else 100_000, kills=4)
        print(f"import killed (SQLite): {imported.line()}", flush=True)


if __name__ == "__main__":
    main()
