"""Delivery: due follow-up reminders to distinct people, against a bare ``chat.postMessage`` loop.

A fresh SQLite database, the real services, renderers and dispatcher (``Dispatcher.run``: claims,
renders, sends in parallel waves, marks), and a fake Slack Web API on loopback. The floor posts the
same number of messages, one after the other, with a plain ``WebClient``.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from sqlalchemy import event, insert

from bench.common import NOW, Pair, people, seed_accounts
from bench.fake import RemoteFake
from bot.app import build_app, build_services, make_client
from bot.clock import SystemClock
from bot.playbook import WEEKDAYS
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.followups import REMINDER_KIND, _instant
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, upgrade
from bot.storage.models import LOCAL_TEAM, Reminder, Task, UserProfile


def queue(engine: object, users: list[str], accounts: int, round_no: int) -> None:
    due = NOW - timedelta(minutes=1)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        task_ids = (
            conn.execute(
                insert(Task).returning(Task.id),
                [
                    {
                        "kind": "followup",
                        "account_id": 1 + (i % accounts),
                        "title": f"Send the proposal #{round_no}-{i}",
                        "assignee_id": user,
                        "due_at": due,
                        "status": "open",
                        "created_at": due,
                    }
                    for i, user in enumerate(users)
                ],
            )
            .scalars()
            .all()
        )
        conn.execute(
            insert(Reminder),
            [
                {
                    "kind": REMINDER_KIND,
                    "recipient_id": user,
                    "task_id": task_id,
                    "payload": {"due": _instant(due)},
                    "due_at": due,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": due,
                }
                for user, task_id in zip(users, task_ids, strict=True)
            ],
        )


def run(quick: bool) -> tuple[list[Pair], list[str]]:
    count = 500 if quick else 20_000
    rounds = 2 if quick else 3
    reps = people(count)
    users = [u.id for u in reps]
    fake = RemoteFake(count)
    notes: list[str] = []
    rate = Pair(f"delivery rate, {count:,} reminders to distinct people", "msg/s", goal="≥ 0.8×")
    per_message = Pair("SQL statements per message delivered", "stmts")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        seed_accounts(engine, users[:50], accounts=500, activities=2_000)
        # People the bot already knows (their zone, from users.info), at work around the clock: the
        # bench runs at any hour, and a reminder held for working hours would not be a delivery.
        with engine.begin() as conn:
            conn.execute(
                insert(UserProfile),
                [
                    {
                        "team_id": LOCAL_TEAM,
                        "user_id": u.id,
                        "tz": u.tz,
                        "nudges_off": [],
                        "work_days": list(WEEKDAYS),
                        "work_start": "00:00",
                        "work_end": "23:59",
                        "tz_checked_at": datetime.now(UTC),
                    }
                    for u in reps
                ],
            )
        settings = Settings(bot_token="xoxb-bench", slack_api_url=fake.api_url)
        client = make_client(settings)
        factory = make_session_factory(engine)
        services = build_services(settings, client=client, session_factory=factory, clock=SystemClock())
        build_app(settings, client=client, session_factory=factory, clock=services.clock, services=services)
        statements = [0]
        event.listen(engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
        bare = WebClient(token="xoxb-bench", base_url=fake.api_url)
        for round_no in range(rounds):
            queue(engine, users, 500, round_no)
            dispatcher = Dispatcher(services, instance_id=f"bench-{round_no}")
            s0 = statements[0]
            began = time.perf_counter()
            report = dispatcher.run(services.clock.now() + timedelta(minutes=1))
            elapsed = time.perf_counter() - began
            if len(report.sent) != count:
                notes.append(f"delivery round {round_no}: {report.summary()}")
            rate.ours.append(len(report.sent) / elapsed)
            per_message.ours.append((statements[0] - s0) / max(1, report.messages))
            began = time.perf_counter()
            for user in users:
                bare.chat_postMessage(channel=user, text="Reminder: send the proposal")
            rate.floor.append(count / (time.perf_counter() - began))
        engine.dispose()
    fake.stop()
    per_message.floor = [2.0]  # a claim and a mark: the least an exactly-once outbox can write per row
    notes.append(
        "the floor for statements per message is a nominal 2 (claim and mark, one row at a time); "
        "ours are shared by a batch (claim, read, render) and a wave (attempt, mark)"
    )
    return [rate, per_message], notes


if __name__ == "__main__":
    import sys

    for pair in run("--quick" in sys.argv)[0]:
        print(pair.name, pair.ours, pair.floor, f"{pair.ratio:.2f}x")
