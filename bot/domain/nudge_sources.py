"""Nudge sources: overdue visits, overdue follow-ups, renewals coming up, accounts gone quiet.

Each source reads the database once and returns, for everyone, the conditions that hold ``now``
(see ``bot.domain.nudges``); the morning pass decides who is told what. Dates in lines are in the
recipient's zone, read from their cached profile (no Slack call, no second transaction).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from bot.domain.cadence import Cadence, OverdueCheck, parse_cadence, span_text
from bot.domain.dates import WhenFormatter, zone
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

    The database computes every account's last activity, and its last activity of each kind a
    cadence counts; only the owned accounts past a limit come back (the accounts with an explicit
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
    # Every account's last activity, and its last of each kind a cadence counts: one pass over the
    # activities (read in table order, grouped), then joined to the accounts. Grouping the accounts'
    # join instead would read every account's activities through the index, one lookup per row.
    seen = (
        select(
            Activity.account_id,
            func.max(Activity.occurred_at).label("last_any"),
            *(
                func.max(case((Activity.type.in_(sorted({kind, *VISIT_LIKE})), Activity.occurred_at))).label(
                    f"last_{i}"
                )
                for i, kind in enumerate(kinds)
            ),
        )
        .where(Activity.undone_at.is_(None))
        .group_by(Activity.account_id)
        .subquery("seen")
    )
    last_any = seen.c.last_any
    last_of = {kind: seen.c[f"last_{i}"] for i, kind in enumerate(kinds)}
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
            # The driver's values, read (``_aware``) only where a line needs them.
            type_coerce(Account.created_at, NullType()),
            type_coerce(last_any, NullType()),
            *(type_coerce(at, NullType()) for at in last_of.values()),
        )
        .select_from(Account)
        .outerjoin(seen, seen.c.account_id == Account.id)
        .where(Account.owner_id.is_not(None), or_(*past))
        .order_by(Account.name_key, Account.id)
        .execution_options(yield_per=1000)
    )
    overdue: list[NudgeItem] = []
    quiet: list[NudgeItem] = []
    column = {kind: i for i, kind in enumerate(last_of)}
    checks: dict[str, OverdueCheck] = {}  # per rule
    # What every account of a tier shares: its rule, and the words of its lines.
    tier_specs = {
        tier: (activity, playbook.tier_cadence[tier].rrule, f" ({escape(tier)})" if tier else "")
        for tier, (activity, _) in tiers.items()
    }
    for account_id, name, tier, status, owner_id, created_at, any_at, *kind_at in rows:
        created = _aware(created_at)
        shown = escape(name)
        specs: list[tuple[str, str, str, datetime, str]]
        if account_id in plans:
            specs = [
                (f"overdue_visit:plan:{p.id}", p.activity_type, p.rrule or "", p.dtstart, "")
                for p in plans[account_id]
            ]
        elif tier in tier_specs:
            activity, rule, tier_text = tier_specs[tier]
            specs = [(f"overdue_visit:account:{account_id}", activity, rule, created, tier_text)]
        else:
            specs = []
        for subject, activity, rule, anchor, tier_text in specs:
            overdue_check = checks.get(rule)
            if overdue_check is None:
                try:
                    overdue_check = checks[rule] = OverdueCheck(parse_cadence(rule), now)
                except ValueError as exc:
                    log.warning("visit plan %s of account %s: %s", subject, account_id, exc)
                    continue
            seen = kind_at[column[activity]]
            last_at = _aware(seen) if seen is not None else None
            if anchor > now or not overdue_check(last_at, anchor):
                continue
            cadence = overdue_check.cadence
            what = "not visited" if activity == "visit" else f"no {activity}"
            since = (
                f"{what} for {span_text(last_at, now)}"
                if last_at
                else f"no {activity} logged since it was added {span_text(anchor, now)} ago"
            )
            overdue.append(
                NudgeItem(
                    user_id=owner_id or "",
                    kind="overdue_visit",
                    subject=subject,
                    line=f"*{shown}*{tier_text} {since}; plan: {cadence.label}",
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
                line=f"*{shown}* ({escape(status)}) {what}; nudge after {limit}",
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
            Task.id,
            Task.title,
            Task.assignee_id,
            type_coerce(Task.due_at, NullType()),  # read by ``_aware``
            Task.all_day,
            Task.account_id,
            Account.name,
        )
        .join(Account, Account.id == Task.account_id)
        .where(Task.kind == "followup", Task.status == "open", Task.due_at < now, ~reminder_pending)
        .order_by(Task.due_at, Task.id)
        .execution_options(yield_per=1000)
    )
    readers = _readers(_zones(session), now)
    names: dict[int, str] = {}  # escaped, once per account
    items: list[NudgeItem] = []
    for task_id, title, assignee_id, due_at, all_day, account_id, account_name in rows:
        when = readers.get(assignee_id) or readers[None]
        shown = names.get(account_id)
        if shown is None:
            shown = names[account_id] = escape(account_name)
        items.append(
            NudgeItem(
                user_id=assignee_id,
                kind="followup_overdue",
                subject=f"followup_overdue:task:{task_id}",
                line=f"*{escape(titled(title, account_name))}* for *{shown}* was due "
                f"{when(_aware(due_at), with_time=not all_day)}",
                button=("Done", "nudge_followup_done", str(task_id)),
                account_id=account_id,
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
    accounts = session.execute(
        select(Account.id, Account.name, Account.renewal_date, Account.mrr, Account.csm_id, Account.owner_id)
        .where(Account.renewal_date.is_not(None), Account.renewal_date.between(first, last))
        .order_by(Account.id)
        .execution_options(yield_per=1000)
    )
    zones = _zones(session)
    utc_today = now.astimezone(ZoneInfo("UTC")).date()
    today = {user_id: now.astimezone(tz).date() for user_id, tz in zones.items()}
    day_text = WhenFormatter(now=now)
    items: list[NudgeItem] = []
    for account_id, name, renewal, mrr, csm_id, owner_id in accounts:
        said = ""
        for user_id in dict.fromkeys(uid for uid in (csm_id, owner_id) if uid):
            left = (renewal - today.get(user_id, utc_today)).days
            threshold = renewal_threshold(left, thresholds)
            if threshold is None:
                continue
            if not said:
                money_text = f"; MRR {money(mrr)}" if mrr is not None else ""
                said = f"({day_text(renewal)}){money_text}"
                shown = escape(name)
            when = "today" if left == 0 else ("tomorrow" if left == 1 else f"in {left} days")
            items.append(
                NudgeItem(
                    user_id=user_id,
                    kind="renewal",
                    subject=f"renewal:account:{account_id}:{renewal.isoformat()}:{threshold}",
                    line=f"*{shown}* renews {when} {said}",
                    button=("Open account", "open_account", str(account_id)),
                    account_id=account_id,
                )
            )
    return items


def inactive_accounts(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Accounts with no activity at all for ``nudges.inactive_days[status]`` days (0 = never nudge)."""
    return [i for i in account_conditions(session, services, now) if i.kind == "inactive"]


def _aware(value: datetime | str) -> datetime:
    """A datetime as the driver returns it (SQLite: text) as an aware UTC datetime."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")  # SQLite's: UTC, without its offset
        except ValueError:
            value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if value.tzinfo is UTC else value.astimezone(UTC)


SOURCES = (account_conditions, overdue_followups, renewals)


def _zones(session: Session) -> dict[str, ZoneInfo]:
    """Everyone's zone, as their profile has it (one small query: a row per person)."""
    rows = session.execute(
        select(UserProfile.user_id, UserProfile.tz).where(UserProfile.team_id == current_team())
    ).all()
    return {user_id: zone(tz) for user_id, tz in rows}


def _readers(zones: dict[str, ZoneInfo], now: datetime) -> dict[str | None, WhenFormatter]:
    """A date formatter per person, shared by everyone in the same zone; ``None``: UTC's, for those
    without a known zone."""
    by_zone: dict[ZoneInfo, WhenFormatter] = {}
    readers: dict[str | None, WhenFormatter] = {
        user_id: by_zone.get(tz) or by_zone.setdefault(tz, WhenFormatter(tz, now=now))
        for user_id, tz in zones.items()
    }
    readers[None] = WhenFormatter(ZoneInfo("UTC"), now=now)
    return readers
