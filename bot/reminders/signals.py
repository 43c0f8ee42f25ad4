"""Signals over time: route a new signal, resurface a snoozed one, escalate an ignored one, and tell
the team once when an account's score crosses its threshold. Everything goes through the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.blocks.common import section
from bot.blocks.signals import article, kind_label, morning_button_value, routed_blocks
from bot.domain import signals as sig
from bot.domain import teams
from bot.domain.dates import format_when, zone
from bot.domain.nudges import NudgeItem
from bot.domain.scoring import REARM_RATIO, display, is_risk, reached, score
from bot.domain.text import escape, mention, plain
from bot.domain.workhours import add_working_days, next_working_start
from bot.playbook import WEEKDAYS, WorkingHours
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.storage.models import Account, Opportunity, Reminder, Signal, UserProfile
from bot.storage.tenancy import current_team

if TYPE_CHECKING:
    from bot.services import Services

ROUTED = "signal_routed"
RESURFACED = "signal_resurfaced"
ESCALATED = "signal_escalated"
RIPE = "account_ripe"
RISK = "account_risk"
OUTCOME = "signal_outcome"


def warm(services: Services, user_ids: Iterable[str | None]) -> None:
    """Refresh people's profiles (time zone, hours) from Slack, *outside* any unit of work.

    The functions below read profiles through the caller's session: on SQLite a second unit of
    work inside an open one would wait for the first one's write lock.
    """
    for user_id in dict.fromkeys(u for u in user_ids if u):
        services.people.get(user_id)


def _profile(
    services: Services, session: Session, user_id: str
) -> tuple[ZoneInfo, WorkingHours, tuple[str, ...]]:
    default = services.playbook.working_hours
    profile = session.get(UserProfile, (current_team(), user_id))
    if profile is None:
        return ZoneInfo("UTC"), default, ()
    hours = WorkingHours(
        tuple(WEEKDAYS.index(d) for d in profile.work_days) if profile.work_days else default.days,
        time.fromisoformat(profile.work_start) if profile.work_start else default.start,
        time.fromisoformat(profile.work_end) if profile.work_end else default.end,
        default.holidays,
    )
    return zone(profile.tz), hours, tuple(profile.nudges_off or ())


def _deliver_at(services: Services, session: Session, user_id: str, now: datetime) -> datetime:
    """Now if the person is at work, else the start of their next working day (in their zone)."""
    tz, hours, _ = _profile(services, session, user_id)
    return next_working_start(now, hours, tz)


def _dm_at_work(
    services: Services,
    session: Session,
    kind: str,
    signal: Signal,
    user_id: str,
    *,
    now: datetime,
    dedupe_key: str,
    not_before: datetime | None = None,
    **payload: Any,
) -> None:
    """Queue a DM about ``signal`` for the person's first working moment from ``not_before`` (or now)."""
    enqueue(
        session,
        kind=kind,
        due_at=_deliver_at(services, session, user_id, not_before or now),
        now=now,
        recipient_id=user_id,
        payload={"signal_id": signal.id, **payload},
        dedupe_key=dedupe_key,
    )


# -- routing a new signal -----------------------------------------------------------------------
def route(services: Services, session: Session, signal: Signal, account: Account, now: datetime) -> list[str]:
    """Queue the signal for its recipients (except the flagger, who sees it in the thank-you).

    Returns who will be told. With ``signals.post_in_account_channel`` and a linked channel, one post
    in that channel mentions them instead of DMs.
    """
    told = [u for u in sig.recipients(account, signal.kind, services.playbook) if u != signal.flagged_by]
    if not told:
        return []
    if services.playbook.signals_in_account_channel and account.channel_id:
        enqueue(
            session,
            kind=ROUTED,
            due_at=now,
            now=now,
            channel_id=account.channel_id,
            payload={"signal_id": signal.id, "mention": told},
            dedupe_key=f"{ROUTED}:{signal.id}:channel",
        )
        return told
    for user in told:
        _dm_at_work(
            services, session, ROUTED, signal, user, now=now, dedupe_key=f"{ROUTED}:{signal.id}:{user}"
        )
    return told


def routed_in_channel(services: Services, account: Account) -> str | None:
    return account.channel_id if services.playbook.signals_in_account_channel else None


def resurface_later(
    services: Services, session: Session, signal: Signal, user_id: str, now: datetime
) -> datetime:
    """After "Not now": bring the signal back to ``user_id`` when the snooze ends (at their first
    working moment from then, which is returned)."""
    assert signal.snoozed_until is not None
    _dm_at_work(
        services,
        session,
        RESURFACED,
        signal,
        user_id,
        now=now,
        not_before=signal.snoozed_until,
        dedupe_key=f"{RESURFACED}:{signal.id}:{user_id}:{signal.snoozed_until.isoformat()}",
    )
    return _deliver_at(services, session, user_id, signal.snoozed_until)


def _signal_and_account(session: Session, reminder: Reminder) -> tuple[Signal, Account] | None:
    signal = session.get(Signal, int(reminder.payload.get("signal_id", 0)))
    if signal is None:
        return None
    account = session.get(Account, signal.account_id)
    return (signal, account) if account else None


def _target(reminder: Reminder) -> str:
    return reminder.channel_id or reminder.recipient_id or ""


def render_routed(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _signal_and_account(session, reminder)
    if found is None:
        return None
    signal, account = found
    if signal.status != "open":  # decided or snoozed meanwhile
        return None
    intro = None
    if reminder.channel_id:
        intro = ", ".join(mention(u) for u in reminder.payload.get("mention", [])) + ": a new signal."
    blocks = routed_blocks(signal, account, services.playbook, intro=intro)
    return OutgoingMessage(_target(reminder), plain(f"New {signal.kind} signal on {account.name}"), blocks)


def render_resurfaced(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _signal_and_account(session, reminder)
    if found is None:
        return None
    signal, account = found
    now = services.clock.now()
    if signal.status != "snoozed" or (signal.snoozed_until and signal.snoozed_until > now):
        return None  # decided, or snoozed again (a newer reminder carries it)
    blocks = routed_blocks(signal, account, services.playbook, intro=":alarm_clock: Back from “Not now”:")
    return OutgoingMessage(_target(reminder), plain(f"Snoozed signal on {account.name} is back"), blocks)


def render_escalated(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _signal_and_account(session, reminder)
    if found is None:
        return None
    signal, account = found
    if signal.status != "open":
        return None
    days = services.playbook.escalate_after_working_days
    intro = (
        f":rotating_light: Nobody reacted to this signal for {days} working days. "
        f"Owner: {mention(account.owner_id)}, CSM: {mention(account.csm_id)}."
    )
    blocks = routed_blocks(signal, account, services.playbook, intro=intro)
    return OutgoingMessage(_target(reminder), plain(f"Signal on {account.name} is waiting"), blocks)


def tell_flagger(services: Services, session: Session, signal: Signal, actor: str, now: datetime) -> None:
    """Close the loop: the person who flagged the signal learns what became of it."""
    if signal.flagged_by == actor:
        return
    _dm_at_work(
        services,
        session,
        OUTCOME,
        signal,
        signal.flagged_by,
        now=now,
        dedupe_key=f"{OUTCOME}:{signal.id}",
        by=actor,
    )


def render_outcome(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    found = _signal_and_account(session, reminder)
    if found is None:
        return None
    signal, account = found
    by = mention(reminder.payload.get("by"))
    what = f"Your *{escape(signal.kind)}* signal on *{escape(account.name)}*"
    if signal.status == "acted":
        opportunity = session.get(Opportunity, signal.opportunity_id) if signal.opportunity_id else None
        title = f" “{escape(opportunity.title)}”" if opportunity else ""
        text = f":tada: {what} became opportunity #{signal.opportunity_id}{title} ({by}). Thank you!"
    elif signal.status == "dismissed":
        text = f":information_source: {what} was dismissed by {by}: {escape(signal.dismiss_reason)}"
    else:
        return None
    return OutgoingMessage(
        _target(reminder), plain(f"News about your signal on {account.name}"), [section(text)]
    )


# -- escalation -----------------------------------------------------------------------------------
def escalate_pass(services: Services, now: datetime) -> None:
    """Signals still ``open`` after N working days (in the owner's zone) go to the owner's manager, once."""
    pb = services.playbook
    # N working days later is the same wall-clock time at least N calendar days later (give or take a
    # clock change): younger signals cannot be due, and are not even read.
    days = pb.escalate_after_working_days
    old_enough = now - timedelta(days=days) + timedelta(hours=2) if days > 0 else now
    with services.uow(read_only=True) as session:
        candidates = sig.open_for_escalation(session, old_enough)
        if not candidates:
            return
        owners = [
            a.owner_id
            for s in candidates
            if (a := session.get(Account, s.account_id)) is not None and a.owner_id
        ]
        managers = teams.managers_of(session, [o for o in owners if o])
    warm(services, [*owners, *managers.values()])
    with services.uow() as session:
        for signal in sig.open_for_escalation(session, old_enough):
            account = session.get(Account, signal.account_id)
            if account is None or not account.owner_id:
                continue
            manager = teams.manager_of(session, account.owner_id, team_id=account.team_id)
            if manager is None:
                continue
            tz, hours, _ = _profile(services, session, account.owner_id)
            deadline = add_working_days(signal.created_at, pb.escalate_after_working_days, hours, tz)
            if now < deadline:
                continue
            _dm_at_work(
                services, session, ESCALATED, signal, manager, now=now, dedupe_key=f"{ESCALATED}:{signal.id}"
            )
            signal.escalated_at = now


# -- threshold crossings --------------------------------------------------------------------------
def evaluate(
    services: Services, session: Session, account: Account, now: datetime, *, removed: Signal | None = None
) -> None:
    """Record when a score *crosses* its threshold; the morning message tells owner and CSM once.

    A crossing is caused by signals: the score reaches the threshold now while, without the signals
    flagged at this instant, it was well below (``REARM_RATIO`` of the threshold), or no crossing was
    recorded yet. Decay alone never clears a crossing: the evidence was real and people are told
    once. Withdrawing evidence (``removed``: a signal dismissed or turned into an opportunity) so that
    its score falls well below re-arms that score only, so a later crossing after new signals is told
    again; the other score keeps its crossing. Withdrawing a little (the score stays near the
    threshold) keeps the crossing: whoever has not had their morning message yet is still told.
    """
    pb = services.playbook
    signals = sig.counting(session, account.id)
    after = score(signals, pb.signal_kinds, half_life_days=pb.signal_half_life_days, now=now)
    before = score(
        [s for s in signals if s.created_at < now],
        pb.signal_kinds,
        half_life_days=pb.signal_half_life_days,
        now=now,
    )
    removed_risk = is_risk(removed.kind, pb.signal_kinds) if removed is not None else None
    for value, previous, threshold, column, risky in (
        (after.expansion, before.expansion, pb.expansion_threshold, "expansion_alerted_at", False),
        (after.risk, before.risk, pb.risk_threshold, "risk_alerted_at", True),
    ):
        above = reached(value, threshold)
        rearmed = previous < threshold * REARM_RATIO
        alerted = getattr(account, column) is not None
        if above and (not alerted or rearmed):
            setattr(account, column, now)
        elif alerted and removed_risk is risky and value < threshold * REARM_RATIO:
            setattr(account, column, None)


# -- morning nudges -------------------------------------------------------------------------------
def _start_of_local_day(now: datetime, tz: ZoneInfo) -> datetime:
    return datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz)


def _waiting_since(
    services: Services, session: Session, signal: Signal, account: Account, user: str
) -> datetime:
    """When the signal was put in front of ``user``, with its buttons: its DM waits for their working
    hours; a channel post and the flagger's own thank-you are immediate."""
    since = signal.snoozed_until if signal.status == "snoozed" and signal.snoozed_until else signal.created_at
    if user == signal.flagged_by or routed_in_channel(services, account):
        return since
    return _deliver_at(services, session, user, since)


def nudge_source(session: Session, services: Services, now: datetime) -> list[NudgeItem]:
    """Ripe and at-risk accounts (for owner and CSM) and signals waiting for a decision (for their
    recipients), as conditions that hold now.

    A signal waits for someone from the day after it reached them: the morning message does not
    repeat the signal message they get (or got) that same day.
    """
    pb = services.playbook
    items: list[NudgeItem] = []
    zones: dict[str, ZoneInfo] = {}

    def tz_of(user: str) -> ZoneInfo:
        if user not in zones:
            zones[user] = _profile(services, session, user)[0]
        return zones[user]

    for account in sig.accounts_with_signals(session):
        if account.expansion_alerted_at is None and account.risk_alerted_at is None:
            continue
        scores = sig.account_scores(session, account.id, pb, now)
        signals = {s.id: s for s in sig.counting(session, account.id)}
        name = escape(account.name)
        for kind, alerted_at, value, threshold, evidence, why, what in (
            ("ripe", account.expansion_alerted_at, scores.expansion, pb.expansion_threshold,
             scores.expansion_evidence, "looks ripe for expansion", "expansion score"),
            ("risk", account.risk_alerted_at, scores.risk, pb.risk_threshold, scores.risk_evidence,
             "is at risk", "risk score"),
        ):  # fmt: skip
            if alerted_at is None:
                continue
            proof = "; ".join(
                f"{escape(signals[e.signal_id].kind)}: “{escape(_snippet(signals[e.signal_id].quote, 60))}”"
                for e in evidence[:3]
                if e.signal_id in signals
            )
            for user in sig.team_of_account(account):
                line = (
                    f"*{name}* {why}: its {what} reached {display(threshold)} on "
                    f"{format_when(alerted_at, tz_of(user), now=now, with_time=False)} (now {display(value)})"
                )
                items.append(
                    NudgeItem(
                        user_id=user,
                        kind=kind,
                        # One subject per crossing: told once, told again only after a new crossing.
                        subject=f"{kind}:account:{account.id}:{alerted_at:%Y%m%dT%H%M%S}",
                        line=line + (f". Evidence: {proof}" if proof else ""),
                        button=("Open account", "open_account", str(account.id)),
                        account_id=account.id,
                    )
                )
    accounts: dict[int, Account | None] = {}
    for signal in sig.waiting(session):
        if not sig.is_waiting(signal, now):
            continue
        if signal.account_id not in accounts:
            accounts[signal.account_id] = session.get(Account, signal.account_id)
        account = accounts[signal.account_id]
        if account is None:
            continue
        snippet = _snippet(signal.quote, 80)
        for user in sig.recipients(account, signal.kind, pb):
            if _waiting_since(services, session, signal, account, user) >= _start_of_local_day(
                now, tz_of(user)
            ):
                continue  # it reaches them today, with its own buttons
            items.append(
                NudgeItem(
                    user_id=user,
                    kind="signal_waiting",
                    subject=f"signal_waiting:signal:{signal.id}",
                    line=(
                        f"{article(kind_label(signal.kind))} *{escape(signal.kind)}* signal on "
                        f"*{escape(account.name)}* waits for you: “{escape(snippet)}”"
                    ),
                    button=(
                        "Create opportunity",
                        "signal_create_opportunity",
                        morning_button_value(signal.id),
                    ),
                    account_id=account.id,
                )
            )
    return items


def install(services: Services) -> None:
    services.renderers[ROUTED] = render_routed
    services.renderers[RESURFACED] = render_resurfaced
    services.renderers[ESCALATED] = render_escalated
    services.renderers[OUTCOME] = render_outcome
    services.planning_passes.append(escalate_pass)
    services.nudge_sources.append(nudge_source)


def _snippet(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
