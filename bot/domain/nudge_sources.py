"""Nudge sources: overdue visits, overdue follow-ups, renewals coming up, accounts gone quiet.

Each source reads the database once and returns, for everyone, the conditions that hold ``now``
(see ``bot.domain.nudges``); the morning pass decides who is told what. Dates in lines are in the
recipient's zone, read from their cached profile (no Slack call, no second transaction).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.activities import last_activity_by_type
from bot.domain.cadence import is_overdue, parse_cadence, span_text
from bot.domain.dates import format_when, zone
from bot.domain.nudges import NudgeContext, NudgeItem
from bot.domain.text import escape, money, titled
from bot.storage.models import LOCAL_TEAM, Account, Reminder, Task, UserProfile, VisitPlan

log = logging.getLogger(__name__)
VISIT_LIKE = ("visit", "meeting")  # also count as seeing the account, whatever the plan's type


def renewal_threshold(days_left: int, thresholds: Iterable[int]) -> int | None:
    """The tightest threshold the renewal is within (20 days left, (90, 60, 30) → 30), or ``None``."""
    within = [t for t in thresholds if 0 <= days_left <= t]
    return min(within) if within else None


def overdue_visits(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Accounts not seen within their cadence: explicit visit plans first, else the tier's cadence."""
    playbook = services.playbook
    plans: dict[int, list[VisitPlan]] = defaultdict(list)
    for plan in session.scalars(
        select(VisitPlan).where(
            VisitPlan.active.is_(True), VisitPlan.source == "explicit", VisitPlan.rrule.is_not(None)
        )
    ):
        plans[plan.account_id].append(plan)
    last = last_activity_by_type(session)
    items: list[NudgeItem] = []
    for account in _owned_accounts(session):
        specs: list[tuple[str, str, str, datetime, bool]] = [
            (f"overdue_visit:plan:{p.id}", p.activity_type, p.rrule or "", p.dtstart, False)
            for p in plans[account.id]
        ]
        cadence_of_tier = playbook.tier_cadence.get(account.tier or "")
        if not specs and cadence_of_tier is not None:
            specs.append(
                (
                    f"overdue_visit:account:{account.id}",
                    cadence_of_tier.activity,
                    cadence_of_tier.rrule,
                    account.created_at,
                    True,
                )
            )
        for subject, activity, rule, anchor, from_tier in specs:
            try:
                cadence = parse_cadence(rule)
            except ValueError as exc:
                log.warning("visit plan %s of account %s: %s", subject, account.id, exc)
                continue
            seen = [last[(account.id, t)] for t in {activity, *VISIT_LIKE} if (account.id, t) in last]
            last_at = max(seen, default=None)
            if anchor > now or not is_overdue(last_at, anchor, cadence, now):
                continue
            what = "not visited" if activity == "visit" else f"no {activity}"
            since = (
                f"{what} for {span_text(last_at, now)}"
                if last_at
                else f"no {activity} logged since it was added {span_text(anchor, now)} ago"
            )
            tier = f" ({escape(account.tier)})" if from_tier and account.tier else ""
            items.append(
                NudgeItem(
                    user_id=account.owner_id or "",
                    kind="overdue_visit",
                    subject=subject,
                    line=f"*{escape(account.name)}*{tier} {since}; plan: {cadence.label}",
                    button=(f"Log {activity}", "open_log_modal", str(account.id)),
                    account_id=account.id,
                )
            )
    return items


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
        select(Task, Account.name)
        .join(Account, Account.id == Task.account_id)
        .where(Task.kind == "followup", Task.status == "open", Task.due_at < now, ~reminder_pending)
        .order_by(Task.due_at, Task.id)
    ).all()
    zones = _zones(session, {task.assignee_id for task, _ in rows})
    items: list[NudgeItem] = []
    for task, account_name in rows:
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
    accounts = list(session.scalars(select(Account).where(Account.renewal_date.is_not(None))))
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
    limits = {status: days for status, days in services.playbook.inactive_days.items() if days > 0}
    if not limits:
        return []
    last: dict[int, datetime] = {}
    for (account_id, _), at in last_activity_by_type(session).items():
        if account_id not in last or at > last[account_id]:
            last[account_id] = at
    items: list[NudgeItem] = []
    for account in _owned_accounts(session, statuses=tuple(limits)):
        limit = limits[account.status]
        since = last.get(account.id)
        quiet_days = (now - (since or account.created_at)).days
        if quiet_days < limit:
            continue
        what = (
            f"no activity for {quiet_days} days"
            if since
            else f"no activity logged since it was added {quiet_days} days ago"
        )
        items.append(
            NudgeItem(
                user_id=account.owner_id or "",
                kind="inactive",
                subject=f"inactive:account:{account.id}",
                line=f"*{escape(account.name)}* ({escape(account.status)}) {what}; nudge after {limit}",
                button=("Log activity", "open_log_modal", str(account.id)),
                account_id=account.id,
            )
        )
    return items


SOURCES = (overdue_visits, overdue_followups, renewals, inactive_accounts)


def _owned_accounts(session: Session, statuses: tuple[str, ...] | None = None) -> list[Account]:
    stmt = select(Account).where(Account.owner_id.is_not(None))
    if statuses is not None:
        stmt = stmt.where(Account.status.in_(statuses))
    return list(session.scalars(stmt.order_by(Account.name_key)))


def _zones(session: Session, user_ids: set[str]) -> dict[str, ZoneInfo]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(UserProfile.user_id, UserProfile.tz).where(
            UserProfile.team_id == LOCAL_TEAM, UserProfile.user_id.in_(user_ids)
        )
    ).all()
    return {user_id: zone(tz) for user_id, tz in rows}
