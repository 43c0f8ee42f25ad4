"""People: time zones from users.info, cached a day; a failing users.info never breaks a command."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.storage.models import Activity, UserProfile
from tests.helpers import Harness


def users_info_calls(bot: Harness, user: str) -> int:
    return sum(1 for p in bot.fake.params("users.info") if p.get("user") == user)


def test_users_info_once_per_person_per_day(bot: Harness) -> None:
    people = bot.services.people
    assert people.get("U0ALICE").tz == ZoneInfo("Europe/Paris")
    assert people.tz("U0ALICE") == ZoneInfo("Europe/Paris")
    assert people.get("U0BOB").tz == ZoneInfo("America/New_York")
    assert people.get("U0ALICE").name == "alice"
    assert (users_info_calls(bot, "U0ALICE"), users_info_calls(bot, "U0BOB")) == (1, 1)
    bot.clock.advance(hours=23)
    people.get("U0ALICE")
    assert users_info_calls(bot, "U0ALICE") == 1
    bot.clock.advance(hours=2)
    people.get("U0ALICE")
    assert users_info_calls(bot, "U0ALICE") == 2


def test_commands_share_the_cache(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    for _ in range(3):
        bot.command("/log", "call Acme Corp: hi")
        bot.command("/account", "Acme Corp")
    assert users_info_calls(bot, "U0ALICE") == 1


def test_users_info_failure_falls_back_to_utc_and_retries_later(bot: Harness) -> None:
    bot.command("/account", "add Globex", user="U0BOB")  # Alice is not known yet
    bot.fake.fail("users.info", "ratelimited", status=429, retry_after=0)
    bot.fake.fail("users.info", "internal_error", status=500)
    bot.command("/log", "meeting Globex yesterday 3pm: demo went well")
    assert "Logged a *meeting* with *Globex* · Sun 22 Nov, 15:00" in bot.last_text()
    with bot.db() as s:
        assert s.scalars(select(Activity)).one().occurred_at == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
        assert s.get(UserProfile, ("T_LOCAL", "U0ALICE")).tz_checked_at is None  # type: ignore[union-attr]
    assert bot.services.people.get("U0ALICE").tz == ZoneInfo("Europe/Paris")  # Slack answers again


def test_unknown_user_gets_utc(bot: Harness) -> None:
    assert bot.services.people.get("U0NOBODY").tz == ZoneInfo("UTC")
