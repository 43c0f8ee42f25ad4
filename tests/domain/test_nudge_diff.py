"""Fire-on-start: told when a condition starts, never again while it holds, again after it restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.nudge_diff import StateView, plan_morning
from bot.domain.nudges import NudgeItem

NOW = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
EARLIER = NOW - timedelta(days=1)


def item(subject: str, kind: str = "overdue_visit", account_id: int | None = 1) -> NudgeItem:
    return NudgeItem("U0ALICE", kind, subject, f"line {subject}", None, account_id)


def told(subject: str, at: datetime = EARLIER) -> StateView:
    return StateView(subject, active=True, notified_at=at)


def test_a_new_condition_starts_and_is_told() -> None:
    plan = plan_morning([item("a")], {}, now=NOW)
    assert [i.subject for i in plan.tell] == ["a"]
    assert plan.started == ["a"] and plan.notified == ["a"] and plan.ended == []


def test_a_condition_already_told_is_not_told_again_while_it_holds() -> None:
    plan = plan_morning([item("a")], {"a": told("a")}, now=NOW)
    assert plan.tell == [] and plan.started == [] and plan.ended == []


def test_a_condition_that_stopped_holding_ends() -> None:
    plan = plan_morning([], {"a": told("a")}, now=NOW)
    assert plan.ended == ["a"] and plan.tell == []


def test_an_ended_condition_that_holds_again_restarts_and_is_told() -> None:
    ended = StateView("a", active=False, notified_at=EARLIER - timedelta(days=90))
    plan = plan_morning([item("a")], {"a": ended}, now=NOW)
    assert plan.started == ["a"] and plan.notified == ["a"]


def test_ended_conditions_are_not_ended_twice() -> None:
    plan = plan_morning([], {"a": StateView("a", active=False, notified_at=EARLIER)}, now=NOW)
    assert plan.ended == []


def test_kinds_turned_off_are_tracked_but_not_told_until_turned_on() -> None:
    off = plan_morning([item("r", "renewal")], {}, now=NOW, off_kinds=["renewal"])
    assert off.tell == [] and off.started == ["r"]
    tracked = {"r": StateView("r", active=True, notified_at=None)}
    on = plan_morning([item("r", "renewal")], tracked, now=NOW)
    assert on.notified == ["r"] and on.started == []


def test_a_snoozed_account_is_silent_until_the_snooze_ends_then_told_once_more() -> None:
    until = NOW + timedelta(days=3)
    states = {"a": told("a"), "b": told("b")}
    items = [item("a", account_id=1), item("b", account_id=2), item("new", "renewal", account_id=1)]
    during = plan_morning(items, states, now=NOW, account_snoozes={1: until})
    assert during.tell == [] and during.started == ["new"]

    after = NOW + timedelta(days=4)
    states["new"] = StateView("new", active=True, notified_at=None)
    plan = plan_morning(items, states, now=after, account_snoozes={1: until})
    assert sorted(plan.notified) == ["a", "new"]  # b was told and not snoozed: not again

    states["a"] = told("a", after)
    states["new"] = told("new", after)
    later = plan_morning(items, states, now=after + timedelta(days=1), account_snoozes={1: until})
    assert later.tell == []


def test_a_snoozed_subject_without_account() -> None:
    until = NOW + timedelta(days=1)
    snoozed = {"s": StateView("s", active=True, notified_at=EARLIER, snoozed_until=until)}
    items = [item("s", "signal_waiting", account_id=None)]
    assert plan_morning(items, snoozed, now=NOW).tell == []
    assert plan_morning(items, snoozed, now=until + timedelta(hours=1)).notified == ["s"]


def test_when_a_source_failed_nothing_is_ended() -> None:
    plan = plan_morning([], {"a": told("a")}, now=NOW, complete=False)
    assert plan.ended == []


def test_the_same_condition_twice_counts_once() -> None:
    plan = plan_morning([item("a"), item("a")], {}, now=NOW)
    assert plan.notified == ["a"] and plan.started == ["a"]


def test_a_full_message_keeps_the_rest_for_tomorrow_most_urgent_first() -> None:
    items = [item(f"q{i}", "inactive") for i in range(3)] + [item("f", "followup_overdue")]
    plan = plan_morning(items, {}, now=NOW, max_lines=2)
    assert plan.notified == ["f", "q0"] and plan.deferred == 2
    assert sorted(plan.started) == ["f", "q0", "q1", "q2"]
    states = {s: StateView(s, True, NOW if s in plan.notified else None) for s in plan.started}
    tomorrow = plan_morning(items, states, now=NOW + timedelta(days=1), max_lines=2)
    assert tomorrow.notified == ["q1", "q2"] and tomorrow.deferred == 0
