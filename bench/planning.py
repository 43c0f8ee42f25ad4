"""Time the periodic work on a realistic team: the planning passes every minute, and one dispatcher pass.

    python bench/planning.py [--accounts 10000] [--activities 100000] [--reps 50] [--reminders 500]

A fresh SQLite database in a temporary directory, the real services and a fake Slack Web API on
loopback. The team: reps in several time zones (and their managers), accounts across tiers and
statuses, activities over two years, follow-ups, visit plans, signals and opportunities. Then:

* the first planning run (creates every tier plan's visit task: a one-off cost),
* a quiet minute (nobody's morning is due) and a morning minute (the reps of one zone get theirs),
  each pass timed on its own, with the SQL statements and Slack calls it made,
* one dispatcher pass with the morning messages and ~500 due follow-up reminders.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select

from bot.app import build_app, build_services, make_client
from bot.clock import FixedClock
from bot.console.fake_slack import FakeSlack, FakeUser
from bot.playbook import WorkingHours
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.followups import schedule
from bot.reminders.scheduler import run_due
from bot.services import Services
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, upgrade
from bot.storage.models import Account, Activity, Opportunity, Reminder, Signal, Task, VisitPlan

ZONES = [
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
]
TYPES = ["call", "email", "meeting", "video", "demo", "visit", "note"]
SIGNAL_KINDS = ["upsell", "cross-sell", "churn-risk", "advocacy"]
# Monday 23 November 2026. At 07:29 UTC nobody's morning is due (Tokyo's was built at the first run,
# Paris is at 08:29); at 07:30 UTC it is 08:30 in Paris.
FIRST_RUN = datetime(2026, 11, 23, 7, 28, tzinfo=UTC)
QUIET = FIRST_RUN + timedelta(minutes=1)
MORNING = FIRST_RUN + timedelta(minutes=2)
# The bench's follow-ups are due now and delivered at once, whatever the hour.
ALWAYS = WorkingHours(tuple(range(7)), clock_time(0, 0), clock_time(23, 59))


class Counter:
    """SQL statements executed on the engine."""

    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, *_: Any) -> None:
        self.statements += 1


@contextmanager
def measured(label: str, counter: Counter, fake: FakeSlack) -> Iterator[None]:
    statements, calls = counter.statements, len(fake.state.calls)
    began = time.perf_counter()
    yield
    elapsed = time.perf_counter() - began
    print(
        f"  {label:<44} {elapsed:7.3f} s  {counter.statements - statements:7,} SQL  "
        f"{len(fake.state.calls) - calls:5,} Slack calls"
    )


def people(reps: int) -> tuple[list[FakeUser], dict[str, list[str]]]:
    users = [
        FakeUser(f"U0REP{i:03d}", f"rep{i}", tz=ZONES[i % len(ZONES)], email=f"rep{i}@example.com")
        for i in range(reps)
    ]
    managers: dict[str, list[str]] = {}
    for i, user in enumerate(users):
        managers.setdefault(f"U0MGR{i % 5}", []).append(user.id)
    users += [FakeUser(m, m.lower(), tz="Europe/Paris") for m in managers]
    return users, managers


def write_config(path: Path, managers: dict[str, list[str]]) -> None:
    lines = ["[roles.managers]"]
    lines += [f"{json.dumps(m)} = {json.dumps(reps)}" for m, reps in managers.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_team(services: Services, rnd: random.Random, reps: list[str], args: argparse.Namespace) -> None:
    pb = services.playbook
    now = FIRST_RUN
    with services.uow() as session:
        session.execute(
            insert(Account),
            [
                {
                    "name": f"Company {i:05d}",
                    "name_key": f"company {i:05d}",
                    "search_key": f"company {i:05d}",
                    "status": rnd.choice(pb.statuses),
                    "tier": rnd.choice([*pb.tiers, None]),
                    "tags": [],
                    "owner_id": rnd.choice(reps) if rnd.random() > 0.05 else None,
                    "csm_id": rnd.choice(reps) if rnd.random() > 0.3 else None,
                    "mrr": rnd.randint(0, 20_000),
                    "renewal_date": date(2026, 11, 23) + timedelta(days=rnd.randint(-30, 400)),
                    "created_at": now - timedelta(days=rnd.randint(30, 1000)),
                    "updated_at": now,
                }
                for i in range(args.accounts)
            ],
        )
        accounts = list(session.execute(select(Account.id, Account.owner_id)).all())
        session.execute(
            insert(Activity),
            [
                {
                    "account_id": (a := rnd.choice(accounts)).id,
                    "type": rnd.choice(TYPES),
                    "user_id": a.owner_id or rnd.choice(reps),
                    "occurred_at": now - timedelta(minutes=rnd.randint(60, 2 * 365 * 24 * 60)),
                    "notes": "discussed the renewal and 20 more seats",
                    "source": "command",
                    "created_at": now,
                }
                for _ in range(args.activities)
            ],
        )
        owned = [a for a in accounts if a.owner_id]
        session.execute(
            insert(VisitPlan),
            [
                {
                    "account_id": a.id,
                    "activity_type": "visit",
                    "rrule": "FREQ=WEEKLY;INTERVAL=6",
                    "dtstart": now + timedelta(days=rnd.randint(-200, 30)),
                    "tz": "Europe/Paris",
                    "source": "explicit",
                    "active": True,
                    "created_by": a.owner_id,
                    "created_at": now - timedelta(days=200),
                }
                for a in rnd.sample(owned, len(owned) // 50)
            ],
        )
        for i in range(args.followups):
            a = rnd.choice(owned)
            session.add(
                Task(
                    kind="followup",
                    account_id=a.id,
                    title=f"Send the proposal #{i}",
                    assignee_id=a.owner_id,
                    due_at=now + timedelta(hours=rnd.randint(-30 * 24, 30 * 24)),
                    status=rnd.choice(["open", "open", "done"]),
                    created_at=now - timedelta(days=31),
                )
            )
        signals = []
        for _ in range(args.signals):
            kind = rnd.choice(SIGNAL_KINDS)
            signals.append(
                Signal(
                    account_id=rnd.choice(owned).id,
                    kind=kind,
                    points=pb.signal_kinds[kind].points,
                    quote="they asked for pricing for 20 more seats",
                    flagged_by=rnd.choice(reps),
                    status=rnd.choice(["open", "open", "snoozed", "acted", "dismissed"]),
                    snoozed_until=now + timedelta(days=rnd.randint(-5, 5)),
                    created_at=now - timedelta(days=rnd.randint(0, 60)),
                )
            )
        session.add_all(signals)
        for s in rnd.sample(signals, len(signals) // 5):
            account = session.get(Account, s.account_id)
            assert account is not None
            account.expansion_alerted_at = now - timedelta(days=rnd.randint(0, 30))
        session.add_all(
            Opportunity(
                account_id=rnd.choice(owned).id,
                kind=rnd.choice(pb.opportunity_kinds),
                title=f"Deal {i}",
                mrr=rnd.randint(100, 5000),
                stage=rnd.choice(pb.opportunity_stages),
                status=rnd.choice(["open", "open", "won", "lost"]),
                close_date=date(2027, 1, 1) + timedelta(days=rnd.randint(0, 200)),
                owner_id=rnd.choice(reps),
                created_at=now - timedelta(days=rnd.randint(0, 200)),
            )
            for i in range(args.opportunities)
        )


def minute(services: Services, at: datetime, counter: Counter, fake: FakeSlack, label: str) -> None:
    """One planning run, pass by pass (what ``run_due`` does), then the same minute again in one go."""
    print(f"{label} ({at:%a %H:%M} UTC):")
    for planning_pass in services.planning_passes:
        name = f"{planning_pass.__module__}.{getattr(planning_pass, '__name__', '?')}"
        with measured(name.removeprefix("bot.reminders."), counter, fake):
            planning_pass(services, at)
    with measured("run_due, the same minute again", counter, fake):
        run_due(services, at, weekly=False, dispatch=False)


def queue_due_followups(services: Services, count: int, at: datetime) -> int:
    """Bring ``count`` open follow-ups due now (their reminders queued as ``/followup`` does)."""
    with services.uow() as session:
        tasks = session.scalars(
            select(Task).where(Task.kind == "followup", Task.status == "open").limit(count)
        )
        queued = 0
        for task in tasks:
            account = session.get(Account, task.account_id)
            assert account is not None
            task.due_at = at - timedelta(minutes=1)
            schedule(session, task, account, tz=UTC, hours=ALWAYS, playbook=services.playbook, now=at)
            queued += 1
        return queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--followups", type=int, default=3_000)
    parser.add_argument("--signals", type=int, default=400)
    parser.add_argument("--opportunities", type=int, default=600)
    parser.add_argument("--reminders", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    users, managers = people(args.reps)
    fake = FakeSlack(users).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "salesbot.toml"
        write_config(config, managers)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        counter = Counter()
        event.listen(engine, "before_cursor_execute", counter)
        factory = make_session_factory(engine)
        clock = FixedClock(FIRST_RUN)
        settings = Settings(bot_token="xoxb-bench", slack_api_url=fake.api_url, config_path=str(config))
        client = make_client(settings)
        services = build_services(settings, client=client, session_factory=factory, clock=clock)
        build_app(settings, client=client, session_factory=factory, clock=clock, services=services)
        began = time.perf_counter()
        load_team(services, rnd, [u.id for u in users[: args.reps]], args)
        print(
            f"{args.accounts:,} accounts, {args.activities:,} activities, {args.reps} reps in "
            f"{len(ZONES)} zones, {args.followups:,} follow-ups, {args.signals} signals, "
            f"{args.opportunities} opportunities: loaded in {time.perf_counter() - began:.1f} s"
        )
        print(f"first run ({FIRST_RUN:%a %H:%M} UTC, creates every tier plan's visit task):")
        with measured("run_due (all planning passes)", counter, fake):
            run_due(services, FIRST_RUN, weekly=False, dispatch=False)
        for at, label in ((QUIET, "quiet minute"), (MORNING, "morning minute (Paris)")):
            clock.set(at)
            minute(services, at, counter, fake, label)
        queued = queue_due_followups(services, args.reminders, MORNING)
        with services.uow() as session:
            due = session.scalar(
                select(func.count()).where(Reminder.status == "pending", Reminder.due_at <= MORNING)
            )
        print(f"dispatcher ({queued} follow-up reminders queued, {due} reminders due in all):")
        dispatcher = Dispatcher(services, instance_id="bench")
        with measured("Dispatcher.run_once (one pass)", counter, fake):
            report = dispatcher.run_once(MORNING)
        print(f"    {report.summary()}")
        passes, sent, began = 1, len(report.sent), time.perf_counter()
        with measured("passes until nothing is due", counter, fake):
            while report.sent or report.cancelled:
                report = dispatcher.run_once(MORNING)
                passes, sent = passes + 1, sent + len(report.sent)
        print(f"    {sent} sent in {passes} passes (one every few seconds)")
        engine.dispose()
    fake.stop()


if __name__ == "__main__":
    main()
