"""/stats and /targets on the known world (tests/insight/conftest.py): every figure, in each reader's zone."""

from __future__ import annotations

import pytest

from bot.storage.models import Target
from tests.helpers import Harness
from tests.insight.conftest import ALICE, BOB, MGR, MGR2

ALICE_NOVEMBER_IN_PARIS = [
    "• calls: *3* · target 4.3 (70 %) · last month 1 ↑",
    "• meetings: *2* · target 3 (67 %) · last month 0 ↑",
    "• gold accounts touched within their cadence: *75 %* (3 of 4) · last month 25 % ↑",
    "• meetings on gold accounts: *2* (3 a year × 4 accounts) · target 1 (200 %) · last month 0 ↑",
    "• calls on gold accounts: *4* (8 a year × 4 accounts) · target 2.7 (150 %) · last month 1 ↑",
    "• follow-ups done on time: *1* · last month 0 ↑",
    "• follow-ups done late: *1* · last month 0 ↑",
    "• follow-ups still open: *1* · last month 0 ↑",
    "• planned visits done: *1* (of 2 planned) · last month 0 ↑",
    "• no-shows: *1* · last month 0 ↑",
    "• no-shows rebooked within 14 days: *1* (100 %) · last month 0 ↑",
    "*Outputs*",
    "• opportunities created: *4* · last month 2 ↑",
    "• opportunities won: *3* · last month 0 ↑",
    "• opportunities lost: *1* (price 1) · last month 1 →",
    "• win rate: *75 %* · last month 0 % ↑",
    "• MRR won: *5,800* · target 5,000 (116 %) · last month 0 ↑",
    "• expansion MRR won (upsell + cross-sell): *1,800* · last month 0 ↑",
    "• renewals won: *1* · last month 0 ↑",
    "• signals flagged: *4* · last month 1 ↑",
    "• signals → opportunity: *3* (75 %) · last month 1 ↑",
    "• signals → opportunity won: *1* (25 %) · last month 1 →",
    "• median days from signal to opportunity: *3.0 d* · last month 15.0 d ↓",
]


def figure_lines(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[
        lines.index("*Inputs*") + 1 : next(i for i, line in enumerate(lines) if "definitions" in line)
    ]


def plan(bot: Harness) -> None:
    bot.command("/targets", f"{ALICE} calls:1/week meetings:3/month won_mrr:15000/quarter", user="U0MGR")
    assert "Targets set for <@U0ALICE>: `calls:1/week`, `meetings:3/month`, `won_mrr:15000/quarter`" in (
        bot.last_text()
    )
    bot.command("/targets", "team calls:2/week", user="U0MGR")
    assert "Targets set for your team: `calls:2/week`" in bot.last_text()


def test_a_rep_sees_her_month_in_her_own_zone(world: Harness) -> None:
    plan(world)
    world.command("/stats", "2026-11")
    text = world.last_text()
    assert "<@U0ALICE> · 2026-11" in text
    assert figure_lines(text) == ALICE_NOVEMBER_IN_PARIS
    assert "Sun 1 Nov to Mon 30 Nov (Europe/Paris)" in text
    assert world.last_reply()["response_type"] == "ephemeral"


def test_her_manager_in_new_york_counts_the_boundary_activities_in_his_zone(world: Harness) -> None:
    plan(world)
    world.command("/stats", f"{ALICE} 2026-11", user="U0MGR")
    lines = figure_lines(world.last_text())
    # 31 Oct 23:30 UTC is October in New York; 30 Nov 23:30 and 23:45 UTC are still November.
    assert lines[0] == "• calls: *4* · target 4.3 (93 %) · last month 2 ↑"
    assert lines[2] == "• gold accounts touched within their cadence: *75 %* (3 of 4) · last month 50 % ↑"
    assert (
        lines[4]
        == "• calls on gold accounts: *5* (8 a year × 4 accounts) · target 2.7 (188 %) · last month 2 ↑"
    )
    assert lines[5:] == ALICE_NOVEMBER_IN_PARIS[5:]


def test_team_totals_and_each_member(world: Harness) -> None:
    plan(world)
    world.command("/stats", "team 2026-11", user="U0MGR")
    text = world.last_text()
    assert "<@U0MGR>'s team · 2 people · 2026-11" in text
    lines = figure_lines(text)
    assert lines[:14] == [
        "• calls: *5* · target 8.6 (58 %) · last month 2 ↑",
        "• meetings: *3* · last month 0 ↑",
        "• gold accounts touched within their cadence: *75 %* (3 of 4) · last month 50 % ↑",
        "• silver accounts touched within their cadence: *100 %* (1 of 1) · last month 100 % →",
        "• meetings on gold accounts: *2* (3 a year × 4 accounts) · target 1 (200 %) · last month 0 ↑",
        "• calls on gold accounts: *5* (8 a year × 4 accounts) · target 2.7 (188 %) · last month 2 ↑",
        "• meetings on silver accounts: *1* (2 a year × 1 account) · target 0.2 (600 %) · last month 0 ↑",
        "• calls on silver accounts: *0* (4 a year × 1 account) · target 0.3 (0 %) · last month 0 →",
        "• follow-ups done on time: *1* · last month 0 ↑",
        "• follow-ups done late: *1* · last month 0 ↑",
        "• follow-ups still open: *1* · last month 0 ↑",
        "• planned visits done: *1* (of 2 planned) · last month 0 ↑",
        "• no-shows: *2* · last month 0 ↑",
        "• no-shows rebooked within 14 days: *1* (50 %) · last month 0 ↑",
    ]
    assert lines[15:20] == [
        "• opportunities created: *5* · last month 2 ↑",
        "• opportunities won: *3* · last month 0 ↑",
        "• opportunities lost: *2* (price 2) · last month 1 ↑",
        "• win rate: *60 %* · last month 0 % ↑",
        "• MRR won: *5,800* · last month 0 ↑",
    ]
    assert "• median days from signal to opportunity: *3.0 d* · last month 15.0 d ↓" in lines
    assert (
        "• <@U0ALICE>: calls 4/4.3, meetings 2/3, meetings on gold accounts 2/1, calls on gold accounts 5/2.7, "
        "opportunities created 4, opportunities won 3, MRR won 5,800/5,000" in text
    )
    assert "• <@U0BOB>: calls 1, meetings 1, meetings on silver accounts 1/0.2" in text


def test_tokyo_week_and_the_default_period(world: Harness) -> None:
    world.command("/stats", "2026-11", user="U0KENJI")
    # 30 Nov 15:30 UTC is 1 December in Tokyo.
    assert figure_lines(world.last_text())[0] == "• calls: *1* · last month 0 ↑"
    world.command("/stats", user="U0KENJI")  # this week, Monday 30 Nov 00:00 Tokyo
    text = world.last_text()
    assert "Mon 30 Nov to Sun 6 Dec (Asia/Tokyo)" in text
    assert figure_lines(text)[0] == "• calls: *1* · last week 0 ↑"


def test_who_may_see_whose_numbers(world: Harness) -> None:
    for user, text in [
        ("U0CAROL", f"{ALICE}"),
        ("U0MGR2", f"{ALICE} month"),
        ("U0BOB", f"{ALICE}"),
        ("U0MGR", f"{MGR2} team"),
    ]:
        world.command("/stats", text, user=user)
        assert "Sorry, you can see your own numbers" in world.last_text()
    world.command("/stats", f"{ALICE} 2026-11", user="U0ADMIN")
    assert figure_lines(world.last_text())[0] == "• calls: *4* · last month 2 ↑"  # in UTC
    world.command("/stats", f"{MGR} team 2026-11", user="U0ADMIN")
    assert "• calls: *5* · last month 2 ↑" in world.last_text()


def test_simulation_on_the_last_full_quarter_changes_nothing(world: Harness) -> None:
    world.command("/targets", "simulate calls:1/month", user="U0MGR")
    text = world.last_text()
    assert "If this plan had applied in 2026-Q3* (2 people; nothing was changed)" in text
    assert "• calls: target 3 over the period · met by *1 of 2*" in text
    assert "*Whole plan met by 1 of 2 (50 %)*" in text and "too hard" in text
    assert ":white_check_mark: <@U0ALICE>: calls 3" in text and ":x: <@U0BOB>: calls 1 ✗" in text
    world.command("/targets", "simulate calls:1/quarter quarter:2026-Q3", user="U0MGR")
    text = world.last_text()
    assert "*Whole plan met by 2 of 2 (100 %)*" in text and "too easy" in text
    world.command("/targets", "simulate calls:1/week meetings:1/month month:2026-11", user="U0MGR")
    text = world.last_text()
    assert "• calls: target 4.3 over the period · met by *0 of 2*" in text
    assert "• meetings: target 1 over the period · met by *2 of 2*" in text
    assert world.count(Target) == 0


def test_show_lists_targets_and_the_coverage_of_the_accounts(world: Harness) -> None:
    plan(world)
    world.command("/targets", "show")
    text = world.last_text()
    assert "`calls:1/week`" in text and "`won_mrr:15000/quarter`" in text
    assert "• gold: 4 accounts × 3 meetings = 12 a year" in text
    world.command("/targets", "clear <@U0ALICE|alice> calls", user="U0MGR")
    assert "Cleared 1 target of <@U0ALICE>" in world.last_text()
    world.command("/targets", f"show {ALICE}", user="U0MGR")
    assert "`calls:1/week`" not in world.last_text() and "`meetings:3/month`" in world.last_text()
    world.command("/targets", f"clear {ALICE}", user="U0ADMIN")
    assert "Cleared 2 targets" in world.last_text()
    world.command("/targets", f"show {BOB}", user="U0ALICE")
    assert "Sorry" in world.last_text()


@pytest.mark.parametrize(
    ("user", "text", "message"),
    [
        ("U0MGR", f"{ALICE} dances:3/week", "I don't know the metric “dances”"),
        ("U0MGR", f"{ALICE} calls", "`calls` needs a number and a period"),
        ("U0MGR", f"{ALICE} calls:-3/week", "A target can't be negative"),
        ("U0MGR", f"{ALICE} calls:3", "needs a period after the number"),
        ("U0MGR", f"{ALICE} calls:3/fortnight", "needs a period after the number"),
        ("U0MGR", f"{ALICE}", "Give at least one target"),
        ("U0MGR", "<@U0KENJI|kenji> calls:3/week", "only for people in your team"),
        ("U0ALICE", "team calls:3/week", "You have no team"),
        ("U0MGR", "simulate calls:3/week quarter:2026-Q4", "2026-Q4 is not over yet"),
        ("U0MGR", "simulate calls:3/week quarter:someday", "I don't know the period “someday”"),
        ("U0MGR", "bonus calls:3/week", "I don't know `/targets bonus`"),
    ],
)
def test_bad_targets_explain_and_write_nothing(world: Harness, user: str, text: str, message: str) -> None:
    world.command("/targets", text, user=user)
    reply = world.last_text()
    assert message in reply and "Example: `/targets" in reply
    assert world.count(Target) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [("someday", "I don't know the period “someday”"), ("team", "you are in <@U0MGR>'s. For a team's")],
)
def test_bad_stats_requests(world: Harness, text: str, message: str) -> None:
    """Alice is in Dana's team: asking for "my team" points her to Dana's rather than saying she has none."""
    world.command("/stats", text)
    assert message in world.last_text() and "Example: `/stats" in world.last_text()
