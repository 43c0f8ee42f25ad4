"""Time the manager features on a big workspace, against a hand-written SQL floor.

    python bench/stats.py [--accounts 100000] [--activities 1000000] [--followups 200000]
                          [--opportunities 20000] [--reps 200] [--teams 20] [--database-url URL]

Builds (seeded, with a realistic skew: a few reps own and do much more than others) the accounts,
activities over two years, follow-ups, visits, opportunities and signals of ``--reps`` reps in
``--teams`` teams across time zones, each with targets. Then times, on a fresh SQLite database (or
the PostgreSQL database ``--database-url`` names, which is emptied first):

* ``/stats team quarter`` for one team (the figures and the Block Kit reply),
* the whole weekly digest for every team (the figures; the charts are timed apart: matplotlib),
* ``salesbot export stats`` for every team over the quarter,

each beside *the floor*: one hand-written SQL query producing the same per-rep activity counts for
the same people and period. Peak memory is Python's (tracemalloc) during each step.
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

from bot.blocks.stats import team_blocks
from bot.charts import digest as chart
from bot.domain import digest, stats
from bot.domain.periods import Period, containing
from bot.playbook import load_playbook
from bot.stats_export import export_stats
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.models import (
    LOCAL_TEAM,
    Account,
    Activity,
    Base,
    Opportunity,
    Signal,
    Target,
    Task,
    TeamMember,
    UserProfile,
)

ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles", "UTC"]
TYPES = ["call", "call", "call", "email", "email", "meeting", "video", "demo", "visit", "note"]
STAGES = ["qualified", "discovery", "proposal", "negotiation"]
KINDS = ["new", "upsell", "cross-sell", "renewal"]
NOW = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)  # Monday: 08:30 in New York
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = (NOW - START).total_seconds()
CHUNK = 20_000


def _when(rng: random.Random) -> datetime:
    # More recent activity than old (a growing team): the square root skews towards now.
    return START + timedelta(seconds=SPAN * rng.random() ** 0.5)


def _insert(engine: Engine, model: type[Base], rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        with engine.begin() as conn:
            conn.execute(insert(model), rows[i : i + CHUNK])


def build(engine: Engine, args: argparse.Namespace) -> tuple[list[str], dict[str, list[str]]]:
    rng = random.Random(7)
    reps = [f"U{n:05d}" for n in range(args.reps)]
    managers = [f"UM{n:04d}" for n in range(args.teams)]
    teams = {m: reps[i :: args.teams] for i, m in enumerate(managers)}
    created = datetime(2024, 6, 1, tzinfo=UTC)
    _insert(
        engine,
        UserProfile,
        [
            {"team_id": LOCAL_TEAM, "user_id": u, "display_name": u.lower(), "tz": rng.choice(ZONES),
             "tz_checked_at": NOW, "nudges_off": []}
            for u in reps + managers
        ],
    )  # fmt: skip
    _insert(
        engine,
        TeamMember,
        [{"team_id": LOCAL_TEAM, "member_id": r, "manager_id": m, "created_at": created} for m, rs in teams.items() for r in rs],
    )  # fmt: skip
    _insert(
        engine,
        Target,
        [
            {"team_id": LOCAL_TEAM, "scope": "rep", "subject_id": r, "metric": metric, "amount": amount,
             "per": per, "set_by": "UM0000", "updated_at": created}
            for r in reps
            for metric, amount, per in (("calls", 20, "week"), ("meetings", 4, "week"), ("won_mrr", 5000, "quarter"))
        ],
    )  # fmt: skip
    weights = [1 / (i + 1) ** 0.8 for i in range(args.reps)]  # a few reps own and do much more
    owners = rng.choices(reps, weights, k=args.accounts)
    tiers = rng.choices(["gold", "silver", "bronze", None], [1, 3, 6, 4], k=args.accounts)
    _insert(
        engine,
        Account,
        [
            {"id": i + 1, "team_id": LOCAL_TEAM, "name": f"Account {i}", "name_key": f"account {i}",
             "status": "customer", "tier": tiers[i], "tags": [], "owner_id": owners[i], "created_at": created,
             "updated_at": created}
            for i in range(args.accounts)
        ],
    )  # fmt: skip
    print(f"  {args.accounts:,} accounts", flush=True)
    for start in range(0, args.activities, 200_000):
        n = min(200_000, args.activities - start)
        account_ids = [rng.randrange(args.accounts) for _ in range(n)]
        rows = []
        for k, a in enumerate(account_ids):
            when = _when(rng)
            doer = owners[a] if rng.random() < 0.9 else rng.choice(reps)
            rows.append(
                {"id": start + k + 1, "account_id": a + 1, "type": rng.choice(TYPES), "user_id": doer,
                 "occurred_at": when, "notes": "", "source": "command", "created_at": when,
                 "undone_at": when if rng.random() < 0.01 else None}
            )  # fmt: skip
        _insert(engine, Activity, rows)
        print(f"  {start + n:,} activities", flush=True)
    rows = []
    for i in range(args.followups):
        a = rng.randrange(args.accounts)
        due = _when(rng)
        status = rng.choices(["done", "open", "cancelled"], [8, 1, 1])[0]
        done = due + timedelta(hours=rng.uniform(-48, 96)) if status == "done" else None
        rows.append(
            {"kind": "followup" if i % 5 else "visit", "account_id": a + 1, "title": "follow-up",
             "assignee_id": owners[a], "due_at": due, "all_day": False, "status": status,
             "created_at": due - timedelta(days=3), "completed_at": done}
        )  # fmt: skip
    _insert(engine, Task, rows)
    print(f"  {args.followups:,} follow-ups and visits", flush=True)
    opps, signals = [], []
    for i in range(args.opportunities):
        a = rng.randrange(args.accounts)
        opened = _when(rng)
        status = rng.choices(["open", "won", "lost"], [3, 2, 2])[0]
        closed = min(NOW, opened + timedelta(days=rng.uniform(5, 90))) if status != "open" else None
        opps.append(
            {"id": i + 1, "account_id": a + 1, "kind": rng.choice(KINDS), "title": "deal", "mrr": rng.randrange(100, 5000),
             "stage": rng.choice(STAGES), "status": status, "owner_id": owners[a], "created_at": opened,
             "closed_at": closed, "lost_reason": rng.choice(["price", "timing", "competitor"]) if status == "lost" else None}
        )  # fmt: skip
        if rng.random() < 0.5:
            signals.append(
                {"account_id": a + 1, "kind": "upsell", "points": 30, "quote": "", "flagged_by": owners[a],
                 "status": "acted", "opportunity_id": i + 1, "created_at": opened - timedelta(days=rng.uniform(0, 20))}
            )  # fmt: skip
    for _ in range(args.opportunities):
        signals.append(
            {"account_id": rng.randrange(args.accounts) + 1, "kind": "upsell", "points": 30, "quote": "",
             "flagged_by": rng.choice(reps), "status": "open", "opportunity_id": None, "created_at": _when(rng)}
        )  # fmt: skip
    _insert(engine, Opportunity, opps)
    _insert(engine, Signal, signals)
    print(f"  {args.opportunities:,} opportunities, {len(signals):,} signals", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return reps, teams


FLOOR = text(
    """
    SELECT user_id, type, count(*) FROM activities
    WHERE user_id IN :people AND occurred_at >= :start AND occurred_at < :end AND undone_at IS NULL
    GROUP BY user_id, type
    """
).bindparams()


def floor(engine: Engine, people: list[str], period: Period) -> int:
    """The hand-written floor: per-rep activity counts by type, one query."""
    from sqlalchemy import bindparam

    stmt = FLOOR.bindparams(bindparam("people", expanding=True))
    with engine.connect() as conn:
        rows = conn.execute(stmt, {"people": people, "start": period.start, "end": period.end}).all()
    return len(rows)


def timed(label: str, fn: Callable[[], Any], *, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` wall-clock seconds, and the peak of Python memory (MB) during one run."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"  {label:<52} {best * 1000:9.1f} ms   peak {peak:6.1f} MB", flush=True)
    return best, peak


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        if args.database_url:
            with engine.begin() as conn:
                Base.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(engine)
        print(f"{engine.dialect.name}: building …", flush=True)
        started = time.perf_counter()
        reps, teams = build(engine, args)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        playbook = load_playbook()
        factory = make_session_factory(engine)
        manager = next(iter(teams))
        members = teams[manager]
        tz = ZoneInfo("America/New_York")
        quarter = containing("quarter", NOW.astimezone(tz).date(), tz)
        week = Period("week", date(2026, 11, 23), tz)

        def stats_team() -> None:
            with unit_of_work(factory) as session:
                report = stats.team_report(session, manager, members, quarter, now=NOW, playbook=playbook)
                team_blocks(report)

        def weekly_digest() -> None:
            with unit_of_work(factory) as session:
                for boss, people in teams.items():
                    digest.team_digest(session, boss, people, week, now=NOW, playbook=playbook)

        def summaries() -> None:
            with unit_of_work(factory) as session:
                for rep in reps:
                    digest.personal_summary(session, rep, week, now=NOW, playbook=playbook)

        def charts() -> None:
            with unit_of_work(factory) as session:
                for boss, people in teams.items():
                    chart.render(
                        digest.team_digest(session, boss, people, week, now=NOW, playbook=playbook).chart
                    )

        def export() -> None:
            with unit_of_work(factory) as session:
                export_stats(
                    session, io.StringIO(), period_text="2026-Q4", manager=None, now=NOW, playbook=playbook
                )

        utc_quarter = containing("quarter", NOW.date(), ZoneInfo("UTC"))
        print("timings (best of 3):", flush=True)
        results = {
            "/stats team quarter (10 reps)": (timed("/stats team quarter (10 reps)", stats_team),
                                              timed("  floor: the team's counts, one query", lambda: floor(engine, members, quarter))),
            "weekly digest, all teams (figures and text)": (
                timed("weekly digest, all teams (figures and text)", weekly_digest, repeat=1),
                timed("  floor: everyone's weekly counts, one query", lambda: floor(engine, reps, week))),
            "export stats, all teams, quarter": (timed("export stats, all teams, quarter", export, repeat=1),
                                                 timed("  floor: everyone's quarter counts, one query", lambda: floor(engine, reps, utc_quarter))),
        }  # fmt: skip
        timed("the 20 digest charts (matplotlib, PNG)", charts, repeat=1)
        timed(f"{len(reps)} personal weekly summaries, one by one", summaries, repeat=1)
        for label, ((t, _), (f, _)) in results.items():
            print(f"  {label}: {t / f:.1f}× the floor", flush=True)
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--followups", type=int, default=200_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to use (its salesbot tables are dropped first)"
    )
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
