"""The buying-team map and its alignment warnings.

Members are plain values (``Member``); the rules (``opportunity_warnings``, ``contact_warnings``)
are pure functions of them, the playbook's ``buying_team`` section and "now". ``load`` reads what the
rules need with a fixed number of queries (contacts, one ``GROUP BY`` for last touches, open tasks),
and ``team_nudges`` is the morning pass's source: each warning that holds is a ``NudgeItem``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.contacts import last_touched
from bot.domain.nudges import NudgeContext, NudgeItem
from bot.domain.text import escape
from bot.playbook import BuyingTeam, Content, Playbook
from bot.storage.models import Account, Contact, Opportunity, OpportunityContact, Task

KIND = "buying_team"
FOLLOWUP_ACTION = "team_followup"
ECONOMIC_BUYER = "economic buyer"
QUIET_ROLES = ("champion", "economic buyer")
BLOCKER = "blocker"


@dataclass(frozen=True)
class Member:
    contact_id: int
    account_id: int
    name: str
    role: str | None
    stage: str
    owner_id: str | None
    last_touched: datetime | None
    created_at: datetime
    planned: bool = False  # an open follow-up or visit on the account names them


@dataclass(frozen=True)
class TeamWarning:
    kind: str  # single_threaded | no_economic_buyer | spread | quiet | blocker
    subject: str  # stable: the nudge fires once per start
    text: str  # mrkdwn, escaped
    next_step: str  # plain text: the follow-up's title the button proposes
    account_id: int
    opportunity_id: int | None = None
    contact_id: int | None = None
    suggestion: Content | None = None  # content for the contact the warning names


def describe(member: Member) -> str:
    """``Tom Lee (procurement, problem aware)``: plain text."""
    return f"{member.name} ({member.role or 'no role'}, {member.stage})"


def days_since(at: datetime | None, now: datetime) -> int | None:
    return None if at is None else max(0, (now - at).days)


def engaged(member: Member, bt: BuyingTeam, now: datetime) -> bool:
    return member.last_touched is not None and (now - member.last_touched).days < bt.engaged_days


def _role_rank(member: Member, bt: BuyingTeam) -> int:
    return bt.roles.index(member.role) if member.role in bt.roles else len(bt.roles)


def laggard(members: list[Member], bt: BuyingTeam) -> Member | None:
    """The member furthest behind on the journey (the more decisive role first among equals)."""
    if not members:
        return None
    return min(members, key=lambda m: (bt.stage_index(m.stage), _role_rank(m, bt), m.name))


def opportunity_warnings(
    opportunity: Opportunity, members: list[Member], playbook: Playbook, now: datetime
) -> list[TeamWarning]:
    """Single-threaded, no economic buyer (from ``economic_buyer_from`` on), readiness spread."""
    bt = playbook.buying_team
    if opportunity.status != "open" or not members:
        return []
    oid, aid, label = (
        opportunity.id,
        opportunity.account_id,
        f"*#{opportunity.id}* “{escape(opportunity.title)}”",
    )
    out: list[TeamWarning] = []
    active = [m for m in members if engaged(m, bt, now)]
    if len(active) <= 1:
        others = sorted((m for m in members if m not in active), key=lambda m: (_role_rank(m, bt), m.name))
        who = f"only {escape(active[0].name)} was" if active else "nobody was"
        target = others[0] if others else None
        step = (
            f"Plan a meeting with {describe(target)}"
            if target
            else "Meet a second person in the buying team (ask for an introduction)"
        )
        out.append(
            TeamWarning(
                "single_threaded",
                f"team_single:opp:{oid}",
                f":thread: {label} is single-threaded: {who} touched in the last {bt.engaged_days} days.",
                step,
                aid,
                oid,
                target.contact_id if target else None,
                bt.content_for(target.role, target.stage) if target else None,
            )
        )
    stages = playbook.opportunity_stages
    eb_from = bt.economic_buyer_from
    if (
        eb_from in stages
        and opportunity.stage in stages
        and stages.index(opportunity.stage) >= stages.index(eb_from)
    ):
        buyers = [m for m in members if m.role == ECONOMIC_BUYER]
        met = [m for m in buyers if m.last_touched is not None]
        if not met:
            if buyers:
                text = f"the economic buyer {escape(buyers[0].name)} was never met"
                step = f"Plan a meeting with {describe(buyers[0])}"
                target = buyers[0]
            else:
                text = "no economic buyer in the team"
                step = f"Find the economic buyer for “{opportunity.title}” and plan a meeting"
                target = None
            out.append(
                TeamWarning(
                    "no_economic_buyer",
                    f"team_no_eb:opp:{oid}",
                    f":moneybag: {label} is at {escape(opportunity.stage)}, and {text}.",
                    step,
                    aid,
                    oid,
                    target.contact_id if target else None,
                    bt.content_for(target.role, target.stage) if target else None,
                )
            )
    if len(members) >= 2:
        ahead = max(members, key=lambda m: bt.stage_index(m.stage))
        behind = laggard(members, bt)
        assert behind is not None
        gap = bt.stage_index(ahead.stage) - bt.stage_index(behind.stage)
        if gap >= bt.spread:
            out.append(
                TeamWarning(
                    "spread",
                    f"team_spread:opp:{oid}",
                    f":busts_in_silhouette: {label}: the team is {gap} stages apart; "
                    f"{escape(describe(behind))} lags behind {escape(ahead.name)} ({escape(ahead.stage)}).",
                    f"Plan a meeting with {describe(behind)}",
                    aid,
                    oid,
                    behind.contact_id,
                    bt.content_for(behind.role, behind.stage),
                )
            )
    return out


def contact_warnings(members: list[Member], playbook: Playbook, now: datetime) -> list[TeamWarning]:
    """A champion or economic buyer gone quiet (``quiet_days``); a blocker with nothing planned."""
    bt = playbook.buying_team
    out: list[TeamWarning] = []
    for m in members:
        if m.role in QUIET_ROLES and bt.quiet_days > 0:
            quiet = days_since(m.last_touched or m.created_at, now) or 0
            if quiet >= bt.quiet_days:
                since = (
                    f"no touch for {quiet} days"
                    if m.last_touched
                    else f"never met since added {quiet} days ago"
                )
                out.append(
                    TeamWarning(
                        "quiet",
                        f"team_quiet:contact:{m.contact_id}",
                        f":zzz: {escape(describe(m))} has gone quiet: {since}.",
                        f"Call {describe(m)}",
                        m.account_id,
                        None,
                        m.contact_id,
                        bt.content_for(m.role, m.stage),
                    )
                )
        if m.role == BLOCKER and not m.planned:
            out.append(
                TeamWarning(
                    "blocker",
                    f"team_blocker:contact:{m.contact_id}",
                    f":no_entry: {escape(describe(m))} is a blocker and nothing is planned with them.",
                    f"Plan a meeting with {describe(m)}",
                    m.account_id,
                    None,
                    m.contact_id,
                    bt.content_for(m.role, m.stage),
                )
            )
    return out


# -- loading -----------------------------------------------------------------------------------------
def _planned(contacts: list[Contact], tasks: list[Task]) -> set[int]:
    """Contacts an open task of their account names (a follow-up "Plan a meeting with Tom Lee …")."""
    by_account: dict[int, list[str]] = defaultdict(list)
    for task in tasks:
        by_account[task.account_id].append(task.title.casefold())
    return {c.id for c in contacts if any(c.name.casefold() in t for t in by_account.get(c.account_id, []))}


def members_of(session: Session, contacts: list[Contact]) -> dict[int, Member]:
    """Members for ``contacts``: last touches in one ``GROUP BY``, open tasks of their accounts in one query."""
    if not contacts:
        return {}
    touched = last_touched(session, [c.id for c in contacts])
    account_ids = {c.account_id for c in contacts}
    tasks = list(session.scalars(select(Task).where(Task.account_id.in_(account_ids), Task.status == "open")))
    planned = _planned(contacts, tasks)
    return {
        c.id: Member(
            c.id,
            c.account_id,
            c.name,
            c.role,
            c.stage,
            c.owner_id,
            touched.get(c.id),
            c.created_at,
            c.id in planned,
        )
        for c in contacts
    }


def account_warnings(
    session: Session,
    account: Account,
    playbook: Playbook,
    now: datetime,
    members: dict[int, Member] | None = None,
) -> list[TeamWarning]:
    """Every warning about one account: its open opportunities' teams and its contacts.

    ``members``: the account's members when the caller already read them (the map does).
    """
    if members is None:
        members = members_of(
            session, list(session.scalars(select(Contact).where(Contact.account_id == account.id)))
        )
    if not members:
        return []
    opportunities = list(
        session.scalars(
            select(Opportunity)
            .where(Opportunity.account_id == account.id, Opportunity.status == "open")
            .order_by(Opportunity.id)
        )
    )
    named = _named_teams(session, [o.id for o in opportunities])
    out: list[TeamWarning] = []
    for o in opportunities:
        ids = named.get(o.id) or list(members)
        out += opportunity_warnings(o, [members[i] for i in ids if i in members], playbook, now)
    return out + contact_warnings(list(members.values()), playbook, now)


def _named_teams(session: Session, opportunity_ids: list[int]) -> dict[int, list[int]]:
    if not opportunity_ids:
        return {}
    teams: dict[int, list[int]] = defaultdict(list)
    for oid, cid in session.execute(
        select(OpportunityContact.opportunity_id, OpportunityContact.contact_id).where(
            OpportunityContact.opportunity_id.in_(opportunity_ids)
        )
    ):
        teams[oid].append(cid)
    return teams


def followup_value(warning: TeamWarning) -> str:
    return json.dumps({"a": warning.account_id, "t": warning.next_step[:300]}, separators=(",", ":"))


def suggestion_text(content: Content | None) -> str:
    if content is None:
        return ""
    return f" :bulb: Send <{content.link}|{escape(content.title)}>."


def team_nudges(session: Session, services: NudgeContext, now: datetime) -> list[NudgeItem]:
    """Nudge source: each warning that holds, to the opportunity's owner (or the contact's, else the
    account's owner), with a button that opens the follow-up form prefilled with the next step."""
    playbook = services.playbook
    contacts = list(session.scalars(select(Contact)))
    if not contacts:
        return []
    members = members_of(session, contacts)
    by_account: dict[int, list[Member]] = defaultdict(list)
    for m in members.values():
        by_account[m.account_id].append(m)
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(list(by_account))))}
    opportunities = list(
        session.scalars(
            select(Opportunity)
            .where(Opportunity.status == "open", Opportunity.account_id.in_(list(by_account)))
            .order_by(Opportunity.id)
        )
    )
    named = _named_teams(session, [o.id for o in opportunities])
    items: list[NudgeItem] = []
    for o in opportunities:
        ids = named.get(o.id)
        team = [members[i] for i in ids if i in members] if ids else by_account[o.account_id]
        for w in opportunity_warnings(o, team, playbook, now):
            items.append(_item(w, o.owner_id or accounts[o.account_id].owner_id, accounts[o.account_id]))
    for account_id, team in by_account.items():
        for w in contact_warnings(team, playbook, now):
            member = members[w.contact_id] if w.contact_id is not None else None
            owner = (member.owner_id if member else None) or accounts[account_id].owner_id
            items.append(_item(w, owner, accounts[account_id]))
    return [i for i in items if i.user_id]


def _item(warning: TeamWarning, user_id: str | None, account: Account) -> NudgeItem:
    line = f"*{escape(account.name)}*: {warning.text} Next: {escape(warning.next_step)}."
    line += suggestion_text(warning.suggestion)
    return NudgeItem(
        user_id=user_id or "",
        kind=KIND,
        subject=warning.subject,
        line=line,
        button=("Plan it", FOLLOWUP_ACTION, followup_value(warning)),
        account_id=account.id,
    )
