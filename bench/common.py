"""Shared by the benchmarks: the machine, interleaved runs, medians, seeded data, a fake Slack."""

from __future__ import annotations

import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from bot.console.fake_slack import FakeUser
from bot.storage.models import Account, Activity

ZONES = ["Europe/Paris", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC"]
TYPES = ["call", "email", "meeting", "video", "demo", "visit", "note"]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("slack_bolt", "slack_sdk", "SQLAlchemy", "waitress", "APScheduler")
    )
    return [
        f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"Python {sys.version.split()[0]}; {versions}; SQLite {__import__('sqlite3').sqlite_version}",
    ]


_TEMPLATE: list[Path] = []


def migrated_sqlite(path: Path) -> str:
    """A SQLite database at ``path`` with the current schema: the migrations run once per process
    (into a template), then every new database is a copy of it."""
    from bot.storage.db import make_engine, upgrade

    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="salesbot-bench-")) / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        _TEMPLATE.append(template)
    shutil.copyfile(_TEMPLATE[0], path)
    return f"sqlite:///{path}"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Pair:
    """One figure and its floor, measured interleaved: A, B, A, B …"""

    name: str
    unit: str
    ours: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    goal: str = ""

    @property
    def ratio(self) -> float:
        """Ours over the floor (for a rate, above 1 is better; for a time, below 1)."""
        a, b = median(self.ours), median(self.floor)
        return a / b if b else float("nan")


def interleave(rounds: int, ours: Callable[[], Any], floor: Callable[[], Any]) -> None:
    for _ in range(rounds):
        ours()
        floor()


def people(count: int) -> list[FakeUser]:
    return [FakeUser(f"U1REP{i:04d}", f"rep{i}", tz=ZONES[i % len(ZONES)]) for i in range(count)]


def seed_accounts(engine: Engine, reps: list[str], *, accounts: int, activities: int, seed: int = 7) -> None:
    """Accounts with skewed ownership (a few reps own many) and skewed activity counts (a few
    accounts hold most of the history), over two years."""
    rnd = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(reps))]
    rows = []
    for i in range(accounts):
        rows.append(
            {
                "team_id": "T_LOCAL",
                "name": f"Company {i:06d}",
                "name_key": f"company {i:06d}",
                "search_key": f"company {i:06d}",
                "status": rnd.choice(["customer", "prospect", "partner"]),
                "tier": rnd.choice(["gold", "silver", "bronze", None]),
                "tags": [],
                "owner_id": rnd.choices(reps, weights)[0],
                "mrr": rnd.randint(0, 20_000),
                "created_at": NOW - timedelta(days=800),
                "updated_at": NOW - timedelta(days=800),
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Account), rows)
        account_weights = [1 / (i + 1) ** 0.8 for i in range(accounts)]
        batch: list[dict[str, Any]] = []
        for _ in range(activities):
            batch.append(_activity(rnd, rnd.choices(range(1, accounts + 1), account_weights)[0], reps))
            if len(batch) >= 20_000:
                conn.execute(insert(Activity), batch)
                batch = []
        if batch:
            conn.execute(insert(Activity), batch)


def add_account_with_history(engine: Engine, name: str, owner: str, activities: int, seed: int = 1) -> int:
    rnd = random.Random(seed)
    with engine.begin() as conn:
        account_id = conn.execute(
            insert(Account).returning(Account.id),
            [
                {
                    "team_id": "T_LOCAL",
                    "name": name,
                    "name_key": name.lower(),
                    "search_key": name.lower(),
                    "status": "customer",
                    "tier": "gold",
                    "tags": [],
                    "owner_id": owner,
                    "created_at": NOW - timedelta(days=800),
                    "updated_at": NOW - timedelta(days=800),
                }
            ],
        ).scalar_one()
        rows = [_activity(rnd, account_id, [owner]) for _ in range(activities)]
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(Activity), rows[start : start + 20_000])
    return int(account_id)


def _activity(rnd: random.Random, account_id: int, reps: list[str]) -> dict[str, Any]:
    at = NOW - timedelta(minutes=rnd.randint(60, 60 * 24 * 730))
    return {
        "account_id": account_id,
        "type": rnd.choices(TYPES, [30, 30, 10, 10, 3, 2, 15])[0],
        "user_id": rnd.choice(reps),
        "occurred_at": at,
        "notes": "talked about the renewal and pricing for more seats",
        "source": "import",
        "created_at": at,
    }
