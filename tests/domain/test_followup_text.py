from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.dates import When
from bot.domain.errors import UserError
from bot.domain.followup_rules import matching_rules
from bot.domain.followup_text import (
    due_instant,
    in_days_due,
    next_week_start,
    parse_followup_text,
    rule_due,
    snooze_until,
    split_what_when,
)
from bot.playbook import FollowupRule, WorkingHours, load_playbook

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
HOURS = WorkingHours((0, 1, 2, 3, 4), time(9), time(18))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Paris


def test_account_what_and_when() -> None:
    spec = parse_followup_text("Acme Corp: send the proposal tomorrow 9am")
    assert (spec.account, spec.body, spec.assignee_id, spec.channel_id) == (
        "Acme Corp",
        "send the proposal tomorrow 9am",
        None,
        None,
    )


def test_for_mention_assigns_a_colleague_and_leaves_the_text() -> None:
    spec = parse_followup_text("Acme Corp: prepare QBR in 2 weeks for <@U0BOB|bob>")
    assert spec.assignee_id == "U0BOB"
    assert spec.body == "prepare QBR in 2 weeks"


def test_for_mention_before_the_date_also_assigns() -> None:
    spec = parse_followup_text("Acme Corp: prepare QBR for <@U0BOB> in 2 weeks")
    assert (spec.assignee_id, spec.body) == ("U0BOB", "prepare QBR in 2 weeks")


def test_mention_inside_the_text_stays_there() -> None:
    spec = parse_followup_text("Acme Corp: introduce <@U0CAROL|carol> to the CFO friday")
    assert spec.assignee_id is None
    assert "<@U0CAROL|carol>" in spec.body


def test_channel_prefix() -> None:
    spec = parse_followup_text("<#C0ACME|acme-team> Acme Corp: renewal call friday 10am")
    assert (spec.channel_id, spec.account, spec.body) == ("C0ACME", "Acme Corp", "renewal call friday 10am")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Acme Corp send the proposal tomorrow", "colon"),
        (": send the proposal tomorrow", "Which account"),
        ("Acme Corp: prepare QBR for @bob", "Mention the colleague"),
        ("Acme Corp: prepare QBR for <@U0BOB> <@U0CAROL>", "One person"),
        ("Acme <@U0BOB>: prepare QBR tomorrow", "at the end"),
        ("#acme-team Acme Corp: renewal call friday", "Slack links it"),
    ],
)
def test_malformed_commands_say_why(text: str, fragment: str) -> None:
    with pytest.raises(UserError) as err:
        parse_followup_text(text)
    assert fragment in err.value.message
    assert err.value.example


@pytest.mark.parametrize(
    ("body", "what", "local"),
    [
        ("send the proposal tomorrow 9am", "send the proposal", datetime(2026, 11, 24, 9, 0)),
        ("call back in 3 days", "call back", datetime(2026, 11, 26, 0, 0)),
        ("send product sheet on 2026-12-15", "send product sheet", datetime(2026, 12, 15, 0, 0)),
        ("check budget next monday", "check budget", datetime(2026, 11, 30, 0, 0)),
        ("renewal call friday 10am", "renewal call", datetime(2026, 11, 27, 10, 0)),
    ],
)
def test_what_and_when_split(body: str, what: str, local: datetime) -> None:
    found = split_what_when(body, NOW.astimezone(PARIS))
    assert found.what == what
    assert found.when.at.replace(tzinfo=None) == local


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("send the proposal", "couldn't find when"),
        ("send the proposal on 2026-13-45", "2026-13-45 is not a real date"),
        ("call back tomorrow 25:00", "“25:00” is not a time of day"),
        ("tomorrow 9am", "What should be done"),
        ("", "What should be done"),
    ],
)
def test_missing_or_unreadable_parts(body: str, fragment: str) -> None:
    with pytest.raises(UserError) as err:
        split_what_when(body, NOW.astimezone(PARIS))
    assert fragment in err.value.message


def test_a_day_without_time_is_the_start_of_the_assignees_working_day() -> None:
    when = When(datetime(2026, 11, 26, 0, 0, tzinfo=NEW_YORK), False)
    assert due_instant(when, NOW, HOURS, NEW_YORK) == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def test_today_without_time_after_the_start_is_now() -> None:
    when = When(datetime(2026, 11, 23, 0, 0, tzinfo=PARIS), False)
    assert due_instant(when, NOW, HOURS, PARIS) == NOW


def test_a_time_in_the_past_is_refused() -> None:
    with pytest.raises(UserError, match="in the past"):
        due_instant(When(datetime(2026, 11, 23, 8, 0, tzinfo=PARIS), True), NOW, HOURS, PARIS)


def test_far_future_is_refused() -> None:
    with pytest.raises(UserError, match="five years"):
        due_instant(When(datetime(2040, 1, 1, 9, 0, tzinfo=PARIS), True), NOW, HOURS, PARIS)


def test_due_instant_keeps_local_nine_across_dst() -> None:
    before_change = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    when = When(datetime(2026, 10, 27, 0, 0, tzinfo=PARIS), False)
    assert due_instant(when, before_change, HOURS, PARIS) == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)


def test_snoozes() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert snooze_until("1h", friday, HOURS, PARIS) == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert snooze_until("tomorrow", friday, HOURS, PARIS) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert snooze_until("week", friday, HOURS, PARIS) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert next_week_start(NOW, HOURS, PARIS) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        snooze_until("forever", friday, HOURS, PARIS)


def test_in_days_lands_on_a_working_day() -> None:
    # Monday + 5 days = Saturday → Monday's start.
    assert in_days_due(5, NOW, HOURS, PARIS) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert in_days_due(7, NOW, HOURS, PARIS) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_rule_due() -> None:
    friday_evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert rule_due("next_working_day 09:00", friday_evening, HOURS, PARIS) == datetime(
        2026, 11, 30, 8, 0, tzinfo=UTC
    )
    assert rule_due("2h", NOW, HOURS, PARIS) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert rule_due("30m", NOW, HOURS, PARIS) == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    # Days keep the wall clock: 10:00 in Paris on Friday before the change, 10:00 on Monday after.
    before = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)
    assert rule_due("3d", before, HOURS, PARIS) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        rule_due("soon", NOW, HOURS, PARIS)


def test_matching_rules_by_type_and_tier() -> None:
    playbook = load_playbook()
    assert [r.title for r in matching_rules(playbook, "meeting", None)] == [
        "Send the product sheet",
        "Send the meeting summary",
    ]
    assert matching_rules(playbook, "call", "gold") == []
    gold_only = FollowupRule(("call",), "Send pricing", "1d", ("gold",))
    custom = type(playbook)(**{**playbook.__dict__, "followup_rules": (gold_only,)})
    assert matching_rules(custom, "call", "gold") == [gold_only]
    assert matching_rules(custom, "call", "silver") == []
    assert matching_rules(custom, "call", None) == []


def test_dates_are_days_not_datetimes() -> None:
    # A parsed bare day is flagged as such, so the caller can pick the working start.
    found = split_what_when("call back in 3 days", NOW.astimezone(PARIS))
    assert found.when.has_time is False
    assert found.when.at.date() == date(2026, 11, 26)
