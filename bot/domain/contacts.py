"""Contacts: the people at an account, their role in the buying decision and their buying readiness.

A contact belongs to one account. Its readiness ``stage`` moves along the playbook's buyer's journey
(``buying_team.stages``); every move is a ``ContactStageChange`` with a date, an author and a reason,
so the card shows the history. "Last touched" is the latest activity (not undone) the contact took part
in, read with one ``GROUP BY`` for any number of contacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.domain import permissions
from bot.domain import roles as staff_roles
from bot.domain.accounts import clean_name, name_key
from bot.domain.errors import UserError
from bot.domain.grammar import normalise_choice, user_id_of
from bot.domain.teams import managers_of
from bot.domain.text import escape
from bot.playbook import Playbook
from bot.storage.models import (
    Account,
    Activity,
    ActivityContact,
    Contact,
    ContactStageChange,
    Opportunity,
    OpportunityContact,
)
from bot.storage.tenancy import current_team

ADD_EXAMPLE = (
    '/contact add Acme Corp "Jane Doe" title:"VP Finance" role:economic-buyer email:jane@acme.example'
)
SET_EXAMPLE = '/contact set "Jane Doe" stage:evaluating reason:"asked for the ROI study"'
CARD_EXAMPLE = '/contact "Jane Doe"'
LIST_EXAMPLE = "/contact list Acme Corp"
REMOVE_EXAMPLE = '/contact remove "Jane Doe"'
ADD_FIELDS = {"title", "role", "stage", "email", "phone", "owner", "notes"}
SET_FIELDS = ADD_FIELDS | {"name", "reason"}
MAX_NAME = 200
MAX_TITLE = 200
MAX_NOTES = 2000
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{4,28}[0-9]")
_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")


# -- fields ------------------------------------------------------------------------------------------
def role_of(value: str, playbook: Playbook, example: str) -> str | None:
    if value.lower() in ("none", "-"):
        return None
    roles = playbook.buying_team.roles
    role = normalise_choice(value, roles)
    if role is None:
        raise UserError(
            f"“{value}” is not a buying role. Roles: " + ", ".join(f"`{_dashed(r)}`" for r in roles) + ".",
            example,
        )
    return role


def stage_of(value: str, playbook: Playbook, example: str) -> str:
    stages = playbook.buying_team.stages
    stage = normalise_choice(value, stages)
    if stage is None:
        raise UserError(
            f"“{value}” is not a readiness stage. Stages, first to last: "
            + ", ".join(f"`{_dashed(s)}`" for s in stages)
            + ".",
            example,
        )
    return stage


def _dashed(choice: str) -> str:
    """How a choice is typed in a field: ``economic-buyer``."""
    return choice.replace(" ", "-")


def email_of(value: str, example: str) -> str | None:
    if value.lower() in ("none", "-"):
        return None
    m = _MAILTO.match(value.strip())  # Slack turns a typed address into <mailto:…|…>
    address = (m.group(1) if m else value).strip().lower()
    if not _EMAIL.fullmatch(address) or len(address) > 320:
        raise UserError(f"`email:{value}` is not an e-mail address, e.g. `email:jane@acme.example`.", example)
    return address


def phone_of(value: str, example: str) -> str | None:
    if value.lower() in ("none", "-"):
        return None
    if not _PHONE.fullmatch(value.strip()):
        raise UserError(f"`phone:{value}` is not a phone number, e.g. `phone:+1-555-0100`.", example)
    return value.strip()


def name_of(value: str, example: str) -> str:
    name = clean_name(value)
    if not name:
        raise UserError('Give the contact\'s name, in quotes when it has spaces: `"Jane Doe"`.', example)
    if len(name) > MAX_NAME:
        raise UserError(f"That name is {len(name)} characters; {MAX_NAME} at most.", example)
    if name.startswith("#") or "@" in name:
        raise UserError(f"“{name}” does not read as a person's name.", example)
    return name


def validate(fields: dict[str, str], playbook: Playbook, example: str) -> dict[str, Any]:
    """Typed ``key:value`` fields → column values (``reason`` kept as is), or ``UserError``."""
    out: dict[str, Any] = {}
    for key, raw in fields.items():
        if key == "role":
            out["role"] = role_of(raw, playbook, example)
        elif key == "stage":
            out["stage"] = stage_of(raw, playbook, example)
        elif key == "email":
            out["email"] = email_of(raw, example)
        elif key == "phone":
            out["phone"] = phone_of(raw, example)
        elif key == "owner":
            if raw.lower() in ("none", "-"):
                out["owner_id"] = None
            else:
                uid = user_id_of(raw)
                if uid is None:
                    raise UserError("`owner:` takes an @mention, e.g. `owner:@alice`.", example)
                out["owner_id"] = uid
        elif key == "title":
            title = clean_name(raw)
            if len(title) > MAX_TITLE:
                raise UserError(f"That title is {len(title)} characters; {MAX_TITLE} at most.", example)
            out["title"] = title or None
        elif key == "notes":
            if len(raw) > MAX_NOTES:
                raise UserError(f"Those notes are {len(raw)} characters; {MAX_NOTES} at most.", example)
            out["notes"] = raw.strip()
        elif key == "name":
            out["name"] = name_of(raw, example)
        elif key == "reason":
            out["reason"] = raw.strip()[:500]
    return out


# -- finding contacts --------------------------------------------------------------------------------
@dataclass
class Found:
    contact: Contact | None = None
    candidates: list[tuple[Contact, Account]] = field(default_factory=list)


def _team_contacts(team_id: str) -> Any:
    return (
        select(Contact, Account)
        .join(Account, Account.id == Contact.account_id)
        .where(Account.team_id == team_id)
    )


def find(session: Session, typed: str, *, team_id: str | None = None, account_id: int | None = None) -> Found:
    """A contact by ``#id``, e-mail, exact name, or a name's start or one of its words (``Jane``, ``Doe``).

    With ``account_id`` the search is that account's contacts only.
    """
    team_id = team_id or current_team()
    text = typed.strip()
    stmt = _team_contacts(team_id)
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    if re.fullmatch(r"#\d+", text):
        row = session.execute(stmt.where(Contact.id == int(text[1:]))).first()
        return Found(contact=row[0]) if row else Found()
    if "@" in text:
        rows = session.execute(stmt.where(Contact.email == text.lower())).all()
    else:
        key = name_key(text)
        if not key:
            return Found()
        rows = session.execute(stmt.where(Contact.name_key == key).order_by(Contact.id)).all()
        if not rows:
            like = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = session.execute(
                stmt.where(
                    Contact.name_key.like(like + "%", escape="\\")
                    | Contact.name_key.like("% " + like + "%", escape="\\")
                )
                .order_by(Contact.name_key, Contact.id)
                .limit(6)
            ).all()
    if len(rows) == 1:
        return Found(contact=rows[0][0])
    return Found(candidates=[(r[0], r[1]) for r in rows[:5]])


def reference(contact: Contact, candidates: list[tuple[Contact, Account]]) -> str:
    """How to name ``contact`` in a command so it is found again: its name, or ``#id`` when shared."""
    same = [c for c, _ in candidates if c.name_key == contact.name_key]
    return f"#{contact.id}" if len(same) > 1 else contact.name


def require(
    session: Session,
    typed: str,
    *,
    example: str,
    team_id: str | None = None,
    account: Account | None = None,
) -> Contact:
    """The contact ``typed`` names, or a ``UserError``: ambiguous (pick buttons), at another account, unknown."""
    team_id = team_id or current_team()
    if not typed.strip():
        raise UserError('Which contact? Give the name, in quotes when it has spaces: `"Jane Doe"`.', example)
    found = find(session, typed, team_id=team_id, account_id=account.id if account else None)
    if found.contact is not None:
        return found.contact
    if found.candidates:
        raise ambiguous(typed, found.candidates, example)
    if account is not None:
        elsewhere = find(session, typed, team_id=team_id)
        others = [elsewhere.contact] if elsewhere.contact else [c for c, _ in elsewhere.candidates]
        if others:
            at = session.get(Account, others[0].account_id)
            raise UserError(
                f"{others[0].name} is a contact at {at.name if at else 'another account'}, "
                f"not at {account.name}. Add them to {account.name} first if they are someone else.",
                example,
                choices=[create_choice(account, clean_name(typed))],
                typed=typed,
            )
        raise UserError(
            f"I don't know a contact called “{typed}” at {account.name}.",
            example,
            choices=[create_choice(account, clean_name(typed))],
            typed=typed,
        )
    raise UserError(
        f'I don\'t know a contact called “{typed}”. Add them: `/contact add Acme Corp "{clean_name(typed)}"`.',
        example,
    )


def ambiguous(typed: str, candidates: list[tuple[Contact, Account]], example: str) -> UserError:
    return UserError(
        f"“{typed}” matches several contacts. Which one?",
        example,
        choices=[(f"{c.name} ({a.name})", "pick_contact", reference(c, candidates)) for c, a in candidates],
        typed=typed,
    )


def create_choice(account: Account, name: str) -> tuple[str, str, str]:
    return (f"Create {name} at {account.name}", "create_contact", f"{account.id}:{name}")


def resolve_names(
    session: Session, account: Account, names: list[str], *, example: str, team_id: str | None = None
) -> list[Contact]:
    """Each typed name as one of ``account``'s contacts (in order, without repeats), or the first problem."""
    team_id = team_id or current_team()
    out: list[Contact] = []
    for typed in names:
        contact = require(session, typed, example=example, team_id=team_id, account=account)
        if contact not in out:
            out.append(contact)
    return out


def split_names(text: str) -> list[str]:
    """``Jane Doe, Tom Lee and Ann`` → the three names (quotes allowed)."""
    cleaned = text.replace("“", '"').replace("”", '"')
    parts = re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", cleaned)
    return [p.strip().strip('"').strip() for p in parts if p.strip().strip('"').strip()]


# -- writing -----------------------------------------------------------------------------------------
def create(
    session: Session,
    *,
    account: Account,
    name: str,
    values: dict[str, Any],
    playbook: Playbook,
    created_by: str | None,
    now: datetime,
    example: str = ADD_EXAMPLE,
) -> Contact:
    if created_by is not None:  # a person (not the operator's import): viewers only read
        permissions.require(session, created_by, permissions.WRITE, team_id=account.team_id)
    name = name_of(name, example)
    key = name_key(name)
    clash = session.scalar(select(Contact).where(Contact.account_id == account.id, Contact.name_key == key))
    if clash is not None:
        raise UserError(
            f"{clash.name} is already a contact at {account.name}. Change them with `/contact set`.",
            SET_EXAMPLE,
        )
    _check_email_free(session, values.get("email"), None, account.team_id, example)
    stage = values.get("stage") or playbook.buying_team.stages[0]
    contact = Contact(
        account_id=account.id,
        name=name,
        name_key=key,
        title=values.get("title"),
        email=values.get("email"),
        phone=values.get("phone"),
        role=values.get("role"),
        stage=stage,
        stage_changed_at=now,
        stage_changed_by=created_by,
        owner_id=values.get("owner_id", account.owner_id or created_by),
        notes=values.get("notes", ""),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    session.add(
        ContactStageChange(
            contact_id=contact.id,
            from_stage=None,
            to_stage=stage,
            changed_by=created_by,
            reason=values.get("reason", ""),
            changed_at=now,
        )
    )
    return contact


def _check_email_free(
    session: Session, email: str | None, contact_id: int | None, team_id: str, example: str
) -> None:
    if not email:
        return
    row = session.execute(_team_contacts(team_id).where(Contact.email == email)).first()
    if row is not None and row[0].id != contact_id:
        raise UserError(f"{email} is already {row[0].name}'s e-mail ({row[1].name}).", example)


def update(
    session: Session, contact: Contact, values: dict[str, Any], *, by: str | None, now: datetime, team_id: str
) -> dict[str, tuple[Any, Any]]:
    """Apply ``values``; a stage change is recorded with its author, date and ``reason``."""
    values = dict(values)
    reason = values.pop("reason", "")
    if "name" in values:
        key = name_key(values["name"])
        clash = session.scalar(
            select(Contact).where(
                Contact.account_id == contact.account_id, Contact.name_key == key, Contact.id != contact.id
            )
        )
        if clash is not None:
            raise UserError(f"Another contact at this account is already called {clash.name}.", SET_EXAMPLE)
        values["name_key"] = key
    if "email" in values:
        _check_email_free(session, values["email"], contact.id, team_id, SET_EXAMPLE)
    changes: dict[str, tuple[Any, Any]] = {}
    for column, value in values.items():
        old = getattr(contact, column)
        if old != value:
            changes[column] = (old, value)
            setattr(contact, column, value)
    if "stage" in changes:
        contact.stage_changed_at, contact.stage_changed_by = now, by
        session.add(
            ContactStageChange(
                contact_id=contact.id,
                from_stage=changes["stage"][0],
                to_stage=changes["stage"][1],
                changed_by=by,
                reason=reason,
                changed_at=now,
            )
        )
    if changes:
        contact.updated_at = now
    return changes


def remove(session: Session, contact: Contact) -> None:
    session.delete(contact)  # its links and stage history go with it (ON DELETE CASCADE)
    session.flush()


def of_ids(session: Session, account_id: int, ids: tuple[int, ...] | list[int]) -> list[Contact]:
    """The account's contacts among ``ids`` (a form may name one removed or moved meanwhile)."""
    if not ids:
        return []
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.account_id == account_id, Contact.id.in_(list(ids)))
            .order_by(Contact.name_key)
        )
    )


def suggestions(contacts: list[Contact], playbook: Playbook) -> list[str]:
    """Content the playbook maps to each contact's (role, stage), as lines for a confirmation."""
    lines = []
    for c in contacts:
        content = playbook.buying_team.content_for(c.role, c.stage)
        if content is not None:
            lines.append(
                f":bulb: For {escape(c.name)} ({escape(c.role)}, {escape(c.stage)}): "
                f"<{content.link}|{escape(content.title)}>"
            )
    return lines


def add_to_team(
    session: Session, opportunity: Opportunity, contacts: list[Contact], *, by: str, now: datetime
) -> list[Contact]:
    """Add contacts to an opportunity's buying team; returns those that were not on it yet."""
    present = set(
        session.scalars(
            select(OpportunityContact.contact_id).where(OpportunityContact.opportunity_id == opportunity.id)
        )
    )
    added = [c for c in contacts if c.id not in present]
    for contact in added:
        session.add(
            OpportunityContact(
                opportunity_id=opportunity.id, contact_id=contact.id, added_by=by, added_at=now
            )
        )
    session.flush()
    return added


def remove_from_team(session: Session, opportunity: Opportunity, contacts: list[Contact]) -> int:
    result = session.execute(
        delete(OpportunityContact).where(
            OpportunityContact.opportunity_id == opportunity.id,
            OpportunityContact.contact_id.in_([c.id for c in contacts]),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- reading -----------------------------------------------------------------------------------------
def last_touched(session: Session, contact_ids: list[int] | None = None) -> dict[int, datetime]:
    """The latest activity (not undone) each contact took part in, in one ``GROUP BY``."""
    stmt = (
        select(ActivityContact.contact_id, func.max(Activity.occurred_at))
        .join(Activity, Activity.id == ActivityContact.activity_id)
        .where(Activity.undone_at.is_(None))
    )
    if contact_ids is not None:
        if not contact_ids:
            return {}
        stmt = stmt.where(ActivityContact.contact_id.in_(contact_ids))
    rows = session.execute(stmt.group_by(ActivityContact.contact_id)).all()
    return {contact_id: _aware(at) for contact_id, at in rows}


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def of_account(session: Session, account_id: int) -> list[Contact]:
    return list(
        session.scalars(select(Contact).where(Contact.account_id == account_id).order_by(Contact.name_key))
    )


def count_of_account(session: Session, account_id: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(Contact).where(Contact.account_id == account_id)) or 0
    )


def team(session: Session, opportunity: Opportunity) -> tuple[list[Contact], bool]:
    """An opportunity's buying team, and whether it was named explicitly (``/opportunity team``).

    Until anyone is added, the team is every contact of the account.
    """
    named = list(
        session.scalars(
            select(Contact)
            .join(OpportunityContact, OpportunityContact.contact_id == Contact.id)
            .where(OpportunityContact.opportunity_id == opportunity.id)
            .order_by(Contact.name_key)
        )
    )
    if named:
        return named, True
    return of_account(session, opportunity.account_id), False


def history(session: Session, contact_id: int, limit: int = 10) -> list[ContactStageChange]:
    return list(
        session.scalars(
            select(ContactStageChange)
            .where(ContactStageChange.contact_id == contact_id)
            .order_by(ContactStageChange.changed_at.desc(), ContactStageChange.id.desc())
            .limit(limit)
        )
    )


def activities_with(session: Session, contact_id: int, limit: int = 10) -> tuple[list[Activity], int]:
    """The latest activities the contact took part in, and how many there are in all."""
    base = (
        select(Activity)
        .join(ActivityContact, ActivityContact.activity_id == Activity.id)
        .where(ActivityContact.contact_id == contact_id, Activity.undone_at.is_(None))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = list(session.scalars(base.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit)))
    return rows, total


def contacts_of_activity(session: Session, activity_id: int) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .join(ActivityContact, ActivityContact.contact_id == Contact.id)
            .where(ActivityContact.activity_id == activity_id)
            .order_by(Contact.name_key)
        )
    )


def opportunities_of(session: Session, contact: Contact) -> list[Opportunity]:
    """The open opportunities whose team the contact is on (named, or by default as the account's)."""
    named = select(OpportunityContact.opportunity_id).where(
        OpportunityContact.opportunity_id == Opportunity.id
    )
    mine = select(OpportunityContact.opportunity_id).where(
        OpportunityContact.opportunity_id == Opportunity.id, OpportunityContact.contact_id == contact.id
    )
    return list(
        session.scalars(
            select(Opportunity)
            .where(
                Opportunity.account_id == contact.account_id,
                Opportunity.status == "open",
                mine.exists() | ~named.exists(),
            )
            .order_by(Opportunity.id)
        )
    )


def can_see_private(
    session: Session, account: Account, viewer: str, playbook: Playbook, *, shared_channel: bool
) -> bool:
    """E-mails and phones: the account's owner and CSM, their managers (``/team``) and admins;
    never in a shared channel."""
    if shared_channel:
        return False
    if staff_roles.role_of(session, viewer, team_id=account.team_id) == staff_roles.ADMIN:
        return True
    keepers = [u for u in (account.owner_id, account.csm_id) if u]
    if viewer in keepers:
        return True
    return viewer in set(managers_of(session, keepers, team_id=account.team_id).values())
