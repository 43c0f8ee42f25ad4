"""Signals: parse ``/signal``, flag one, act on it (opportunity), snooze it, dismiss it; who hears of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import accounts as acc
from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.grammar import normalise_choice, split_head
from bot.domain.scoring import COUNTING_STATUSES, Scores, score
from bot.playbook import Playbook, SignalKind
from bot.storage.models import Account, Signal
from bot.storage.tenancy import current_team

SIGNAL_EXAMPLE = "/signal Acme Corp upsell: asked whether they can add 20 seats"
MAX_QUOTE = 3000
SNOOZE = timedelta(days=7)


@dataclass(frozen=True)
class SignalRequest:
    account_text: str  # as typed
    kind: SignalKind
    quote: str


def kinds_list(playbook: Playbook) -> str:
    return ", ".join(f"`{k}`" for k in playbook.signal_kinds)


def _kind_of(text: str, playbook: Playbook) -> str | None:
    name = normalise_choice(text, tuple(playbook.signal_kinds))
    if name is None:  # "crosssell", "cross sell" …
        squashed = text.replace(" ", "").replace("-", "").replace("_", "").lower()
        name = next(
            (k for k in playbook.signal_kinds if k.replace("-", "").replace("_", "") == squashed), None
        )
    return name


def parse_signal(text: str, playbook: Playbook) -> SignalRequest:
    """``Acme Corp upsell: what they said`` → account text, kind, quote. Raises ``UserError``."""
    head, tail = split_head(text)
    if tail is None:
        raise UserError("Put the kind, then a colon, then what the customer said.", SIGNAL_EXAMPLE)
    words = head.split()
    if len(words) < 2:
        raise UserError(
            f"Say which account and which kind of signal ({kinds_list(playbook)}), then a colon.",
            SIGNAL_EXAMPLE,
        )
    kind = None
    account_words = words[:-1]
    if len(words) >= 3:  # a two-word kind such as "cross sell"
        kind = _kind_of(" ".join(words[-2:]), playbook)
        if kind is not None:
            account_words = words[:-2]
    if kind is None:
        kind = _kind_of(words[-1], playbook)
        account_words = words[:-1]
    if kind is None:
        raise UserError(
            f"“{words[-1]}” is not a kind of signal. Kinds: {kinds_list(playbook)}.", SIGNAL_EXAMPLE
        )
    if not tail.strip():
        raise UserError("After the colon, quote what the customer said or did.", SIGNAL_EXAMPLE)
    if len(tail) > MAX_QUOTE:
        raise UserError(f"That quote is {len(tail)} characters; {MAX_QUOTE} at most.", SIGNAL_EXAMPLE)
    return SignalRequest(" ".join(account_words), playbook.signal_kinds[kind], tail.strip())


def flag(
    session: Session,
    *,
    account: Account,
    kind: SignalKind,
    quote: str,
    flagged_by: str,
    now: datetime,
    permalink: str | None = None,
) -> Signal:
    permissions.require(session, flagged_by, permissions.WRITE, team_id=account.team_id)
    if not quote.strip():
        raise UserError("Quote what the customer said or did.", SIGNAL_EXAMPLE)
    if len(quote) > MAX_QUOTE:
        raise UserError(f"That quote is {len(quote)} characters; {MAX_QUOTE} at most.", SIGNAL_EXAMPLE)
    signal = Signal(
        account_id=account.id,
        kind=kind.name,
        points=kind.points,
        quote=quote.strip(),
        permalink=permalink,
        flagged_by=flagged_by,
        status="open",
        created_at=now,
    )
    session.add(signal)
    session.flush()
    return signal


def recipients(account: Account, kind: str, playbook: Playbook) -> list[str]:
    """Who hears of a signal of ``kind``: the account's owner and/or CSM per ``route_to``, deduplicated."""
    spec = playbook.signal_kinds.get(kind)
    route = spec.route_to if spec else ("owner",)
    out: list[str] = []
    for role in route:
        user = account.owner_id if role == "owner" else account.csm_id
        if user and user not in out:
            out.append(user)
    return out


def team_of_account(account: Account) -> list[str]:
    """Owner and CSM: who hears that an account is ripe or at risk."""
    return [u for u in dict.fromkeys([account.owner_id, account.csm_id]) if u]


def is_waiting(signal: Signal, now: datetime) -> bool:
    """Open, or snoozed and the snooze is over: somebody should decide."""
    if signal.status == "open":
        return True
    return signal.status == "snoozed" and (signal.snoozed_until is None or signal.snoozed_until <= now)


class AlreadyDecided(UserError):
    """Somebody acted on or dismissed the signal already."""


def _require_undecided(signal: Signal) -> None:
    if signal.status == "acted":
        raise AlreadyDecided(
            f"This signal was already turned into opportunity #{signal.opportunity_id}."
            if signal.opportunity_id
            else "This signal was already acted on."
        )
    if signal.status == "dismissed":
        raise AlreadyDecided("This signal was already dismissed.")


def get(session: Session, signal_id: int) -> Signal:
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise UserError("That signal no longer exists.")
    return signal


def snooze(session: Session, signal_id: int, *, now: datetime, until: datetime | None = None) -> Signal:
    signal = get(session, signal_id)
    _require_undecided(signal)
    signal.status = "snoozed"
    signal.snoozed_until = until or now + SNOOZE
    return signal


def dismiss(session: Session, signal_id: int, *, reason: str, now: datetime) -> Signal:
    signal = get(session, signal_id)
    _require_undecided(signal)
    if not reason.strip():
        raise UserError("Say why you dismiss it.")
    signal.status = "dismissed"
    signal.dismiss_reason = reason.strip()[:MAX_QUOTE]
    signal.acted_at = now
    return signal


def mark_acted(session: Session, signal: Signal, *, opportunity_id: int, now: datetime) -> None:
    _require_undecided(signal)
    signal.status = "acted"
    signal.opportunity_id = opportunity_id
    signal.acted_at = now


def check_undecided(session: Session, signal_id: int) -> Signal:
    signal = get(session, signal_id)
    _require_undecided(signal)
    return signal


def counting(session: Session, account_id: int) -> list[Signal]:
    """The account's signals that count toward its scores."""
    return list(
        session.scalars(
            select(Signal)
            .where(Signal.account_id == account_id, Signal.status.in_(COUNTING_STATUSES))
            .order_by(Signal.created_at.desc(), Signal.id.desc())
        )
    )


def account_scores(session: Session, account_id: int, playbook: Playbook, now: datetime) -> Scores:
    return score(
        counting(session, account_id),
        playbook.signal_kinds,
        half_life_days=playbook.signal_half_life_days,
        now=now,
    )


def accounts_with_signals(session: Session, *, team_id: str | None = None) -> list[Account]:
    """Accounts whose scores may matter: with counting signals, or flagged as crossed earlier."""
    team_id = team_id or current_team()
    with_signals = select(Signal.account_id).where(Signal.status.in_(COUNTING_STATUSES))
    return list(
        session.scalars(
            select(Account)
            .where(
                Account.team_id == team_id,
                Account.id.in_(with_signals)
                | Account.expansion_alerted_at.is_not(None)
                | Account.risk_alerted_at.is_not(None),
            )
            .order_by(Account.id)
        )
    )


def waiting(session: Session) -> list[Signal]:
    """Signals waiting for a decision (open, or out of their snooze)."""
    rows = session.scalars(
        select(Signal).where(Signal.status.in_(COUNTING_STATUSES)).order_by(Signal.created_at, Signal.id)
    )
    return list(rows)


def open_for_escalation(session: Session, created_before: datetime | None = None) -> list[Signal]:
    """Signals nobody reacted to (still ``open``) that were not escalated yet (and, when given,
    created before ``created_before``: younger ones cannot be due).

    "Not now" counts as a reaction: a snoozed signal is never escalated.
    """
    stmt = select(Signal).where(Signal.status == "open", Signal.escalated_at.is_(None))
    if created_before is not None:
        stmt = stmt.where(Signal.created_at <= created_before)
    return list(session.scalars(stmt.order_by(Signal.created_at, Signal.id)))


def resolve_account(session: Session, text: str, *, team_id: str) -> Account:
    return acc.require(session, text, example=SIGNAL_EXAMPLE, team_id=team_id)
