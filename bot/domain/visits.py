"""Visit plans and their occurrences: explicit ``/visit`` plans and tier cadences, as visit tasks.

Two kinds of ``VisitPlan`` rows:

* ``source="explicit"`` (``/visit``): a *fixed* schedule. ``dtstart`` is the first occurrence; the
  current occurrence is the first one after the last occurrence that was done.
* ``source="tier"``: kept in step with ``playbook.tier_cadence`` by ``sync_account``. A *rolling*
  schedule: ``dtstart`` is the day of the last activity that satisfies the cadence (or the account's
  creation), so the next occurrence is one interval after the last visit.

An explicit plan overrides the tier's. Each active plan has at most one open visit task: its current
occurrence. ``sync_account`` is idempotent; anything that no longer matches (owner changed, tier
changed, plan stopped) is cancelled with its pending reminders, and the right task is created.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.activities import last_activity_at, last_activity_by_type
from bot.domain.dates import local_datetime, zone
from bot.domain.events import TaskCancelled, TaskDone, VisitBooked, VisitTaskScheduled, record
from bot.domain.recurrence import (
    ALL_DAY,
    Recurrence,
    describe,
    has_time_of_day,
    next_occurrence,
    previous_occurrence,
)
from bot.domain.text import ACCOUNT_SLOT
from bot.domain.workhours import next_working_start
from bot.playbook import Playbook, WorkingHours
from bot.storage.models import Account, Task, VisitPlan

# What satisfies a plan of a type: a visit or a meeting both count for a visit plan, and so on.
SATISFIED_BY: dict[str, tuple[str, ...]] = {
    "visit": ("visit", "meeting"),
    "meeting": ("meeting", "visit", "video"),
    "call": ("call", "video", "meeting", "visit"),
}
MISSED = "noshow"  # the status of an occurrence the customer did not show up for
CLOSED = ("done", MISSED)  # occurrences a recurring plan has moved past
TITLES = {"visit": "Visit {account}", "meeting": "Meeting with {account}", "call": "Call {account}"}

# (zone, working hours) of a person.
PersonLookup = Callable[[str], tuple[ZoneInfo, WorkingHours]]


@dataclass
class PlanningContext:
    playbook: Playbook
    now: datetime
    person: PersonLookup


def satisfying_types(activity_type: str) -> tuple[str, ...]:
    return SATISFIED_BY.get(activity_type, (activity_type,))


def task_title(activity_type: str) -> str:
    """The stored title: the account's name is filled in when shown (``text.titled``)."""
    return TITLES.get(activity_type, activity_type.capitalize() + " with " + ACCOUNT_SLOT)


def recurs_explicitly(plan: VisitPlan) -> bool:
    """A plan typed with /visit that repeats: it stands in for the tier cadence (a one-off does not)."""
    return plan.source == "explicit" and plan.rrule is not None


def active_plans(session: Session, account_id: int) -> list[VisitPlan]:
    return list(
        session.scalars(
            select(VisitPlan)
            .where(VisitPlan.account_id == account_id, VisitPlan.active.is_(True))
            .order_by(VisitPlan.id)
        )
    )


def open_tasks(session: Session, plan_id: int) -> list[Task]:
    return list(
        session.scalars(
            select(Task)
            .where(Task.visit_plan_id == plan_id, Task.status == "open", Task.kind == "visit")
            .order_by(Task.id)
        )
    )


def plan_tz(plan: VisitPlan) -> ZoneInfo:
    return zone(plan.tz)


def local_start(plan: VisitPlan) -> datetime:
    return plan.dtstart.astimezone(plan_tz(plan))


def cancel_task(session: Session, task: Task, now: datetime) -> None:
    task.status = "cancelled"
    task.completed_at = now
    record(session, TaskCancelled(task.id))


def complete_task(session: Session, task: Task, now: datetime) -> None:
    task.status = "done"
    task.completed_at = now
    record(session, TaskDone(task.id))


def book(
    session: Session,
    task: Task,
    account: Account,
    at: datetime,
    *,
    now: datetime,
    tz: ZoneInfo,
    hours: WorkingHours,
) -> None:
    """The slot is booked for ``at``: the occurrence is due then (its plan does not move; nothing is
    logged until the visit happens)."""
    task.booked_at = at
    task.due_at = at
    task.all_day = False
    record(session, VisitBooked(task, account, tz, hours, now))


def miss_task(session: Session, task: Task, now: datetime) -> None:
    """The customer did not show up: the occurrence is closed (its rebooking is a no-show task).

    Like a done occurrence it moves a recurring plan on to its next occurrence; a tier cadence's
    occurrence is not planned again until a visit is logged."""
    task.status = MISSED
    task.completed_at = now
    record(session, TaskCancelled(task.id))


def missed(session: Session, plan_id: int, occurrence: datetime) -> bool:
    found = session.scalar(
        select(Task.id)
        .where(Task.visit_plan_id == plan_id, Task.status == MISSED, Task.occurrence_at == occurrence)
        .limit(1)
    )
    return found is not None


def deactivate(session: Session, plan: VisitPlan, now: datetime) -> list[str]:
    """Stop a plan: its open occurrence and pending reminders are cancelled. Returns touched users."""
    plan.active = False
    touched = []
    for task in open_tasks(session, plan.id):
        cancel_task(session, task, now)
        touched.append(task.assignee_id)
    return touched


def expected_occurrence(session: Session, plan: VisitPlan) -> datetime | None:
    """The plan's current occurrence (aware, in the plan's zone), or None when nothing is left."""
    if plan.source == "tier":
        return occurrence_after(plan, None)
    last_done = session.scalars(
        select(Task)
        .where(Task.visit_plan_id == plan.id, Task.status.in_(CLOSED))
        .order_by(Task.occurrence_at.desc(), Task.id.desc())
        .limit(1)
    ).first()
    return occurrence_after(plan, last_done)


def occurrence_after(plan: VisitPlan, last_done: Task | None) -> datetime | None:
    """``expected_occurrence`` once the plan's last done occurrence task is known."""
    start = local_start(plan)
    if plan.source == "tier":
        return next_occurrence(plan.rrule, start, after=start, inclusive=False)
    if last_done is None:
        return next_occurrence(plan.rrule, start, after=start, inclusive=True)
    if plan.rrule is None:
        return None
    boundary = max(last_done.occurrence_at or last_done.due_at, last_done.completed_at or last_done.due_at)
    return next_occurrence(plan.rrule, start, after=boundary, inclusive=False)


def tier_anchor(session: Session, account: Account, activity_type: str, tz: ZoneInfo) -> datetime:
    """00:00 local on the day of the last activity that satisfies the cadence (or of the account's creation)."""
    last = last_activity_at(session, account.id, satisfying_types(activity_type))
    return anchor_at(last, account, tz)


def anchor_at(last: datetime | None, account: Account, tz: ZoneInfo) -> datetime:
    """``tier_anchor`` once the last satisfying activity (or None) is known."""
    at = (last or account.created_at).astimezone(tz)
    return local_datetime(at.date(), ALL_DAY, tz)


def sync_account(session: Session, ctx: PlanningContext, account: Account) -> set[str]:
    """Bring the account's plans and their current occurrence tasks in line. Returns users touched."""
    touched: set[str] = set()
    plans = active_plans(session, account.id)
    explicit = [p for p in plans if recurs_explicitly(p)]
    tier_plans = [p for p in plans if p.source == "tier"]
    cadence = ctx.playbook.tier_cadence.get(account.tier) if account.tier else None
    if explicit or cadence is None or not account.owner_id:
        for plan in tier_plans:
            touched.update(deactivate(session, plan, ctx.now))
    else:
        tz, _ = ctx.person(account.owner_id)
        anchor = tier_anchor(session, account, cadence.activity, tz)
        plan = tier_plans[0] if tier_plans else None
        for extra in tier_plans[1:]:
            touched.update(deactivate(session, extra, ctx.now))
        if plan is None:
            plan = VisitPlan(account_id=account.id, source="tier", active=True, created_at=ctx.now)
            session.add(plan)
        plan.activity_type, plan.rrule, plan.dtstart, plan.tz = (
            cadence.activity,
            cadence.rrule,
            anchor,
            tz.key,
        )
        session.flush()
    for plan in active_plans(session, account.id):
        touched.update(ensure_occurrence(session, ctx, account, plan))
    return touched


@dataclass
class Snapshot:
    """What ``sync_account`` reads, for every account at once: a few queries instead of several per
    account. Lets the planning pass skip the accounts that are already in step (almost all of them)."""

    plans: dict[int, list[VisitPlan]]  # account id → active plans, by id
    open_tasks: dict[int, list[Task]]  # plan id → open visit tasks, by id
    last_done: dict[int, Task]  # explicit plan id → its last done (or missed) task
    # cadence activity → account id → last activity (not undone) that satisfies it
    last_seen: dict[str, dict[int, datetime]]
    # (rule, zone, start) → a tier plan's current occurrence: accounts seen the same day share it.
    # (The zone is part of the key: aware datetimes in two zones compare equal at the same instant.)
    tier_occurrences: dict[tuple[str | None, str, datetime], datetime | None] = field(default_factory=dict)
    missed: set[tuple[int, datetime]] = field(default_factory=set)  # (plan id, occurrence) of no-shows


def snapshot(session: Session, playbook: Playbook, accounts: Collection[int] | None = None) -> Snapshot:
    """Read for every account, or only for ``accounts`` (a batch of account ids)."""
    plans: dict[int, list[VisitPlan]] = defaultdict(list)
    plan_rows = select(VisitPlan).where(VisitPlan.active.is_(True)).order_by(VisitPlan.id)
    active_ids = select(VisitPlan.id).where(VisitPlan.active.is_(True))
    if accounts is not None:
        plan_rows = plan_rows.where(VisitPlan.account_id.in_(accounts))
        active_ids = active_ids.where(VisitPlan.account_id.in_(accounts))
    for plan in session.scalars(plan_rows):
        plans[plan.account_id].append(plan)
    tasks: dict[int, list[Task]] = defaultdict(list)
    for task in session.scalars(
        select(Task)
        .where(Task.visit_plan_id.in_(active_ids), Task.status == "open", Task.kind == "visit")
        .order_by(Task.id)
    ):
        tasks[task.visit_plan_id or 0].append(task)
    last_done: dict[int, Task] = {}
    explicit_ids = active_ids.where(VisitPlan.source == "explicit")
    # Ascending, so the last one kept per plan is what ``expected_occurrence`` orders first.
    for task in session.scalars(
        select(Task)
        .where(Task.visit_plan_id.in_(explicit_ids), Task.status.in_(CLOSED))
        .order_by(Task.occurrence_at.is_not(None), Task.occurrence_at, Task.id)
    ):
        last_done[task.visit_plan_id or 0] = task
    cadences = {c.activity: satisfying_types(c.activity) for c in playbook.tier_cadence.values()}
    by_type = last_activity_by_type(
        session, tuple({t for types in cadences.values() for t in types}), accounts=accounts
    )
    last_seen: dict[str, dict[int, datetime]] = {a: {} for a in cadences}
    for (account_id, kind), at in by_type.items():
        for activity, types in cadences.items():
            seen = last_seen[activity]
            if kind in types and (account_id not in seen or at > seen[account_id]):
                seen[account_id] = at
    missed_rows = session.execute(
        select(Task.visit_plan_id, Task.occurrence_at).where(
            Task.visit_plan_id.in_(active_ids), Task.status == MISSED
        )
    )
    missed = {(plan_id, at) for plan_id, at in missed_rows if plan_id is not None and at is not None}
    return Snapshot(plans, tasks, last_done, last_seen, missed=missed)


def in_sync(snap: Snapshot, ctx: PlanningContext, account: Account) -> bool:
    """Would ``sync_account`` leave this account as it is? (False when unsure: it then runs.)"""
    plans = snap.plans.get(account.id, [])
    tier_plans = [p for p in plans if p.source == "tier"]
    cadence = ctx.playbook.tier_cadence.get(account.tier) if account.tier else None
    if any(recurs_explicitly(p) for p in plans) or cadence is None or not account.owner_id:
        if tier_plans:
            return False
    else:
        if len(tier_plans) != 1:
            return False
        plan = tier_plans[0]
        tz, _ = ctx.person(account.owner_id)
        anchor = anchor_at(snap.last_seen[cadence.activity].get(account.id), account, tz)
        if (plan.activity_type, plan.rrule, plan.dtstart, plan.tz) != (
            cadence.activity,
            cadence.rrule,
            anchor,
            tz.key,
        ):
            return False
    for plan in plans:
        tasks = snap.open_tasks.get(plan.id, [])
        if plan.source == "tier":
            key = (plan.rrule, plan.tz, local_start(plan))
            if key not in snap.tier_occurrences:
                snap.tier_occurrences[key] = occurrence_after(plan, None)
            expected = snap.tier_occurrences[key]
        else:
            expected = occurrence_after(plan, snap.last_done.get(plan.id))
        if expected is None:
            return False
        if not account.owner_id or (plan.source == "tier" and (plan.id, expected) in snap.missed):
            if tasks:
                return False
        elif (
            len(tasks) != 1 or tasks[0].occurrence_at != expected or tasks[0].assignee_id != account.owner_id
        ):
            return False
    return True


def ensure_occurrence(session: Session, ctx: PlanningContext, account: Account, plan: VisitPlan) -> set[str]:
    """Exactly one open task for the plan's current occurrence, assigned to the account's owner."""
    touched: set[str] = set()
    tasks = open_tasks(session, plan.id)
    expected = expected_occurrence(session, plan)
    if expected is None:
        plan.active = False  # a one-off that was done
    elif plan.source == "tier" and missed(session, plan.id, expected):
        expected = None  # a no-show: nothing planned until the rebooked visit is logged
    owner = account.owner_id
    keep: Task | None = None
    for task in tasks:
        if (
            keep is None
            and owner
            and expected
            and task.occurrence_at == expected
            and task.assignee_id == owner
        ):
            keep = task
        else:
            cancel_task(session, task, ctx.now)
            touched.add(task.assignee_id)
    if keep is not None or expected is None or not owner:
        return touched
    tz, hours = ctx.person(owner)
    all_day = not has_time_of_day(plan.dtstart, plan_tz(plan))
    due = local_datetime(expected.date(), hours.start, tz) if all_day else expected
    day = due.astimezone(tz).date()
    occurrence = expected  # what the reminders count from: the working day a cadence moved to
    if plan.source == "tier" and not hours.is_working_day(day):
        # A cadence never lands on a weekend or holiday: the next working day, same time of day.
        start = next_working_start(local_datetime(day, time(0), tz), hours, tz)
        due = start if all_day else local_datetime(start.date(), due.astimezone(tz).time(), tz)
        occurrence = due
    task = Task(
        kind="visit",
        account_id=account.id,
        title=task_title(plan.activity_type),
        assignee_id=owner,
        created_by=plan.created_by,
        due_at=due,
        all_day=all_day,
        status="open",
        visit_plan_id=plan.id,
        occurrence_at=expected,
        created_at=ctx.now,
    )
    session.add(task)
    session.flush()
    record(session, VisitTaskScheduled(task, account, occurrence, tz, hours, ctx.now))
    touched.add(owner)
    return touched


def create_plan(
    session: Session,
    ctx: PlanningContext,
    account: Account,
    recurrence: Recurrence,
    *,
    tz: ZoneInfo,
    created_by: str,
    activity_type: str = "visit",
) -> tuple[VisitPlan, set[str]]:
    """A new explicit plan. A recurring one replaces the account's previous recurring plan (and the
    tier cadence); a one-off (``on 2026-12-10``) is added beside them."""
    touched: set[str] = set()
    for old in active_plans(session, account.id):
        if recurrence.rrule is not None and recurs_explicitly(old):
            touched.update(deactivate(session, old, ctx.now))
    plan = VisitPlan(
        account_id=account.id,
        activity_type=activity_type,
        rrule=recurrence.rrule,
        dtstart=recurrence.first,
        tz=tz.key,
        source="explicit",
        active=True,
        created_by=created_by,
        created_at=ctx.now,
    )
    session.add(plan)
    session.flush()
    touched.update(sync_account(session, ctx, account))
    return plan, touched


def stop_plans(session: Session, ctx: PlanningContext, account: Account) -> tuple[int, set[str]]:
    """Deactivate the account's explicit plans (the tier cadence, if any, applies again)."""
    touched: set[str] = set()
    stopped = 0
    for plan in active_plans(session, account.id):
        if plan.source == "explicit":
            touched.update(deactivate(session, plan, ctx.now))
            stopped += 1
    touched.update(sync_account(session, ctx, account))
    return stopped, touched


def current_task(session: Session, plan: VisitPlan) -> Task | None:
    tasks = open_tasks(session, plan.id)
    return tasks[0] if tasks else None


def effective_plan(session: Session, account: Account) -> VisitPlan | None:
    """The plan in force: the explicit one, else the tier's (as last synced)."""
    plans = active_plans(session, account.id)
    recurring = [p for p in plans if p.rrule is not None]
    explicit = [p for p in recurring if p.source == "explicit"]
    return (explicit or recurring or plans or [None])[-1]


def plan_words(plan: VisitPlan, account: Account | None, *, now: datetime) -> str:
    """``a visit every 4 months (gold tier)``; ``a visit once, on Thu 10 Dec, 10:00`` (the year
    when it is not ``now``'s)."""
    start = local_start(plan)
    words = f"a {plan.activity_type} " + describe(
        plan.rrule, start, has_time=has_time_of_day(plan.dtstart, plan_tz(plan)), now=now
    )
    if plan.source == "tier":
        words += f" ({account.tier} tier cadence)" if account and account.tier else " (tier cadence)"
    return words


def _qualifies(plan: VisitPlan, task: Task, occurred_at: datetime) -> bool:
    """Does an activity at ``occurred_at`` belong to the cycle of ``task``?"""
    tz = plan_tz(plan)
    if plan.source == "tier":
        return occurred_at.astimezone(tz).date() > local_start(plan).date()
    occurrence = task.occurrence_at or task.due_at
    cycle_start = previous_occurrence(plan.rrule, local_start(plan), before=occurrence) or plan.created_at
    return occurred_at >= cycle_start


@dataclass
class Satisfied:
    plan: VisitPlan
    task: Task
    next_task: Task | None


def satisfy(
    session: Session, ctx: PlanningContext, account: Account, activity_type: str, occurred_at: datetime
) -> tuple[list[Satisfied], set[str]]:
    """An activity was logged: the current occurrence of each plan it satisfies is done; plan the next."""
    done: list[tuple[VisitPlan, Task]] = []
    touched: set[str] = set()
    for plan in active_plans(session, account.id):
        if activity_type not in satisfying_types(plan.activity_type):
            continue
        for task in open_tasks(session, plan.id):
            if _qualifies(plan, task, occurred_at):
                complete_task(session, task, ctx.now)
                done.append((plan, task))
                touched.add(task.assignee_id)
    touched.update(sync_account(session, ctx, account))
    out = [Satisfied(plan, task, current_task(session, plan) if plan.active else None) for plan, task in done]
    return out, touched
