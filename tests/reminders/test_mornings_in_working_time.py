"""The morning message arrives in each person's own working time: at the later of
``scheduler.daily_nudge_time`` (08:30) and their working start, in their own zone, on their working
days only (weekends and the playbook's holidays: none), whether or not they ever used the bot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.domain.workhours import is_working_time
from bot.storage.models import Reminder, UserProfile
from tests.helpers import FakeSlack, FakeUser, Harness, add_task

HOLIDAY = "2026-11-26"  # Thursday


@pytest.fixture
def bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    fake_slack.add_user(FakeUser("U0KENJI", "kenji", tz="Asia/Tokyo"))  # never types a command
    config = tmp_path / "salesbot.toml"
    config.write_text(f'followup_rules = []\n[holidays]\ndates = ["{HOLIDAY}"]\n')
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_morning_message_comes_at_the_later_of_the_nudge_time_and_each_persons_working_start(
    bot: Harness,
) -> None:
    for name, owner in (("Acme", "alice"), ("Globex", "bob"), ("Hooli", "kenji")):
        bot.command("/account", f"add {name} tier:gold status:partner owner:<@U0{owner.upper()}|{owner}>")
        bot.command("/log", f"visit {name} 2026-06-20: quarterly review")  # overdue: news for its owner
    bot.services.people.get("U0ALICE")
    with bot.db() as s:  # Alice starts at 10:00
        s.execute(update(UserProfile).where(UserProfile.user_id == "U0ALICE").values(work_start="10:00"))
    add_task(bot, "Acme", "Send the proposal", utc("2026-11-25 15:00"))  # overdue from Wednesday

    def mornings() -> list[tuple[str, datetime]]:
        with bot.db() as s:
            rows = s.scalars(
                select(Reminder).where(Reminder.kind == "morning_digest", Reminder.status == "sent")
            )
            return sorted((str(r.recipient_id), r.sent_at) for r in rows if r.sent_at is not None)

    timeline = [  # (UTC, whose morning message arrives then)
        ("2026-11-23 23:30", []),  # Tuesday 08:30 in Tokyo: Kenji starts at 09:00
        ("2026-11-24 00:00", ["U0KENJI"]),  # his zone and hours, read from Slack
        ("2026-11-24 07:30", []),  # 08:30 in Paris: Alice starts at 10:00
        ("2026-11-24 08:59", []),
        ("2026-11-24 09:00", ["U0ALICE"]),
        ("2026-11-24 13:30", []),  # 08:30 in New York
        ("2026-11-24 14:00", ["U0BOB"]),  # 09:00 there
        ("2026-11-26 09:00", []),  # Thursday is a holiday: nothing, all day
        ("2026-11-26 14:00", []),
        ("2026-11-27 08:59", []),
        ("2026-11-27 09:00", ["U0ALICE"]),  # Friday: the follow-up overdue since Wednesday
        ("2026-11-28 09:00", []),  # Saturday
        ("2026-11-28 14:00", []),
    ]
    for when, expected in timeline:
        bot.clock.set(utc(when))
        bot.tick()
        arrived = sorted(user for user, sent in mornings() if sent == bot.clock.now())
        assert arrived == sorted(expected), when
        for user in arrived:  # each in their own working time
            person = bot.services.people.get(user)
            assert is_working_time(bot.clock.now(), person.working_hours, person.tz), (user, when)
