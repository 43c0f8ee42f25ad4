"""What nudges a person wants: kinds on/off (``UserProfile.nudges_off``) and snoozed accounts.

An account snooze is a ``NudgeState`` row with the subject ``snooze:account:<id>`` and
``snoozed_until``; a subject snooze sets ``snoozed_until`` on the subject's own row.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.dates import local_datetime
from bot.domain.errors import UserError
from bot.domain.text import titled
from bot.storage.models import Account, Contact, NudgeState, Opportunity, Signal, Task, UserProfile
from bot.storage.tenancy import current_team

KINDS: dict[str, str] = {
    "overdue_visit": "accounts overdue on their visit plan or tier cadence",
    "followup_overdue": "your follow-ups past their due time",
    "renewal": "renewals coming up (90, 60 and 30 days before)",
    "inactive": "accounts with no activity for too long",
    "ripe": "accounts ripe for expansion",
    "risk": "accounts at risk of churn",
    "signal_waiting": "signals waiting for you to act",
    "weekly": "your personal weekly summary (Monday morning)",
    "buying_team": "buying-team warnings: single-threaded, no economic buyer, a laggard, a champion gone quiet, a blocker",
}
ALIASES = {
    "visit": "overdue_visit",
    "visits": "overdue_visit",
    "overdue": "overdue_visit",
    "overdue_visits": "overdue_visit",
    "followup": "followup_overdue",
    "followups": "followup_overdue",
    "follow-up": "followup_overdue",
    "follow-ups": "followup_overdue",
    "renewals": "renewal",
    "quiet": "inactive",
    "signal": "signal_waiting",
    "signals": "signal_waiting",
    "summary": "weekly",
    "week": "weekly",
    "team": "buying_team",
    "contacts": "buying_team",
}
EXAMPLE = "/salesbot nudges off renewals"
SNOOZE_PREFIX = "snooze:account:"
MORNING_SUBJECT = "morning:built"  # when this person's last morning message was built
RESERVED_PREFIXES = ("snooze:", "morning:")


def is_reserved(subject: str) -> bool:
    return subject.startswith(RESERVED_PREFIXES)


@dataclass(frozen=True)
class NudgesCommand:
    verb: str  # show | on | off | help
    kinds: tuple[str, ...] = ()


def parse_kind(word: str) -> str:
    typed = word.strip().lower()
    key = ALIASES.get(typed, typed.replace("-", "_"))
    if key in KINDS:
        return key
    valid = ", ".join(f"`{k}`" for k in KINDS)
    raise UserError(f"“{word}” is not a kind of nudge. Kinds: {valid}, or `all`.", EXAMPLE)


def parse_nudges_command(text: str) -> NudgesCommand:
    words = text.replace(",", " ").split()
    if not words:
        return NudgesCommand("show")
    verb = words[0].lower()
    if verb == "help":
        return NudgesCommand("help")
    if verb not in ("on", "off"):
        raise UserError(f"`/salesbot nudges` takes `on` or `off` and a kind, not “{words[0]}”.", EXAMPLE)
    if len(words) == 1:
        raise UserError(f"Which nudges? Kinds: {', '.join(f'`{k}`' for k in KINDS)}, or `all`.", EXAMPLE)
    if any(w.lower() == "all" for w in words[1:]):
        return NudgesCommand(verb, tuple(KINDS))
    kinds: list[str] = []
    for word in words[1:]:
        kind = parse_kind(word)
        if kind not in kinds:
            kinds.append(kind)
    return NudgesCommand(verb, tuple(kinds))


def set_kinds(session: Session, user_id: str, kinds: tuple[str, ...], *, on: bool) -> list[str]:
    """Turn kinds on or off; returns the kinds that are off afterwards. The profile must exist."""
    profile = _profile(session, user_id)
    off = [k for k in profile.nudges_off or [] if not (on and k in kinds)]
    if not on:
        off += [k for k in kinds if k not in off]
    profile.nudges_off = off  # a new list, so the JSON column is seen as changed
    return off


def kinds_off(session: Session, user_id: str) -> list[str]:
    return list(_profile(session, user_id).nudges_off or [])


def snooze_end(now: datetime, tz: ZoneInfo, days: int) -> datetime:
    """Midnight (local) ``days`` days from today: a week's snooze ends before that morning's message."""
    day = now.astimezone(tz).date() + timedelta(days=days)
    return local_datetime(day, datetime.min.time(), tz)


def snooze_account(session: Session, user_id: str, account_id: int, until: datetime, now: datetime) -> None:
    _snooze(session, user_id, f"{SNOOZE_PREFIX}{account_id}", until, now, active=False)


def snooze_subject(session: Session, user_id: str, subject: str, until: datetime, now: datetime) -> None:
    _snooze(session, user_id, subject, until, now, active=True)


# The rows a nudge subject names: ``followup_overdue:task:12``, ``renewal:account:3:…``.
SUBJECT_ROWS: dict[str, type[Account] | type[Task] | type[Signal] | type[Opportunity] | type[Contact]] = {
    "account": Account,
    "task": Task,
    "signal": Signal,
    "opportunity": Opportunity,
    "contact": Contact,
}


def subject_exists(session: Session, subject: str) -> bool:
    """False when a row the subject names (``kind:id``) no longer exists."""
    parts = subject.split(":")
    for kind, value in itertools.pairwise(parts):
        model = SUBJECT_ROWS.get(kind)
        if (
            model is not None
            and value.isascii()
            and value.isdigit()
            and session.get(model, int(value)) is None
        ):
            return False
    return True


def unsnooze_account(session: Session, user_id: str, account_id: int) -> bool:
    row = _state(session, user_id, f"{SNOOZE_PREFIX}{account_id}")
    if row is None or row.snoozed_until is None:
        return False
    row.snoozed_until = None
    return True


def account_snoozes(session: Session, user_id: str) -> dict[int, datetime]:
    """Every account snooze of the person (also expired ones: they decide what is told again)."""
    rows = session.scalars(
        select(NudgeState).where(
            NudgeState.user_id == user_id,
            NudgeState.subject.like(SNOOZE_PREFIX + "%"),
            NudgeState.snoozed_until.is_not(None),
        )
    )
    return {int(r.subject.removeprefix(SNOOZE_PREFIX)): r.snoozed_until for r in rows if r.snoozed_until}


def current_snoozes(session: Session, user_id: str, now: datetime) -> list[tuple[Account, datetime]]:
    snoozes = {a: until for a, until in account_snoozes(session, user_id).items() if until > now}
    if not snoozes:
        return []
    accounts = session.scalars(select(Account).where(Account.id.in_(snoozes)).order_by(Account.name_key))
    return [(a, snoozes[a.id]) for a in accounts]


@dataclass(frozen=True)
class SubjectSnooze:
    subject: str
    label: str  # what it is about, as a person reads it (mrkdwn is the caller's business)
    account: str | None
    until: datetime


def current_subject_snoozes(session: Session, user_id: str, now: datetime) -> list[SubjectSnooze]:
    """Lines of the morning message snoozed one by one (a follow-up, a renewal …), still running."""
    rows = session.scalars(
        select(NudgeState)
        .where(
            NudgeState.user_id == user_id,
            NudgeState.snoozed_until > now,
            ~NudgeState.subject.like("snooze:%"),
            ~NudgeState.subject.like("morning:%"),
        )
        .order_by(NudgeState.snoozed_until, NudgeState.subject)
    ).all()
    found = []
    for row in rows:
        assert row.snoozed_until is not None
        kind, _, rest = row.subject.partition(":")
        what, _, ident = rest.partition(":")
        ident = ident.split(":")[0]
        label, account = KINDS.get(kind, kind.replace("_", " ")), None
        if what == "task" and ident.isdigit():
            task = session.get(Task, int(ident))
            if task is not None:
                found_account = session.get(Account, task.account_id)
                account = found_account.name if found_account else None
                label = f"follow-up “{titled(task.title, account or '')}”"
        elif what == "account" and ident.isdigit():
            found_account = session.get(Account, int(ident))
            account = found_account.name if found_account else None
            label = kind.replace("_", " ").replace("overdue visit", "visit overdue")
        found.append(SubjectSnooze(row.subject, label, account, row.snoozed_until))
    return found


def unsnooze_subject(session: Session, user_id: str, subject: str) -> bool:
    row = _state(session, user_id, subject)
    if row is None or row.snoozed_until is None or is_reserved(subject):
        return False
    row.snoozed_until = None
    return True


def _snooze(
    session: Session, user_id: str, subject: str, until: datetime, now: datetime, *, active: bool
) -> None:
    row = _state(session, user_id, subject)
    if row is None:
        session.add(
            NudgeState(user_id=user_id, subject=subject, active=active, started_at=now, snoozed_until=until)
        )
    else:
        row.snoozed_until = until


def _state(session: Session, user_id: str, subject: str) -> NudgeState | None:
    return session.scalar(
        select(NudgeState).where(NudgeState.user_id == user_id, NudgeState.subject == subject)
    )


def _profile(session: Session, user_id: str) -> UserProfile:
    profile = session.get(UserProfile, (current_team(), user_id))
    if profile is None:
        profile = UserProfile(team_id=current_team(), user_id=user_id, tz="UTC", nudges_off=[])
        session.add(profile)
    return profile
