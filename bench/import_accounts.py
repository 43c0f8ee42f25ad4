"""Time ``salesbot import accounts`` on a generated file (100,000 rows by default), then re-import it.

    python bench/import_accounts.py [--rows 100000] [--database-url sqlite:///bench.db]

Without --database-url a fresh SQLite file in a temporary directory is used.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.importer import import_file
from bot.playbook import load_playbook
from bot.storage.db import make_engine, make_session_factory, upgrade

OWNERS = ["U0ALICE", "U0BOB", "U0CAROL", "-"]
TAGS = ["retail", "north", "south", "saas", "enterprise", "smb"]


def generate(path: Path, rows: int, *, seed: int = 7) -> None:
    rnd = random.Random(seed)
    playbook = load_playbook(None)
    start = date(2027, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["name", "status", "tier", "tags", "owner", "csm", "mrr", "renewal_date", "external_id"]
        )
        for i in range(rows):
            writer.writerow(
                [
                    f"Company {i:06d} {rnd.choice(['GmbH', 'Inc', 'Ltd', 'SAS'])}",
                    rnd.choice(playbook.statuses),
                    rnd.choice([*playbook.tiers, ""]),
                    ",".join(rnd.sample(TAGS, rnd.randint(0, 3))),
                    rnd.choice(OWNERS),
                    rnd.choice(OWNERS),
                    rnd.randint(0, 50_000),
                    (start + timedelta(days=rnd.randint(0, 700))).isoformat(),
                    f"CRM-{i:07d}",
                ]
            )


def timed_import(path: Path, url: str) -> float:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    began = time.perf_counter()
    report = import_file(path, factory, load_playbook(None), now=datetime.now(UTC), lookup_email=None)
    elapsed = time.perf_counter() - began
    engine.dispose()
    print(f"  {report.summary()}  {elapsed:.1f} s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accounts.csv"
        generate(path, args.rows)
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"{args.rows:,} rows → {make_engine(url).url.render_as_string(hide_password=True)}")
        print("first import (creates):")
        timed_import(path, url)
        print("same file again (matches on external_id, nothing changes):")
        timed_import(path, url)
        generate(path, args.rows, seed=8)
        print("changed file (updates):")
        timed_import(path, url)


if __name__ == "__main__":
    main()
