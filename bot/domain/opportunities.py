"""Opportunities: parse and validate ``/opportunity``, create, update, win, lose, list, pipeline totals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from bot.domain import accounts as acc
from bot.domain import permissions
from bot.domain.dates import DateOrder, DateParseError, parse_when
from bot.domain.errors import UserError
from bot.domain.events import OpportunityClosed, OpportunityOwnerChanged, record
from bot.domain.grammar import normalise_choice, parse_fields, user_id_of
from bot.playbook import Playbook
from bot.storage.models import Account, Opportunity, Signal
from bot.storage.tenancy import current_team

ADD_EXAMPLE = '/opportunity add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified close:2027-01-31'
SET_EXAMPLE = "/opportunity set 12 stage:proposal mrr:1500 close:2027-02-28"
WON_EXAMPLE = "/opportunity won 12"
LOST_EXAMPLE = "/opportunity lost 12 reason:price"
LIST_EXAMPLE = "/opportunity list all kind:upsell stage:proposal owner:@alice"
PIPELINE_EXAMPLE = "/pipeline @alice kind:upsell"
ADD_FIELDS = {"mrr", "stage", "close", "owner"}
SET_FIELDS = {"mrr", "stage", "close", "owner", "title"}
LIST_FIELDS = {"kind", "stage", "owner", "status", "account"}
PIPELINE_FIELDS = {"kind", "owner", "stage"}
MAX_TITLE = 300


def parse_mrr(value: str, example: str) -> int:
    try:
        return acc.parse_mrr(value)
    except UserError as err:
        raise UserError(err.message, example) from None


def parse_close(value: str, example: str, local_now: datetime, order: DateOrder = "DMY") -> date | None:
    """``close:`` takes any date ``/followup`` does (``31/12``, ``end of quarter``, ``2027-01-31``)."""
    if value.lower() in ("none", "-"):
        return None
    try:
        return parse_when(value, local_now, prefer="future", order=order).at.date()
    except DateParseError as exc:
        reason = exc.sentence() if exc.definite else f"`close:{value}` is not a date."
        raise UserError(
            f'{reason} E.g. `close:2027-01-31`, `close:31/01` or `close:"end of quarter"`.',
            example,
        ) from None


def _one_of(
    value: str, choices: tuple[str, ...], example: str, *, not_a: str, listed: str, then: str = ""
) -> str:
    """``value`` as one of the playbook's ``choices``, or an error that lists them all."""
    choice = normalise_choice(value, choices)
    if choice is None:
        raise UserError(
            f"“{value}” is not {not_a}. {listed}: " + ", ".join(f"`{c}`" for c in choices) + "." + then,
            example,
        )
    return choice


def kind_of(value: str, playbook: Playbook, example: str) -> str:
    return _one_of(value, playbook.opportunity_kinds, example, not_a="a kind of opportunity", listed="Kinds")


def stage_of(value: str, playbook: Playbook, example: str) -> str:
    return _one_of(
        value,
        playbook.opportunity_stages,
        example,
        not_a="a stage",
        listed="Stages",
        then=" Close with `/opportunity won 12` or `/opportunity lost 12 reason:price`.",
    )


def _owner(value: str, example: str) -> str:
    uid = user_id_of(value)
    if uid is None:
        raise UserError("`owner:` takes an @mention, e.g. `owner:@alice`.", example)
    return uid


def _title(value: str, example: str) -> str:
    title = re.sub(r"\s+", " ", value.strip())
    if not title:
        raise UserError('Give the opportunity a title, e.g. `title:"20 more seats"`.', example)
    if len(title) > MAX_TITLE:
        raise UserError(f"That title is {len(title)} characters; {MAX_TITLE} at most.", example)
    return title


def validate(
    fields: dict[str, str],
    playbook: Playbook,
    example: str,
    *,
    local_now: datetime,
    order: DateOrder = "DMY",
) -> dict[str, Any]:
    """Typed ``key:value`` fields → column values, or ``UserError`` naming the bad one.

    ``local_now`` (the person's own clock) and ``order`` read a ``close:`` date."""
    out: dict[str, Any] = {}
    for key, raw in fields.items():
        if key == "mrr":
            out["mrr"] = parse_mrr(raw, example)
        elif key == "stage":
            out["stage"] = stage_of(raw, playbook, example)
        elif key == "close":
            out["close_date"] = parse_close(raw, example, local_now, order)
        elif key == "owner":
            out["owner_id"] = _owner(raw, example)
        elif key == "title":
            out["title"] = _title(raw, example)
    return out


@dataclass
class NewOpportunity:
    account: Account
    kind: str
    title: str
    values: dict[str, Any] = field(default_factory=dict)


def parse_add(
    session: Session,
    text: str,
    playbook: Playbook,
    *,
    local_now: datetime,
    team_id: str | None = None,
    order: DateOrder = "DMY",
) -> NewOpportunity:
    """``Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified close:2027-01-31``.

    The account name ends at a kind word; when the name itself contains one ("New Horizons"), the
    split that names a known account wins.
    """
    team_id = team_id or current_team()
    parsed = parse_fields(text, ADD_FIELDS, example=ADD_EXAMPLE)
    words = parsed.words
    positions = [i for i, w in enumerate(words) if i > 0 and normalise_choice(w, playbook.opportunity_kinds)]
    if not words:
        raise UserError("Which account, and what kind of opportunity?", ADD_EXAMPLE)
    if not positions:
        for i in range(len(words) - 1, 0, -1):  # a known account, then a word that is not a kind
            if acc.resolve(session, " ".join(words[:i]), team_id=team_id).account is not None:
                kind_of(words[i], playbook, ADD_EXAMPLE)  # raises: names the word and lists the kinds
        raise UserError(
            "Say the kind after the account name: "
            + ", ".join(f"`{k}`" for k in playbook.opportunity_kinds)
            + ".",
            ADD_EXAMPLE,
        )
    split = positions[0]
    for i in positions:
        if acc.resolve(session, " ".join(words[:i]), team_id=team_id).account is not None:
            split = i
            break
    account = acc.require(session, " ".join(words[:split]), example=ADD_EXAMPLE, team_id=team_id)
    kind = kind_of(words[split], playbook, ADD_EXAMPLE)
    rest = " ".join(words[split + 1 :])
    title = _title(rest, ADD_EXAMPLE) if rest.strip() else kind.capitalize()
    values = validate(parsed.fields, playbook, ADD_EXAMPLE, local_now=local_now, order=order)
    return NewOpportunity(account, kind, title, values)


def create(
    session: Session,
    *,
    account: Account,
    kind: str,
    title: str,
    created_by: str,
    now: datetime,
    playbook: Playbook,
    mrr: int = 0,
    stage: str | None = None,
    close_date: date | None = None,
    owner_id: str | None = None,
    signal: Signal | None = None,
) -> Opportunity:
    """A new open opportunity. The owner defaults to the account's owner (the rep), else its creator."""
    permissions.require(session, created_by, permissions.WRITE, team_id=account.team_id)
    opportunity = Opportunity(
        account_id=account.id,
        kind=kind,
        title=title,
        mrr=mrr,
        stage=stage or playbook.opportunity_stages[0],
        status="open",
        close_date=close_date,
        owner_id=owner_id or account.owner_id or created_by,
        signal_id=signal.id if signal else None,
        created_by=created_by,
        created_at=now,
    )
    session.add(opportunity)
    session.flush()
    return opportunity


def kind_for_signal(signal_kind: str, risk: bool, playbook: Playbook) -> str:
    """The opportunity kind a signal suggests: the same name if it is one, ``renewal`` for risks."""
    kinds = playbook.opportunity_kinds
    if signal_kind in kinds:
        return signal_kind
    if risk and "renewal" in kinds:
        return "renewal"
    return "upsell" if "upsell" in kinds else kinds[0]


def parse_id(token: str, example: str) -> int:
    text = token.strip().lstrip("#")
    if not text.isdigit():
        raise UserError(f"“{token}” is not an opportunity number. Find it with `/opportunity list`.", example)
    return int(text)


def require(session: Session, number: int, example: str, *, team_id: str | None = None) -> Opportunity:
    team_id = team_id or current_team()
    opportunity = session.get(Opportunity, number)
    if opportunity is not None:
        account = session.get(Account, opportunity.account_id)
        if account is not None and account.team_id == team_id:
            return opportunity
    raise UserError(f"There is no opportunity #{number}. Find it with `/opportunity list all`.", example)


def require_open(session: Session, number: int, example: str, *, team_id: str | None = None) -> Opportunity:
    team_id = team_id or current_team()
    opportunity = require(session, number, example, team_id=team_id)
    if opportunity.status != "open":
        raise UserError(f"Opportunity #{number} is already {opportunity.status}.", example)
    return opportunity


def update(
    opportunity: Opportunity, values: dict[str, Any], *, now: datetime, by: str | None = None
) -> dict[str, tuple[Any, Any]]:
    """Set the fields that differ; a new owner set by a person (``by``) is announced
    (``OpportunityOwnerChanged``: the previous and the new owner are told), from any surface."""
    changes: dict[str, tuple[Any, Any]] = {}
    for column, value in values.items():
        old = getattr(opportunity, column)
        if old != value:
            changes[column] = (old, value)
            setattr(opportunity, column, value)
    session = object_session(opportunity)
    if "owner_id" in changes and by is not None and session is not None:
        before, after = changes["owner_id"]
        record(session, OpportunityOwnerChanged(opportunity, before, after, by, now))
    return changes


def win(opportunity: Opportunity, *, now: datetime, by: str | None = None) -> None:
    before = f"open ({opportunity.stage})"
    opportunity.status = "won"
    opportunity.closed_at = now
    _closed(opportunity, before, by, now)


def lose(opportunity: Opportunity, *, reason: str, now: datetime, by: str | None = None) -> None:
    if not reason.strip():
        raise UserError("Say why it was lost, as `reason:`.", LOST_EXAMPLE)
    before = f"open ({opportunity.stage})"
    opportunity.status = "lost"
    opportunity.lost_reason = reason.strip()[:MAX_TITLE]
    opportunity.closed_at = now
    _closed(opportunity, before, by, now)


def _closed(opportunity: Opportunity, before: str, by: str | None, now: datetime) -> None:
    """Announce a close made by a person (its owner is told when that is someone else)."""
    session = object_session(opportunity)
    if by is not None and session is not None:
        record(session, OpportunityClosed(opportunity, before, by, now))


@dataclass(frozen=True)
class Filters:
    owner_id: str | None = None
    kind: str | None = None
    stage: str | None = None
    status: str | None = "open"  # None = every status
    account_id: int | None = None


def parse_filters(
    session: Session,
    fields: dict[str, str],
    playbook: Playbook,
    example: str,
    *,
    owner_id: str | None,
    team_id: str | None = None,
) -> Filters:
    team_id = team_id or current_team()
    status: str | None = "open"
    account_id = None
    kind = stage = None
    for key, raw in fields.items():
        if key == "kind":
            kind = kind_of(raw, playbook, example)
        elif key == "stage":
            stage = stage_of(raw, playbook, example)
        elif key == "owner":
            owner_id = _owner(raw, example)
        elif key == "status":
            value = raw.lower()
            if value not in ("open", "won", "lost", "all"):
                raise UserError("`status:` is one of `open`, `won`, `lost`, `all`.", example)
            status = None if value == "all" else value
        elif key == "account":
            account_id = acc.require(session, raw, example=example, team_id=team_id).id
    return Filters(owner_id, kind, stage, status, account_id)


def find(
    session: Session, filters: Filters, *, team_id: str | None = None, limit: int | None = None
) -> list[tuple[Opportunity, Account]]:
    team_id = team_id or current_team()
    stmt = select(Opportunity, Account).join(Account, Account.id == Opportunity.account_id)
    stmt = stmt.where(Account.team_id == team_id)
    if filters.status:
        stmt = stmt.where(Opportunity.status == filters.status)
    if filters.owner_id:
        stmt = stmt.where(Opportunity.owner_id == filters.owner_id)
    if filters.kind:
        stmt = stmt.where(Opportunity.kind == filters.kind)
    if filters.stage:
        stmt = stmt.where(Opportunity.stage == filters.stage)
    if filters.account_id:
        stmt = stmt.where(Opportunity.account_id == filters.account_id)
    stmt = stmt.order_by(Opportunity.close_date.is_(None), Opportunity.close_date, Opportunity.id)
    if limit:
        stmt = stmt.limit(limit)
    return [(row[0], row[1]) for row in session.execute(stmt).all()]


@dataclass(frozen=True)
class StageTotal:
    stage: str
    count: int
    mrr: int


def pipeline(opportunities: list[Opportunity], stages: tuple[str, ...]) -> list[StageTotal]:
    """Counts and MRR per stage, in the playbook's order; stages no longer configured come last."""
    order = list(stages) + sorted({o.stage for o in opportunities} - set(stages))
    totals = []
    for stage in order:
        in_stage = [o for o in opportunities if o.stage == stage]
        totals.append(StageTotal(stage, len(in_stage), sum(o.mrr for o in in_stage)))
    return totals
