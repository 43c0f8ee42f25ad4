"""Who may do what: one set of rules for every command, button and form (docs/PERMISSIONS.md).

* **rep**: changes their own accounts (they own them) and everything on them, their own activities,
  follow-ups (assigned to them or asked for by them), opportunities and contacts; logs activities,
  flags signals, adds accounts and follow-ups anywhere.
* **csm**: the same, and also on the accounts where they are the CSM.
* **manager**: the same, and everything of their team's members (everyone below them in ``/team``);
  sets their targets, reads their numbers, posts their team's digest.
* **admin**: everything, and roles, failed deliveries, import and playbook.
* **viewer**: reads only.

The rules (``can``, ``explain``) are pure: they look at an ``Actor`` (who, with which role, who reports
to them) and a ``Subject`` (whose a record is). ``actor`` and ``subject_of`` read those from the
database; ``require`` puts it together and raises ``PermissionDenied``, a ``UserError`` whose message
names who may do it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import roles
from bot.domain.errors import UserError
from bot.domain.text import escape
from bot.storage.models import (
    LOCAL_TEAM,
    Account,
    Activity,
    Contact,
    Opportunity,
    Signal,
    Task,
    TeamMember,
    VisitPlan,
)
from bot.storage.tenancy import current_team

# Actions
CHANGE = "change"  # change a record (a Subject): edit, close, undo, decide, plan …
WRITE = "write"  # add something anywhere: log an activity, flag a signal, add an account or a follow-up
TEAM = "team"  # change a team (the subject is its manager)
TARGETS = "targets"  # set a person's targets (the subject is that person)
NUMBERS = "numbers"  # read a person's figures (the subject is that person)
DIGEST = "digest"  # post a team's weekly digest now (the subject is its manager)
MANAGE_ROLES = "roles"
FAILED = "failed"  # see and retry failed deliveries
IMPORT = "import"
PLAYBOOK = "playbook"
ADMIN_ONLY = frozenset({MANAGE_ROLES, FAILED, IMPORT, PLAYBOOK})

ADMIN_WORDS = {
    MANAGE_ROLES: "change roles",
    FAILED: "see failed deliveries and retry them",
    IMPORT: "import data",
    PLAYBOOK: "change the playbook",
}


@dataclass(frozen=True)
class Actor:
    user_id: str
    role: str
    reports: frozenset[str] = frozenset()  # everyone below them in /team (direct and indirect)


@dataclass(frozen=True)
class Subject:
    """Whose a record is. ``label`` is what the refusal calls it (escaped mrkdwn)."""

    label: str
    owner: str | None = None  # the account's owner
    csm: str | None = None  # the account's CSM
    people: tuple[str, ...] = ()  # whose the record itself is: assignee, asker, author, opportunity owner

    def everyone(self) -> list[str]:
        return [p for p in dict.fromkeys((self.owner, self.csm, *self.people)) if p]


@dataclass
class PermissionDenied(UserError):
    """Refused: the message says who may do it. Nothing was changed."""

    mrkdwn: bool = field(default=True)


def _owns(actor: Actor, subject: Subject) -> bool:
    if not subject.everyone():  # nobody's (an account without owner or CSM): anyone's to take on
        return True
    if actor.user_id == subject.owner or actor.user_id in subject.people:
        return True
    return actor.user_id == subject.csm and actor.role != roles.REP  # CSMs (and above) on their accounts


def can(actor: Actor, action: str, subject: Subject | str | None = None) -> bool:
    """May ``actor`` do ``action`` (on a record's ``Subject``, or a person's id for team actions)?"""
    if actor.role == roles.ADMIN:
        return True
    if actor.role == roles.VIEWER or action in ADMIN_ONLY:
        return False
    manager = actor.role == roles.MANAGER
    if action == WRITE:
        return True
    if action == CHANGE:
        assert isinstance(subject, Subject)
        return _owns(actor, subject) or (manager and any(p in actor.reports for p in subject.everyone()))
    person = subject if isinstance(subject, str) else None
    if action == NUMBERS:
        return person == actor.user_id or (manager and person in actor.reports)
    if action == TEAM:  # the manager concerned, or a manager above them
        return person == actor.user_id or (manager and person in actor.reports)
    if action in (TARGETS,):
        return manager and person in actor.reports
    if action == DIGEST:
        return person == actor.user_id or (manager and person in actor.reports)
    raise ValueError(f"unknown action {action!r}")


def _people(ids: list[str]) -> str:
    names = [f"<@{p}>" for p in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def explain(actor: Actor, action: str, subject: Subject | str | None, admins: list[str]) -> str:
    """A polite refusal naming who may do it (mrkdwn; labels are escaped by ``subject_of``)."""
    ask = f"admins: {_people(admins[:5])}" if admins else "admins are listed by `/salesbot roles`"
    if action in ADMIN_ONLY:
        return f"Sorry, only salesbot admins can {ADMIN_WORDS[action]} ({ask})."
    if actor.role == roles.VIEWER:
        return (
            "Sorry, you can read everything but change nothing (your role is *viewer*). "
            f"To change that, ask an admin ({ask})."
        )
    if action == CHANGE:
        assert isinstance(subject, Subject)
        who = []
        if subject.owner:
            who.append(f"its owner <@{subject.owner}>")
        if subject.csm and subject.csm != subject.owner:
            who.append(f"its CSM <@{subject.csm}>")
        extra = [p for p in subject.people if p not in (subject.owner, subject.csm)]
        if extra:
            who.append(_people(extra))
        who.append("their manager" if who else "a manager")
        return (
            f"Sorry, {subject.label} is not yours: only {', '.join(who)} or an admin can change it ({ask})."
        )
    person = f"<@{subject}>" if isinstance(subject, str) else "them"
    if action == NUMBERS:
        return f"Sorry, only {person}, their manager or an admin can see {person}'s numbers."
    if action == TEAM:
        return f"Sorry, only {person}, a manager above them or an admin can change {person}'s team ({ask})."
    if action == TARGETS:
        return (
            "Sorry, you can set targets only for people in your team (`/team` shows who reports to whom): "
            f"{person}'s manager or an admin can set {person}'s ({ask})."
        )
    if action == DIGEST:
        return f"Sorry, only {person}, their managers or an admin can post {person}'s team digest."
    raise ValueError(f"unknown action {action!r}")


# -- reading actors and subjects from the database ------------------------------------------------------


def reports_of(session: Session, manager_id: str, *, team_id: str = LOCAL_TEAM) -> frozenset[str]:
    """Everyone below ``manager_id`` in the teams, directly or through other managers (one query)."""
    below: dict[str, list[str]] = {}
    for manager, member in session.execute(
        select(TeamMember.manager_id, TeamMember.member_id).where(TeamMember.team_id == team_id)
    ):
        below.setdefault(manager, []).append(member)
    found: set[str] = set()
    todo = list(below.get(manager_id, []))
    while todo:
        person = todo.pop()
        if person in found or person == manager_id:
            continue
        found.add(person)
        todo += below.get(person, [])
    return frozenset(found)


def actor(session: Session, user_id: str, *, team_id: str = LOCAL_TEAM) -> Actor:
    role = roles.role_of(session, user_id, team_id=team_id)
    reports = reports_of(session, user_id, team_id=team_id) if role == roles.MANAGER else frozenset()
    return Actor(user_id, role, reports)


Record = Account | Activity | Task | Opportunity | Signal | VisitPlan | Contact


def subject_of(session: Session, record: Record) -> Subject:
    """Whose ``record`` is: its account's owner and CSM, and the people of the record itself."""
    if isinstance(record, Account):
        return Subject(f"*{escape(record.name)}*", record.owner_id, record.csm_id)
    account = session.get(Account, record.account_id)
    owner, csm = (account.owner_id, account.csm_id) if account else (None, None)
    on = f" on *{escape(account.name)}*" if account else ""
    if isinstance(record, Activity):  # the author's (and their managers'), not the account's people
        return Subject(f"this activity{on}", people=(record.user_id,))
    if isinstance(record, Task):
        what = "follow-up" if record.kind == "followup" else "task"
        people = tuple(p for p in (record.assignee_id, record.created_by) if p)
        return Subject(f"{what} #{record.id}{on}", owner, csm, people)
    if isinstance(record, Opportunity):
        return Subject(f"opportunity #{record.id}{on}", owner, csm, tuple(p for p in (record.owner_id,) if p))
    if isinstance(record, Signal):  # routed to the owner and the CSM: either decides
        return Subject(f"this signal{on}", owner, csm, tuple(p for p in (owner, csm) if p))
    if isinstance(record, VisitPlan):
        return Subject(f"the visit plan{on}", owner, csm)
    if isinstance(record, Contact):
        people = tuple(p for p in (record.owner_id,) if p)
        return Subject(f"*{escape(record.name)}*{on}", owner, csm, people)
    raise TypeError(f"no permission rule for {type(record).__name__}")


def _team_of(session: Session, record: Record | str | None, team_id: str | None) -> str:
    """The workspace whose roles and teams apply: given, else the record's account's."""
    if team_id is not None:
        return team_id
    if isinstance(record, Account):
        return record.team_id
    if record is not None and not isinstance(record, str):
        account = session.get(Account, record.account_id)
        if account is not None:
            return account.team_id
    return current_team()


def allowed(
    session: Session,
    user_id: str,
    action: str,
    record: Record | str | None = None,
    *,
    team_id: str | None = None,
) -> bool:
    subject = subject_of(session, record) if record is not None and not isinstance(record, str) else record
    return can(actor(session, user_id, team_id=_team_of(session, record, team_id)), action, subject)


def require(
    session: Session,
    user_id: str,
    action: str,
    record: Record | str | None = None,
    *,
    team_id: str | None = None,
    example: str | None = None,
) -> None:
    """Raise ``PermissionDenied`` (naming who may do it) unless ``user_id`` may do ``action``.

    ``team_id``: the workspace; by default the record's account's."""
    team_id = _team_of(session, record, team_id)
    who = actor(session, user_id, team_id=team_id)
    subject = subject_of(session, record) if record is not None and not isinstance(record, str) else record
    if not can(who, action, subject):
        refusal = explain(who, action, subject, roles.admins(session, team_id=team_id))
        raise PermissionDenied(refusal, example)
