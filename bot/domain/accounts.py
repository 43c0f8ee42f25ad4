"""Accounts: find by name (exact, unique prefix, fuzzy suggestions), create, update, segment."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.events import AccountRoleChanged, record
from bot.domain.grammar import channel_id_of, normalise_choice, user_id_of
from bot.playbook import Playbook
from bot.storage.keys import search_key
from bot.storage.models import Account
from bot.storage.tenancy import current_team

ACCOUNT_FIELDS = {
    "tier",
    "status",
    "owner",
    "csm",
    "tags",
    "mrr",
    "renewal",
    "channel",
    "external_id",
    "name",
}
ADD_EXAMPLE = "/account add Acme Corp tier:gold status:customer owner:@alice csm:@bob tags:retail,north mrr:4200 renewal:2027-03-31"


def clean_name(name: str) -> str:
    """The name as stored: trimmed, inner white space collapsed."""
    return re.sub(r"\s+", " ", name.strip())


def name_key(name: str) -> str:
    """What names are compared by: ``clean_name`` without case."""
    return clean_name(name).casefold()


@dataclass
class Resolution:
    """The outcome of looking an account up by what someone typed."""

    account: Account | None = None
    candidates: list[Account] = field(default_factory=list)  # several plausible matches
    suggestions: list[str] = field(default_factory=list)  # nothing matched; closest names


def starts_with_key(key: str, dialect: str) -> ColumnElement[bool]:
    """``search_key`` starts with ``key``, in a form the ``(team_id, search_key)`` index serves:
    GLOB on SQLite (its LIKE ignores case and so skips the index), LIKE elsewhere (PostgreSQL's index
    uses ``varchar_pattern_ops``). ``key`` is a ``search_key``: it holds no wildcard."""
    if dialect == "sqlite":
        return Account.search_key.op("GLOB")(key + "*")
    return Account.search_key.like(key + "%")


def resolve(session: Session, name: str, *, team_id: str | None = None) -> Resolution:
    """One indexed query: every account whose ``search_key`` starts with what was typed.

    The same name (case and spaces aside) wins, then the same letters (``L’Oréal`` for
    ``L'Oréal``), then a unique prefix (``loreal`` for ``L'Oréal & Co``); several are candidates.
    """
    team_id = team_id or current_team()
    key, exact_name = search_key(name), name_key(name)
    if not key:  # all punctuation ("!!!"): only the very same name
        same_name = select(Account).where(Account.team_id == team_id, Account.name_key == exact_name)
        return Resolution(account=session.scalar(same_name)) if exact_name else Resolution()
    dialect = session.get_bind().dialect.name
    rows = list(
        session.scalars(
            select(Account)
            .where(Account.team_id == team_id, starts_with_key(key, dialect))
            .order_by(Account.name_key != exact_name, Account.search_key != key, Account.search_key)
            .limit(6)
        )
    )
    if rows and rows[0].name_key == exact_name:
        return Resolution(account=rows[0])
    same = [a for a in rows if a.search_key == key]
    if len(same) == 1 or len(rows) == 1:
        return Resolution(account=(same or rows)[0])
    if rows:
        return Resolution(candidates=(same if len(same) > 1 else rows)[:5])
    return Resolution(suggestions=suggest(session, name, team_id=team_id))


def suggest(
    session: Session, name: str, *, team_id: str | None = None, limit: int = 3, cutoff: int = 60
) -> list[str]:
    """The names closest to ``name``, best first, scoring at least ``cutoff`` (0 to 100)."""
    team_id = team_id or current_team()
    names = list(session.scalars(select(Account.name).where(Account.team_id == team_id)))
    matches = process.extract(name, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff)
    return [m[0] for m in matches]


def search(session: Session, text: str, *, team_id: str | None = None, limit: int = 20) -> list[Account]:
    """For pickers: prefix matches first, then fuzzy ones."""
    team_id = team_id or current_team()
    resolution = resolve(session, text, team_id=team_id)
    found: list[Account] = []
    if resolution.account:
        found.append(resolution.account)
    found.extend(resolution.candidates)
    if len(found) < limit and text.strip():
        rows = session.execute(select(Account.id, Account.name).where(Account.team_id == team_id)).all()
        by_name = {r.name: r.id for r in rows}
        ids = [
            by_name[m[0]]
            for m in process.extract(text, list(by_name), scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
        ]
        seen = {a.id for a in found}
        for account in session.scalars(select(Account).where(Account.id.in_(ids))):
            if account.id not in seen:
                found.append(account)
    elif not text.strip():
        found = list(
            session.scalars(
                select(Account).where(Account.team_id == team_id).order_by(Account.name_key).limit(limit)
            )
        )
    return found[:limit]


def require(session: Session, name: str, *, example: str, team_id: str | None = None) -> Account:
    """The account, or a ``UserError`` offering the candidates or the closest names and a create button."""
    team_id = team_id or current_team()
    if not name.strip():
        raise UserError("Which account? Put its name first.", example)
    r = resolve(session, name, team_id=team_id)
    if r.account:
        return r.account
    if r.candidates:
        raise UserError(
            f"“{name}” matches several accounts. Which one?",
            example,
            choices=[(a.name, "pick_account", str(a.id)) for a in r.candidates],
            typed=name,
        )
    hint = (" Did you mean " + ", ".join(f"“{s}”" for s in r.suggestions) + "?") if r.suggestions else ""
    choices = [(s, "pick_account_name", s) for s in r.suggestions]
    choices.append((f"Create “{clean_name(name)}”", "create_account", clean_name(name)))
    raise UserError(f"I don't know an account called “{name}”.{hint}", example, choices=choices, typed=name)


def parse_mrr(value: str) -> int:
    text = value.strip().lower().replace(",", "").replace("_", "").lstrip("+").lstrip("$€£")
    factor = 1
    if text.endswith("k"):
        factor, text = 1000, text[:-1]
    try:
        amount = float(text) * factor
        if not math.isfinite(amount):
            raise ValueError(text)
    except ValueError:
        raise UserError(
            f"`mrr:{value}` is not an amount. Use a number like `mrr:4200` or `mrr:4.2k`.", ADD_EXAMPLE
        ) from None
    if amount < 0 or amount > 10**12:
        raise UserError(f"`mrr:{value}` is out of range.", ADD_EXAMPLE)
    return round(amount)


def parse_date(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(
            f"`{field_name}:{value}` is not a date. Use YYYY-MM-DD, e.g. `{field_name}:2027-03-31`.",
            ADD_EXAMPLE,
        ) from None


def _user(value: str, field_name: str) -> str | None:
    if value.lower() in ("none", "-", ""):
        return None
    uid = user_id_of(value)
    if uid is None and re.fullmatch(r"[UW][A-Z0-9]{6,}", value):
        uid = value
    if uid is None:
        raise UserError(
            f"`{field_name}:{value}` is not a person. Mention them with @ and pick them from Slack's list, "
            f"e.g. `{field_name}:@alice` (or `{field_name}:none`).",
            ADD_EXAMPLE,
        )
    return uid


def validate_fields(fields: dict[str, str], playbook: Playbook) -> dict[str, Any]:
    """Turn typed ``key:value`` fields into column values, or raise ``UserError`` naming the bad one."""
    out: dict[str, Any] = {}
    for key, raw in fields.items():
        if key == "tier":
            if raw.lower() in ("none", "-"):
                out["tier"] = None
                continue
            tier = normalise_choice(raw, playbook.tiers)
            if tier is None:
                raise UserError(f"`{raw}` is not a tier. Tiers: {', '.join(playbook.tiers)}.", ADD_EXAMPLE)
            out["tier"] = tier
        elif key == "status":
            status = normalise_choice(raw, playbook.statuses)
            if status is None:
                raise UserError(
                    f"`{raw}` is not a status. Statuses: {', '.join(playbook.statuses)} "
                    '(quote two words: `status:"hot prospect"`).',
                    ADD_EXAMPLE,
                )
            out["status"] = status
        elif key in ("owner", "csm"):
            out[f"{key}_id"] = _user(raw, key)
        elif key == "tags":
            cleared = raw.strip().lower() in ("none", "-")
            out["tags"] = [] if cleared else sorted({t.strip().lower() for t in raw.split(",") if t.strip()})
        elif key == "mrr":
            out["mrr"] = None if raw.strip().lower() in ("none", "-") else parse_mrr(raw)
        elif key == "renewal":
            out["renewal_date"] = None if raw.lower() in ("none", "-") else parse_date(raw, "renewal")
        elif key == "channel":
            cid = channel_id_of(raw)
            if cid is None and raw.lower() not in ("none", "-"):
                raise UserError("`channel:` takes a #channel link, e.g. `channel:#acme-shared`.", ADD_EXAMPLE)
            out["channel_id"] = cid
        elif key == "external_id":
            out["external_id"] = None if raw.strip().lower() in ("none", "-") else raw or None
        elif key == "name":
            if not raw.strip():
                raise UserError('`name:` needs the new name, e.g. `name:"Acme Corporation"`.', ADD_EXAMPLE)
            if len(raw.strip()) > 200:
                raise UserError("That name is too long (200 characters at most).", ADD_EXAMPLE)
            out["name"] = clean_name(raw)
    return out


def create(
    session: Session,
    name: str,
    values: dict[str, Any],
    *,
    playbook: Playbook,
    now: datetime,
    created_by: str | None,
    team_id: str | None = None,
) -> Account:
    team_id = team_id or current_team()
    if created_by is not None:  # a person (not the operator's import): viewers only read
        permissions.require(session, created_by, permissions.WRITE, team_id=team_id)
    clean = clean_name(name)
    if not clean:
        raise UserError("The account needs a name.", ADD_EXAMPLE)
    if len(clean) > 200:
        raise UserError("That name is too long (200 characters at most).", ADD_EXAMPLE)
    existing = session.scalar(
        select(Account).where(Account.team_id == team_id, Account.name_key == name_key(clean))
    )
    if existing:
        raise UserError(
            f"There is already an account called “{existing.name}”. Change it with `/account set`.",
            f"/account set {existing.name} tier:gold",
        )
    other = linked_to_channel(session, values.get("channel_id"), team_id=team_id)
    if other is not None:
        raise UserError(
            f"That channel is already linked to “{other.name}”. Create the account without `channel:`, "
            "then move the link with `/account link`.",
            f"/account link {clean} #channel",
        )
    account = Account(
        team_id=team_id,
        name=clean,
        name_key=name_key(clean),
        status=values.get("status", playbook.default_status),
        tier=values.get("tier"),
        tags=values.get("tags", []),
        owner_id=values.get("owner_id", created_by),
        csm_id=values.get("csm_id"),
        channel_id=values.get("channel_id"),
        mrr=values.get("mrr"),
        renewal_date=values.get("renewal_date"),
        external_id=values.get("external_id"),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    return account


def update(
    session: Session, account: Account, values: dict[str, Any], *, now: datetime, by: str | None = None
) -> dict[str, tuple[Any, Any]]:
    """Apply values; returns {column: (old, new)} of what changed.

    A change of owner or CSM made by a person (``by``) is announced (``AccountRoleChanged``) so the
    people concerned are told. A channel already linked to another account is refused: moving a
    link is ``/account link``'s question."""
    if values.get("channel_id") and values["channel_id"] != account.channel_id:
        other = linked_to_channel(session, values["channel_id"], team_id=account.team_id)
        if other is not None and other.id != account.id:
            raise UserError(
                f"That channel is already linked to “{other.name}”. Move the link with `/account link`.",
                f"/account link {account.name} #channel",
            )
    changes: dict[str, tuple[Any, Any]] = {}
    if "name" in values:
        new_key = name_key(values["name"])
        clash = session.scalar(
            select(Account).where(
                Account.team_id == account.team_id, Account.name_key == new_key, Account.id != account.id
            )
        )
        if clash:
            raise UserError(
                f"Another account is already called “{clash.name}”.",
                f'/account set {account.name} name:"New name"',
            )
        values = {**values, "name_key": new_key}  # setting the name sets its search_key too
    for column, value in values.items():
        old = getattr(account, column)
        if old != value:
            changes[column] = (old, value)
            setattr(account, column, value)
    if changes:
        account.updated_at = now
    for column, role in (("owner_id", "owner"), ("csm_id", "csm")):
        if by is not None and column in changes:
            before, after = changes[column]
            record(session, AccountRoleChanged(account, role, before, after, by, now))
    return changes


def segment(
    session: Session, filters: dict[str, Any], *, team_id: str | None = None, limit: int = 50
) -> tuple[list[Account], int]:
    """Accounts matching every filter (tier, status, owner_id, csm_id, tag); returns (page, total)."""
    team_id = team_id or current_team()
    stmt = select(Account).where(Account.team_id == team_id)
    for column in ("tier", "status", "owner_id", "csm_id"):
        if column in filters:
            value, col = filters[column], getattr(Account, column)
            stmt = stmt.where(col.is_(None) if value is None else col == value)
    rows = list(session.scalars(stmt.order_by(Account.name_key)))
    tag = filters.get("tag")
    if tag:
        rows = [a for a in rows if tag in (a.tags or [])]
    return rows[:limit], len(rows)


LIST_EXAMPLE = "/account list tier:gold owner:@alice tag:retail"
LIST_FIELDS = {"tier", "status", "owner", "csm", "tag"}
# Column → the field name people type, for describing changes.
FIELD_OF_COLUMN = {
    "owner_id": "owner",
    "csm_id": "csm",
    "channel_id": "channel",
    "renewal_date": "renewal",
}


def segment_filters(fields: dict[str, str], playbook: Playbook) -> dict[str, Any]:
    """``/account list`` fields (tier, status, owner, csm, tag) → filters for ``segment``."""
    filters: dict[str, Any] = {}
    try:
        for key, value in fields.items():
            if key in ("owner", "csm"):
                filters[f"{key}_id"] = _user(value, key)
            elif key == "tag":
                if not value.strip():
                    raise UserError("`tag:` needs a tag, e.g. `tag:retail`.")
                filters["tag"] = value.strip().lower()
            else:
                filters.update(validate_fields({key: value}, playbook))
    except UserError as err:
        raise UserError(err.message, LIST_EXAMPLE) from None
    return filters


def linked_to_channel(
    session: Session, channel_id: str | None, *, team_id: str | None = None
) -> Account | None:
    """The account whose channel this is, if any (the first by name when several share it)."""
    team_id = team_id or current_team()
    if not channel_id:
        return None
    return session.scalar(
        select(Account)
        .where(Account.team_id == team_id, Account.channel_id == channel_id)
        .order_by(Account.name_key)
        .limit(1)
    )


def linked_accounts(session: Session, channel_id: str, *, team_id: str | None = None) -> list[Account]:
    team_id = team_id or current_team()
    return list(
        session.scalars(select(Account).where(Account.team_id == team_id, Account.channel_id == channel_id))
    )


def unlink_channel(
    session: Session, channel_id: str, *, team_id: str | None = None, now: datetime, keep: int | None = None
) -> list[str]:
    """Take ``channel_id`` off every account linked to it (but ``keep``); returns their names."""
    team_id = team_id or current_team()
    names = []
    for account in session.scalars(
        select(Account).where(
            Account.team_id == team_id, Account.channel_id == channel_id, Account.id != (keep or 0)
        )
    ):
        account.channel_id = None
        account.updated_at = now
        names.append(account.name)
    session.flush()
    return names
