"""Visit plans as a rep expects them (signed requests end to end): weekly plans start on the coming
weekday, tier cadences skip weekends and holidays, one-offs add a visit, a changed plan announces once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.storage.models import Task, VisitPlan
from tests.helpers import FakeSlack, Harness, all_text

TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 24 November, 10:00 in Paris


def open_visits(bot: Harness) -> list[Task]:
    with bot.db() as s:
        return list(
            s.scalars(select(Task).where(Task.kind == "visit", Task.status == "open").order_by(Task.id))
        )


def active_plans(bot: Harness) -> list[VisitPlan]:
    with bot.db() as s:
        return list(s.scalars(select(VisitPlan).where(VisitPlan.active.is_(True)).order_by(VisitPlan.id)))


def announcements(bot: Harness) -> list[str]:
    texts = [all_text(m.get("blocks")) for m in bot.dms("U0ALICE")]
    return [t for t in texts if "book the slot" in t]


def test_every_two_weeks_on_tuesday_created_on_a_tuesday_starts_on_the_coming_one(bot: Harness) -> None:
    bot.clock.set(TUESDAY_10)
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex owner:<@U0ALICE|alice>")
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday at 15:00")  # still ahead today
    assert "Next visit: *Tue 24 Nov, 15:00*" in bot.last_text(), bot.last_text()
    bot.command("/visit", "Globex every 2 weeks on tuesday")  # a day: today is taken, next week's
    assert "Next visit: *Tue 1 Dec*" in bot.last_text()
    acme, globex = open_visits(bot)
    assert acme.occurrence_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert globex.occurrence_at.astimezone(UTC).date().isoformat() == "2026-11-30"  # 1 Dec 00:00 Paris
    # …and then every other week from there.
    with bot.db() as s:
        assert s.get(VisitPlan, acme.visit_plan_id).rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"


def test_a_tier_cadence_never_lands_on_a_weekend_or_a_holiday(
    fake_slack: FakeSlack,
    session_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    config = tmp_path / "salesbot.toml"
    config.write_text(
        '[visits.tier_cadence.gold]\nactivity = "visit"\nrrule = "FREQ=WEEKLY"\n'
        '[holidays]\ndates = ["2026-12-07"]\n'
    )
    bot = Harness.create(
        fake_slack, session_factory, config_path=str(config), now=datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    )
    bot.command("/account", "add Acme Corp tier:gold owner:<@U0ALICE|alice>")  # on a Saturday
    bot.run_planning()
    [task] = open_visits(bot)
    # A week later is Saturday 5 December; Monday 7 is a holiday: Tuesday 8, 09:00 Paris.
    assert task.due_at == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 12, 8, 8, 0, tzinfo=UTC))
    bot.deliver()
    assert any("Today: *Visit Acme Corp*" in all_text(m.get("blocks")) for m in bot.dms("U0ALICE"))


def test_a_one_off_visit_is_added_beside_the_recurring_plan(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/visit", "Acme Corp every 4 months")
    bot.command("/visit", "Acme Corp on 10/12 at 10")
    assert "replaces" not in bot.last_text()
    rules = [p.rrule for p in active_plans(bot)]
    assert rules == ["FREQ=MONTHLY;INTERVAL=4", None]
    assert len(open_visits(bot)) == 2
    bot.command("/visit", "Acme Corp every 2 months")  # a new recurring plan replaces the old one only
    assert [p.rrule for p in active_plans(bot)] == [None, "FREQ=MONTHLY;INTERVAL=2"]


def test_a_one_off_keeps_the_tier_cadence(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold owner:<@U0ALICE|alice>")
    bot.run_planning()
    bot.command("/visit", "Acme Corp on 10/12 at 10")
    bot.run_planning()
    assert sorted(p.source for p in active_plans(bot)) == ["explicit", "tier"]


def test_changing_a_plan_announces_the_next_occurrence_once(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp owner:<@U0ALICE|alice>")
    bot.command("/visit", "Acme Corp every 2 weeks on tuesday at 10:00")  # tomorrow: announced now
    bot.deliver()
    assert len(announcements(bot)) == 1
    bot.command("/visit", "Acme Corp every week on tuesday at 14:00")  # same day, another hour
    bot.deliver()
    bot.command("/visit", "Acme Corp every week on tuesday at 16:00")
    bot.deliver()
    assert len(announcements(bot)) == 1
