"""The fixed jobs: definitions (without starting threads) and the job functions, with a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.playbook import PlaybookError, load_playbook, parse_weekly
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.scheduler import (
    build_scheduler,
    dispatch_job,
    last_weekly_run,
    latest_weekly_slot,
    plan_job,
    run_due,
    weekly_job,
)
from bot.services import Services
from tests.helpers import DEFAULT_NOW, Harness, posted_reminder_ids, queue_reminders


def test_job_definitions(bot: Harness) -> None:
    bot.services.playbook = replace(
        bot.services.playbook, dispatch_every_seconds=7, weekly_digest="fri 16:30"
    )
    scheduler = build_scheduler(bot.services)
    assert not scheduler.running
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"dispatch", "plan", "weekly_digest"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
        assert job.args[0] is bot.services
    # Jobs added before start wait with their replace_existing flag (applied when the scheduler starts).
    assert {job.id: flag for job, _store, flag in scheduler._pending_jobs} == dict.fromkeys(jobs, True)
    assert isinstance(scheduler._jobstores["default"], MemoryJobStore)

    dispatch, plan, weekly = jobs["dispatch"].trigger, jobs["plan"].trigger, jobs["weekly_digest"].trigger
    assert isinstance(dispatch, IntervalTrigger) and dispatch.interval == timedelta(seconds=7)
    assert isinstance(plan, IntervalTrigger) and plan.interval == timedelta(minutes=1)
    assert isinstance(weekly, CronTrigger)
    # DEFAULT_NOW is Monday 09:00 UTC: the next Friday 16:30 UTC.
    assert weekly.get_next_fire_time(None, DEFAULT_NOW) == datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    assert jobs["dispatch"].func is dispatch_job and jobs["weekly_digest"].func is weekly_job


def test_plan_job_runs_every_pass_even_when_one_fails(bot: Harness) -> None:
    seen: list[tuple[str, datetime]] = []

    def first(services: Services, now: datetime) -> None:
        seen.append(("first", now))

    def broken(services: Services, now: datetime) -> None:
        raise RuntimeError("boom")

    def last(services: Services, now: datetime) -> None:
        seen.append(("last", now))
        queue_reminders(bot)  # a pass enqueues; delivery is the dispatch job's business

    bot.services.planning_passes[:] = [first, broken, last]  # only these, not the features' passes
    summary = plan_job(bot.services)
    assert seen == [("first", DEFAULT_NOW), ("last", DEFAULT_NOW)]
    assert summary.planning == 2 and summary.planning_failed == [f"{__name__}.{broken.__qualname__}"]
    assert summary.delivery is None and bot.fake.calls("chat.postMessage") == []

    report = dispatch_job(bot.services, Dispatcher(bot.services)).delivery
    assert report is not None and len(report.sent) == 1
    assert len(seen) == 2  # the dispatch job plans nothing


def test_weekly_job_runs_once_per_slot(bot: Harness) -> None:
    runs: list[datetime] = []
    bot.services.weekly_passes.append(lambda services, now: runs.append(now))
    bot.clock.set(datetime(2026, 11, 23, 8, 29, tzinfo=UTC))  # Monday, just before "mon 08:30"
    assert weekly_job(bot.services).weekly == "not due"
    bot.clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    assert weekly_job(bot.services).weekly == "ran 1 passes"
    assert weekly_job(bot.services).weekly == "done already"
    assert plan_job(bot.services).weekly == "done already"  # another instance, or the catch-up check
    assert runs == [datetime(2026, 11, 23, 8, 30, tzinfo=UTC)]
    assert last_weekly_run(bot.services) == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    bot.clock.advance(days=7)
    assert weekly_job(bot.services).weekly == "ran 1 passes"
    assert len(runs) == 2


def test_missed_weekly_slot_is_caught_up_by_the_plan_job_within_a_day(bot: Harness) -> None:
    runs: list[datetime] = []
    bot.services.weekly_passes.append(lambda services, now: runs.append(now))
    bot.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # down at 08:30, back at 14:00
    assert plan_job(bot.services).weekly == "ran 1 passes"
    bot.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))  # Wednesday after the next slot: too late
    assert plan_job(bot.services).weekly == "not due"
    assert len(runs) == 1


def test_run_due_plans_then_delivers(bot: Harness) -> None:
    order: list[str] = []

    def enqueue_one(services: Services, now: datetime) -> None:
        order.append("plan")
        queue_reminders(bot, due_at=now)

    bot.services.planning_passes[:] = [enqueue_one]
    summary = run_due(bot.services, bot.clock.now())
    assert order == ["plan"] and summary.delivery is not None
    assert summary.delivery.sent == posted_reminder_ids(bot.fake)
    line = summary.line()
    assert line.startswith("at 2026-11-23T09:00:00Z; planning: 1 passes")
    assert "delivery: 1 sent in 1 messages" in line


def test_latest_weekly_slot_and_validation() -> None:
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert latest_weekly_slot("mon 08:00", monday_9) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert latest_weekly_slot("mon 10:00", monday_9) == datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
    assert latest_weekly_slot("Sunday 23:30", monday_9) == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert parse_weekly("FRI 7:05")[0] == 4
    for bad in ("monday", "mon 8", "xyz 08:00", "mon 25:00", 5):
        with pytest.raises(PlaybookError, match=r"scheduler\.weekly_digest"):
            parse_weekly(bad)
    assert load_playbook().weekly_digest == "mon 08:30"
