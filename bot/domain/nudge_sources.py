"""Nudge sources: overdue visits, overdue follow-ups, renewals coming up, accounts gone quiet.

Each source reads the database once and returns, for everyone, the conditions that hold ``now``
(see ``bot.domain.nudges``); the morning pass decides who is told what. Dates in lines are in the
recipient's zone, read from their cached profile (no Slack call, no second transaction).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence, is_overdue, parse_cadence, span_text
from bot.domain.dates import format_when, zone
from bot.domain.nudges import NudgeContext, NudgeItem
from bot.domain.text import escape, money, titled
from bot.storage.models import Account, Activity, Reminder, Task, UserProfile, VisitPlan
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)
VISIT_LIKE = ("visit", "meeting")  # also count as seeing the account, whatever the plan's type


def renewal_threshold(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The tightest threshold the renewal is within (20 days left, (90, 60, 30) → 30), or ``None``."""
    within = [t for t in thresholds if 0 <= days_left <= t]
    return min(within) if within else None


def account_conditions(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Accounts overdue on their visit cadence, then accounts gone quiet (``overdue_visits``,
    ``inactive_accounts``), from ONE aggregate over activities.

    For each owned account the database computes its last activity, and its last activity of each
    kind a cadence counts; only the accounts past a limit come back (the accounts with an explicit
    plan always do: there are few). Python then checks those exactly (month ends: the SQL limit is a
    few days generous) and words them.
    """
    playbook = services.playbook
    plans: dict[int, list[VisitPlan]] = defaultdict(list)
    explicit = select(VisitPlan).where(
        VisitPlan.active.is_(True), VisitPlan.source == "explicit", VisitPlan.rrule.is_not(None)
    )
    for plan in session.scalars(explicit.order_by(VisitPlan.id)):
        plans[plan.account_id].append(plan)
    tiers: dict[str, tuple[str, Cadence]] = {}
    for tier, spec in playbook.tier_cadence.items():
        try:
            tiers[tier] = (spec.activity, parse_cadence(spec.rrule))
        except ValueError as exc:
            log.warning("tier %s cadence: %s", tier, exc)
    limits = {status: days for status, days in playbook.inactive_days.items() if days > 0}
    kinds = sorted({a for a, _ in tiers.values()} | {p.activity_type for ps in plans.values() for p in ps})
    last_any = func.max(Activity.occurred_at)
    last_of = {
        kind: func.max(case((Activity.type.in_(sorted({kind, *VISIT_LIKE})), Activity.occurred_at)))
        for kind in kinds
    }
    with_plan = select(VisitPlan.account_id).where(
        VisitPlan.active.is_(True), VisitPlan.source == "explicit", VisitPlan.rrule.is_not(None)
    )
    # A few days generous: "one period after" with month ends is checked exactly below.
    slack = timedelta(days=4)
    past: list[ColumnElement[bool]] = [
        and_(
            Account.tier == tier,
            Account.id.not_in(with_plan),
            func.coalesce(last_of[activity], Account.created_at) <= now - cadence.every + slack,
        )
        for tier, (activity, cadence) in tiers.items()
    ]
    past += [
        and_(
            Account.status == status,
            func.coalesce(last_any, Account.created_at) <= now - timedelta(days=days),
        )
        for status, days in limits.items()
    ]
    if plans:
        past.append(Account.id.in_(with_plan))
    if not past:
        return []
    rows = session.execute(
        select(
            Account.id,
            Account.name,
            Account.tier,
            Account.status,
            Account.owner_id,
            Account.created_at,
            last_any,
            *last_of.values(),
        )
        .select_from(Account)
        .outerjoin(Activity, and_(Activity.account_id == Account.id, Activity.undone_at.is_(None)))
        .where(Account.owner_id.is_not(None))
        .group_by(Account.id)
        .having(or_(*past))
        .order_by(Account.name_key, Account.id)
    ).all()
    overdue: list[NudgeItem] = []
    quiet: list[NudgeItem] = []
    for account_id, name, tier, status, owner_id, created_at, any_at, *kind_at in rows:
        last = {kind: _aware(at) for kind, at in zip(last_of, kind_at, strict=True) if at is not None}
        created = _aware(created_at)
        specs: list[tuple[str, str, str, datetime, bool]] = [
            (f"overdue_visit:plan:{p.id}", p.activity_type, p.rrule or "", p.dtstart, False)
            for p in plans[account_id]
        ]
        if not specs and tier in tiers:
            specs.append(
                (
                    f"overdue_visit:account:{account_id}",
                    tiers[tier][0],
                    playbook.tier_cadence[tier].rrule,
                    created,
                    True,
                )
            )
        for subject, activity, rule, anchor, from_tier in specs:
            try:
                cadence = parse_cadence(rule)
            except ValueError as exc:
                log.warning("visit plan %s of account %s: %s", subject, account_id, exc)
                continue
            last_at = last.get(activity)
            if anchor > now or not is_overdue(last_at, anchor, cadence, now):
                continue
            what = "not visited" if activity == "visit" else f"no {activity}"
            since = (
                f"{what} for {span_text(last_at, now)}"
                if last_at
                else f"no {activity} logged since it was added {span_text(anchor, now)} ago"
            )
            tier_text = f" ({escape(tier)})" if from_tier and tier else ""
            overdue.append(
                NudgeItem(
                    user_id=owner_id or "",
                    kind="overdue_visit",
                    subject=subject,
                    line=f"*{escape(name)}*{tier_text} {since}; plan: {cadence.label}",
                    button=(f"Log {activity}", "open_log_modal", str(account_id)),
                    account_id=account_id,
                )
            )
        limit = limits.get(status)
        if limit is None:
            continue
        since_at = _aware(any_at) if any_at is not None else None
        quiet_days = (now - (since_at or created)).days
        if quiet_days < limit:
            continue
        what = (
            f"no activity for {quiet_days} days"
            if since_at
            else f"no activity logged since it was added {quiet_days} days ago"
        )
        quiet.append(
            NudgeItem(
                user_id=owner_id or "",
                kind="inactive",
                subject=f"inactive:account:{account_id}",
                line=f"*{escape(name)}* ({escape(status)}) {what}; nudge after {limit}",
                button=("Log activity", "open_log_modal", str(account_id)),
                account_id=account_id,
            )
        )
    return overdue + quiet


def overdue_visits(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Accounts not seen within their cadence: explicit visit plans first, else the tier's cadence."""
    return [i for i in account_conditions(session, services, now) if i.kind == "overdue_visit"]


def overdue_followups(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Open follow-ups past their due time, to their assignee.

    One whose own reminder is still to be delivered (it waits for the assignee's working hours, or
    goes out in this very pass) is left out: the reminder tells them. It counts from the next
    morning if it is still open then.
    """
    reminder_pending = (
        select(Reminder.id)
        .where(Reminder.task_id == Task.id, Reminder.status.in_(("pending", "claimed")))
        .exists()
    )
    rows = session.execute(
        select(
            Task.id, Task.title, Task.assignee_id, Task.due_at, Task.all_day, Task.account_id, Account.name
        )
        .join(Account, Account.id == Task.account_id)
        .where(Task.kind == "followup", Task.status == "open", Task.due_at < now, ~reminder_pending)
        .order_by(Task.due_at, Task.id)
    ).all()
    zones = _zones(session, {task.assignee_id for task in rows})
    items: list[NudgeItem] = []
    for task in rows:
        account_name = task.name
        tz = zones.get(task.assignee_id, ZoneInfo("UTC"))
        due = format_when(task.due_at, tz, now=now, with_time=not task.all_day)
        items.append(
            NudgeItem(
                user_id=task.assignee_id,
                kind="followup_overdue",
                subject=f"followup_overdue:task:{task.id}",
                line=f"*{escape(titled(task.title, account_name))}* for *{escape(account_name)}* was due {due}",
                button=("Done", "nudge_followup_done", str(task.id)),
                account_id=task.account_id,
            )
        )
    return items


def renewals(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Renewals within 90, 60, 30 days (``nudges.renewal_days``), to the CSM and the owner."""
    thresholds = services.playbook.renewal_days
    if not thresholds:
        return []
    # Only renewals a threshold can hold, whatever the recipient's zone (a day either side of UTC's).
    first, last = now.date() - timedelta(days=1), now.date() + timedelta(days=max(thresholds) + 1)
    accounts = list(
        session.scalars(
            select(Account)
            .where(Account.renewal_date.is_not(None), Account.renewal_date.between(first, last))
            .order_by(Account.id)
        )
    )
    recipients = {uid for a in accounts for uid in (a.owner_id, a.csm_id) if uid}
    zones = _zones(session, recipients)
    items: list[NudgeItem] = []
    for account in accounts:
        renewal: date = account.renewal_date  # type: ignore[assignment]
        for user_id in dict.fromkeys(uid for uid in (account.csm_id, account.owner_id) if uid):
            today = now.astimezone(zones.get(user_id, ZoneInfo("UTC"))).date()
            left = (renewal - today).days
            threshold = renewal_threshold(left, thresholds)
            if threshold is None:
                continue
            when = "today" if left == 0 else ("tomorrow" if left == 1 else f"in {left} days")
            mrr = f"; MRR {money(account.mrr)}" if account.mrr is not None else ""
            items.append(
                NudgeItem(
                    user_id=user_id,
                    kind="renewal",
                    subject=f"renewal:account:{account.id}:{renewal.isoformat()}:{threshold}",
                    line=f"*{escape(account.name)}* renews {when} ({format_when(renewal, now=now)}){mrr}",
                    button=("Open account", "open_account", str(account.id)),
                    account_id=account.id,
                )
            )
    return items


def inactive_accounts(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Accounts with no activity at all for ``nudges.inactive_days[status]`` days (0 = never nudge)."""
    return [i for i in account_conditions(session, services, now) if i.kind == "inactive"]


def _aware(value: datetime | str) -> datetime:
    """An aggregate's datetime (SQLite returns it as text) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SOURCES = (account_conditions, overdue_followups, renewals)


def _zones(session: Session, user_ids: set[str]) -> dict[str, ZoneInfo]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(UserProfile.user_id, UserProfile.tz).where(
            UserProfile.team_id == current_team(), UserProfile.user_id.in_(user_ids)
        )
    ).all()
    return {user_id: zone(tz) for user_id, tz in rows}
