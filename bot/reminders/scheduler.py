"""The clock: a few fixed APScheduler jobs that look at the database for what is due.

Jobs are in memory, have explicit ids, and never overlap (``coalesce``, ``max_instances=1``); nothing
about a reminder lives in the scheduler. ``run_due`` is the one function behind every job and behind
``salesbot tick`` (for deployments that prefer cron to a long-running scheduler).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Deadline
from bot.health import Heartbeat
from bot.installs import served_workspaces
from bot.playbook import WEEKDAYS, parse_weekly
from bot.reminders.dispatcher import Dispatcher, DispatchReport, default_instance_id
from bot.services import PlanningPass, Services
from bot.storage import tenancy
from bot.storage.models import JobRun
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)

DISPATCH_JOB = "dispatch"
PLAN_JOB = "plan"
WEEKLY_JOB = "weekly_digest"
PLAN_EVERY = timedelta(minutes=1)
# A weekly slot missed while the bot was down is still run this long after it (then it's skipped).
WEEKLY_CATCH_UP = timedelta(days=1)


@dataclass
class RunSummary:
    now: datetime
    planning: int = 0  # passes that ran
    planning_failed: list[str] = field(default_factory=list)
    weekly: str = "skipped"  # ran N passes | not due | done already | skipped
    weekly_failed: list[str] = field(default_factory=list)
    delivery: DispatchReport | None = None

    def line(self) -> str:
        parts = [f"at {self.now.astimezone(UTC).isoformat().replace('+00:00', 'Z')}"]
        failed = f", {len(self.planning_failed)} failed" if self.planning_failed else ""
        parts.append(f"planning: {self.planning} passes{failed}")
        weekly_failed = f", {len(self.weekly_failed)} failed" if self.weekly_failed else ""
        parts.append(f"weekly digest: {self.weekly}{weekly_failed}")
        if self.delivery is not None:
            parts.append(f"delivery: {self.delivery.summary()}")
        return "; ".join(parts)


def _name(fn: Callable[..., object]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def run_passes(services: Services, passes: list[PlanningPass], now: datetime) -> tuple[int, list[str]]:
    """Run each pass; one that raises is logged and the others still run."""
    failed: list[str] = []
    for planning_pass in passes:
        try:
            planning_pass(services, now)
        except Exception:
            log.exception("pass %s failed", _name(planning_pass))
            failed.append(_name(planning_pass))
    return len(passes) - len(failed), failed


def latest_weekly_slot(spec: str, now: datetime) -> datetime:
    """The most recent weekly slot (``"mon 08:00"``, UTC) at or before ``now``."""
    weekday, at = parse_weekly(spec)
    now = now.astimezone(UTC)
    day = now.date() - timedelta(days=(now.weekday() - weekday) % 7)
    slot = datetime.combine(day, at, tzinfo=UTC)
    return slot if slot <= now else slot - timedelta(days=7)


def claim_weekly_slot(services: Services, slot: datetime, now: datetime, instance_id: str) -> bool:
    """Record that this instance runs ``slot``. Only one instance (and one run) gets ``True`` per slot."""
    try:
        with services.uow() as session:
            if session.get(JobRun, (current_team(), WEEKLY_JOB)) is None:
                session.add(JobRun(job_id=WEEKLY_JOB, slot_at=slot, ran_at=now, ran_by=instance_id))
                return True
            result = session.execute(
                update(JobRun)
                .where(JobRun.job_id == WEEKLY_JOB, JobRun.slot_at < slot)
                .values(slot_at=slot, ran_at=now, ran_by=instance_id)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
    except IntegrityError:  # another instance inserted the first record at the same moment
        return False


def run_weekly(services: Services, now: datetime, *, instance_id: str | None = None) -> tuple[str, list[str]]:
    """Run ``services.weekly_passes`` once for the latest weekly slot, if it is recent and not run yet.

    A slot is claimed before its passes run: at most once per slot, even with several instances.
    """
    slot = latest_weekly_slot(services.playbook.weekly_digest, now)
    if now - slot > WEEKLY_CATCH_UP:
        return "not due", []
    if not claim_weekly_slot(services, slot, now, instance_id or default_instance_id()):
        return "done already", []
    ran, failed = run_passes(services, services.weekly_passes, now)
    return f"ran {ran + len(failed)} passes", failed


def last_weekly_run(services: Services) -> datetime | None:
    with services.uow() as session:
        return session.scalar(select(JobRun.slot_at).where(JobRun.job_id == WEEKLY_JOB))


def run_due(
    services: Services,
    now: datetime,
    *,
    plan: bool = True,
    weekly: bool = True,
    dispatch: bool = True,
    dispatcher: Dispatcher | None = None,
    budget: float | None = None,
    timer: Callable[[], float] = time.monotonic,
) -> RunSummary:
    """Everything due at ``now``: planning passes, the weekly slot (if due), then delivery of
    everything due (pass after pass). Installed in many workspaces, each one's work runs in turn, as
    that workspace (its rows, its bot token).

    ``budget``: the whole run's delivery ends within this many seconds (on ``timer``), however many
    workspaces there are (``salesbot tick`` from cron: runs never overlap). The workspaces share it
    fairly: each in turn gets its part of what is left, and what one does not need goes to the next;
    while time remains, those with more to send get another turn."""
    summary = RunSummary(now)
    deadline = Deadline(budget, timer)
    workspaces = served_workspaces(services)
    if plan or weekly:
        for workspace in workspaces:
            with tenancy.as_workspace(workspace):
                _plan_here(services, now, summary, plan, weekly, dispatcher)
    if dispatch:
        _deliver(services, now, summary, workspaces, dispatcher or Dispatcher(services), deadline)
    return summary


def _plan_here(
    services: Services,
    now: datetime,
    summary: RunSummary,
    plan: bool,
    weekly: bool,
    dispatcher: Dispatcher | None,
) -> None:
    if plan:
        ran, failed = run_passes(services, services.planning_passes, now)
        summary.planning += ran
        summary.planning_failed += failed
    if weekly:
        summary.weekly, weekly_failed = run_weekly(
            services, now, instance_id=dispatcher.instance_id if dispatcher else None
        )
        summary.weekly_failed += weekly_failed


def _deliver(
    services: Services,
    now: datetime,
    summary: RunSummary,
    workspaces: list[tenancy.Workspace],
    dispatcher: Dispatcher,
    deadline: Deadline,
) -> None:
    """Every workspace's due deliveries within one ``deadline``: turns of fair shares of what is left."""
    summary.delivery = summary.delivery or DispatchReport()
    waiting = list(workspaces)
    while waiting:
        more: list[tenancy.Workspace] = []
        progressed = False
        for n, workspace in enumerate(waiting):
            if deadline.passed():
                return
            with tenancy.as_workspace(workspace):
                report = dispatcher.run(now, deadline=deadline.share(len(waiting) - n))
            for name in ("sent", "cancelled", "failed", "retrying", "deferred", "recovered", "waiting"):
                getattr(summary.delivery, name).extend(getattr(report, name))
            summary.delivery.messages += report.messages
            progressed = progressed or bool(
                report.sent or report.cancelled or report.failed or report.retrying
            )
            if not report.drained:
                more.append(workspace)
        if not progressed:  # stopping, or nothing moved: the next run goes on
            return
        waiting = more


# -- the jobs (each reads the clock, so tests call them directly with a FixedClock) ------------------
# A job that returns (nothing raised) beats the heartbeat ``GET /healthz`` reports (bot/health.py).
def dispatch_job(
    services: Services, dispatcher: Dispatcher, heartbeat: Heartbeat | None = None
) -> RunSummary:
    summary = run_due(services, services.clock.now(), plan=False, weekly=False, dispatcher=dispatcher)
    if heartbeat is not None:
        heartbeat.beat()
    return summary


def plan_job(
    services: Services, dispatcher: Dispatcher | None = None, heartbeat: Heartbeat | None = None
) -> RunSummary:
    """Planning passes, and the weekly slot if it was missed (the bot was down when it came)."""
    summary = run_due(services, services.clock.now(), dispatch=False, dispatcher=dispatcher)
    if heartbeat is not None:
        heartbeat.beat()
    return summary


def weekly_job(
    services: Services, dispatcher: Dispatcher | None = None, heartbeat: Heartbeat | None = None
) -> RunSummary:
    return run_due(services, services.clock.now(), plan=False, dispatch=False, dispatcher=dispatcher)


def build_scheduler(
    services: Services, *, dispatcher: Dispatcher | None = None, heartbeat: Heartbeat | None = None
) -> BackgroundScheduler:
    """The fixed jobs, not started. ``scheduler.start()`` in the process that serves Slack; each
    finished dispatch or planning run beats ``heartbeat``."""
    dispatcher = dispatcher or Dispatcher(services)
    playbook = services.playbook
    weekday, at = parse_weekly(playbook.weekly_digest)
    scheduler = BackgroundScheduler(
        timezone=UTC,
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=3)},
    )
    common = {
        "replace_existing": True,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": None,  # late is fine: what is due comes from the database
        "args": [services, dispatcher, heartbeat],
    }
    scheduler.add_job(
        dispatch_job,
        IntervalTrigger(seconds=playbook.dispatch_every_seconds, timezone=UTC),
        id=DISPATCH_JOB,
        name="deliver due reminders",
        **common,
    )
    scheduler.add_job(
        plan_job,
        IntervalTrigger(seconds=int(PLAN_EVERY.total_seconds()), timezone=UTC),
        id=PLAN_JOB,
        name="planning passes",
        **common,
    )
    scheduler.add_job(
        weekly_job,
        CronTrigger(day_of_week=WEEKDAYS[weekday], hour=at.hour, minute=at.minute, timezone=UTC),
        id=WEEKLY_JOB,
        name="weekly passes (digest)",
        **common,
    )
    return scheduler
