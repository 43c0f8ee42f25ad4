"""/contact (add, set, list, remove, card), the buying-team map (account card, ``/opportunity 12``,
``/opportunity team``, ``/account Acme Corp map`` with its chart) and the "Plan it" follow-up button."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import contacts as cb
from bot.blocks.common import Block, context, section
from bot.blocks.followups import next_modal
from bot.blocks.help import help_blocks
from bot.blocks.opportunities import opportunity_line
from bot.charts.readiness import Dot, render_readiness
from bot.domain import accounts as acc
from bot.domain import buying_team as bteam
from bot.domain import contacts as ct
from bot.domain import opportunities as opp
from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.grammar import parse_fields, tokenize
from bot.domain.text import escape
from bot.handlers.common import reply, reply_error, team_of
from bot.services import Services
from bot.storage.models import Account, Opportunity

log = logging.getLogger(__name__)
VERBS = "`add`, `set`, `list`, `remove`, or a name for the card"
TEAM_EXAMPLE = '/opportunity team 12 add "Jane Doe", "Tom Lee"'
CARD_EXAMPLE = "/opportunity 12"
MAP_EXAMPLE = "/account Acme Corp map"
LIST_LIMIT = 200


# -- where the request came from ---------------------------------------------------------------------
def in_shared_channel(services: Services, channel_id: str | None) -> bool:
    """A channel shared with another organisation (Slack Connect), or one linked to an account (the
    customer may be in it). Unknown (the bot cannot read it): counted as shared, to be safe."""
    if not channel_id or channel_id.startswith("D"):
        return False
    if channel_id.startswith(("C", "G")):
        with services.uow() as session:
            if acc.linked_to_channel(session, channel_id) is not None:
                return True
    try:
        info = services.client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError as exc:
        log.info(
            "conversations.info %s failed (%s): hiding private fields", channel_id, exc.response.get("error")
        )
        return True
    return bool(info.get("is_ext_shared") or info.get("is_shared") or info.get("is_org_shared"))


# -- /contact ----------------------------------------------------------------------------------------
def run_contact_command(
    services: Services,
    text: str,
    user_id: str,
    respond: Respond,
    team_id: str,
    *,
    channel_id: str | None = None,
) -> None:
    word, _, rest = text.partition(" ")
    verb = word.lower()
    now = services.clock.now()
    pb = services.playbook
    if verb in ("", "help"):
        reply(respond, help_blocks("/contact"))
    elif verb == "add":
        reply(respond, _add(services, rest, user_id, team_id, now))
        services.changed(user_id)
    elif verb == "set":
        parsed = parse_fields(rest, ct.SET_FIELDS, example=ct.SET_EXAMPLE)
        if not parsed.fields:
            raise UserError(
                "Say what to change: " + ", ".join(f"`{f}:`" for f in sorted(ct.SET_FIELDS)) + ".",
                ct.SET_EXAMPLE,
            )
        if "reason" in parsed.fields and "stage" not in parsed.fields:
            raise UserError("`reason:` goes with a `stage:` change.", ct.SET_EXAMPLE)
        values = ct.validate(parsed.fields, pb, ct.SET_EXAMPLE)
        with services.uow() as session:
            contact = ct.require(session, parsed.text, example=ct.SET_EXAMPLE, team_id=team_id)
            permissions.require(session, user_id, permissions.CHANGE, contact)
            changes = ct.update(session, contact, values, by=user_id, now=now, team_id=team_id)
            name = contact.name
            suggestion = (
                pb.buying_team.content_for(contact.role, contact.stage) if "stage" in changes else None
            )
        if not changes:
            reply(respond, [section(f"Nothing to change: *{escape(name)}* already has those values.")])
            return
        blocks = [section(cb.changes_text(name, changes, services.people.tz(user_id)))]
        if suggestion is not None:
            blocks.append(
                context(
                    f"For a {escape(suggestion.role)} who is {escape(suggestion.stage)}:{bteam.suggestion_text(suggestion)}"
                )
            )
        reply(respond, blocks)
    elif verb == "list":
        if not rest.strip():
            raise UserError("Which account's contacts?", ct.LIST_EXAMPLE)
        with services.uow() as session:
            account = acc.require(session, rest.strip(), example=ct.LIST_EXAMPLE, team_id=team_id)
            contacts = ct.of_account(session, account.id)
            total = len(contacts)
            shown = contacts[:LIST_LIMIT]
            touched = ct.last_touched(session, [c.id for c in shown])
            blocks = cb.list_blocks(account, shown, touched, now, total)
        reply(respond, blocks)
    elif verb == "remove":
        parsed = parse_fields(rest, set(), example=ct.REMOVE_EXAMPLE)
        with services.uow() as session:
            contact = ct.require(session, parsed.text, example=ct.REMOVE_EXAMPLE, team_id=team_id)
            permissions.require(session, user_id, permissions.CHANGE, contact)
            account = session.get(Account, contact.account_id)
            name = contact.name
            ct.remove(session, contact)
        where = f" from *{escape(account.name)}*" if account else ""
        reply(respond, [section(f":wastebasket: Removed *{escape(name)}*{where}, with their stage history.")])
    else:
        reply(respond, contact_card_blocks(services, text, user_id, team_id, channel_id=channel_id))


def _add(services: Services, rest: str, user_id: str, team_id: str, now: datetime) -> list[Block]:
    """``Acme Corp "Jane Doe" title:… role:…``: the account is the longest known name, the rest the person."""
    parsed = parse_fields(rest, ct.ADD_FIELDS, example=ct.ADD_EXAMPLE)
    words = parsed.words
    if len(words) < 2:
        raise UserError("Give the account, then the person's name in quotes.", ct.ADD_EXAMPLE)
    values = ct.validate(parsed.fields, services.playbook, ct.ADD_EXAMPLE)
    with services.uow() as session:
        account = None
        for i in range(len(words) - 1, 0, -1):
            found = acc.resolve(session, " ".join(words[:i]), team_id=team_id).account
            if found is not None and acc.name_key(found.name) == acc.name_key(" ".join(words[:i])):
                account, name = found, " ".join(words[i:])
                break
        if account is None:
            whole = acc.resolve(session, " ".join(words), team_id=team_id).account
            if whole is not None and acc.name_key(whole.name) == acc.name_key(" ".join(words)):
                raise UserError("Give the account, then the person's name in quotes.", ct.ADD_EXAMPLE)
            account = acc.require(session, " ".join(words[:-1]), example=ct.ADD_EXAMPLE, team_id=team_id)
            name = words[-1]
        contact = ct.create(
            session,
            account=account,
            name=name,
            values=values,
            playbook=services.playbook,
            created_by=user_id,
            now=now,
        )
        bt = services.playbook.buying_team
        line = (
            f":white_check_mark: Added *{escape(contact.name)}* at *{escape(account.name)}*: "
            f"{escape(contact.role or 'no role yet')}, {escape(contact.stage)}"
        )
        hint = (
            f'Card: `/contact "{escape(contact.name)}"` · move along the journey: '
            f'`/contact set "{escape(contact.name)}" stage:{bt.stages[min(1, len(bt.stages) - 1)].replace(" ", "-")}`'
        )
        if contact.role is None:
            hint += " · roles: " + ", ".join(f"`{r.replace(' ', '-')}`" for r in bt.roles)
    return [section(line), context(hint)]


def contact_card_blocks(
    services: Services, typed: str, user_id: str, team_id: str, *, channel_id: str | None
) -> list[Block]:
    name = " ".join(tokenize(typed))
    shared = in_shared_channel(services, channel_id)
    tz = services.people.tz(user_id)
    now = services.clock.now()
    with services.uow() as session:
        contact = ct.require(session, name, example=ct.CARD_EXAMPLE, team_id=team_id)
        account = session.get(Account, contact.account_id)
        assert account is not None
        activities, total = ct.activities_with(session, contact.id)
        return cb.contact_card(
            contact,
            account,
            history=ct.history(session, contact.id),
            activities=activities,
            activity_total=total,
            opportunities=ct.opportunities_of(session, contact),
            touched=ct.last_touched(session, [contact.id]).get(contact.id),
            show_private=ct.can_see_private(
                session, account, user_id, services.playbook, shared_channel=shared
            ),
            playbook=services.playbook,
            tz=tz,
            now=now,
        )


# -- the map -----------------------------------------------------------------------------------------
def account_map_blocks(session: Session, services: Services, account: Account, now: datetime) -> list[Block]:
    contacts = ct.of_account(session, account.id)
    if not contacts:
        return [
            section(
                f'*Buying team:* nobody yet. `/contact add {escape(account.name)} "Jane Doe" role:champion`'
            )
        ]
    members = bteam.members_of(session, contacts)
    blocks = cb.team_map(
        list(members.values()),
        services.playbook.buying_team,
        now,
        title="Buying team",
        more_hint=f"`/contact list {escape(account.name)}`",
    )
    return blocks + cb.warning_blocks(
        bteam.account_warnings(session, account, services.playbook, now, members)
    )


def opportunity_blocks(
    session: Session, services: Services, opportunity: Opportunity, now: datetime
) -> list[Block]:
    account = session.get(Account, opportunity.account_id)
    assert account is not None
    team, named = ct.team(session, opportunity)
    members = bteam.members_of(session, team)
    blocks: list[Block] = [section(opportunity_line(opportunity, account, now=now))]
    if not team:
        blocks.append(
            section(
                f'*Buying team:* nobody yet. `/contact add {escape(account.name)} "Jane Doe" role:champion`'
            )
        )
        return blocks
    blocks += cb.team_map(
        list(members.values()),
        services.playbook.buying_team,
        now,
        title="Buying team",
        more_hint=f"`/contact list {escape(account.name)}`",
    )
    if not named:
        blocks.append(
            context(
                f'Everyone at {escape(account.name)} until you name the team: `/opportunity team {opportunity.id} add "Jane Doe"`'
            )
        )
    team_members = list(members.values())
    warnings = bteam.opportunity_warnings(opportunity, team_members, services.playbook, now)
    warnings += bteam.contact_warnings(team_members, services.playbook, now)
    return blocks + cb.warning_blocks(warnings)


def run_opportunity_card(services: Services, token: str, team_id: str) -> list[Block]:
    number = opp.parse_id(token, CARD_EXAMPLE)
    with services.uow() as session:
        found = opp.require(session, number, CARD_EXAMPLE, team_id=team_id)
        return opportunity_blocks(session, services, found, services.clock.now())


def run_team_command(services: Services, rest: str, user_id: str, team_id: str) -> list[Block]:
    """``12 add "Jane Doe", "Tom Lee"`` or ``12 remove "Tom Lee"``."""
    number_word, _, tail = rest.strip().partition(" ")
    verb, _, names_text = tail.strip().partition(" ")
    if not number_word:
        raise UserError("Which opportunity? Give its number.", TEAM_EXAMPLE)
    number = opp.parse_id(number_word, TEAM_EXAMPLE)
    if verb.lower() not in ("add", "remove"):
        raise UserError("`/opportunity team 12` takes `add` or `remove`, then the names.", TEAM_EXAMPLE)
    names = ct.split_names(names_text)
    if not names:
        raise UserError("Whom? Give one or more names, separated by commas.", TEAM_EXAMPLE)
    now = services.clock.now()
    with services.uow() as session:
        found = opp.require_open(session, number, TEAM_EXAMPLE, team_id=team_id)
        permissions.require(session, user_id, permissions.CHANGE, found)
        account = session.get(Account, found.account_id)
        assert account is not None
        people = ct.resolve_names(session, account, names, example=TEAM_EXAMPLE, team_id=team_id)
        if verb.lower() == "add":
            added = ct.add_to_team(session, found, people, by=user_id, now=now)
            head = (
                f":busts_in_silhouette: Added {', '.join(f'*{escape(c.name)}*' for c in added)} to #{found.id}."
                if added
                else "They are already on the team."
            )
        else:
            removed = ct.remove_from_team(session, found, people)
            head = f":busts_in_silhouette: Removed {removed} from #{found.id}'s team."
        return [section(head), *opportunity_blocks(session, services, found, now)[1:]]


def run_account_map(services: Services, name: str, user_id: str, team_id: str) -> list[Block]:
    """The map on its own, and the readiness chart sent to the person's DM (a picture reads better)."""
    now = services.clock.now()
    with services.uow() as session:
        account = acc.require(session, name, example=MAP_EXAMPLE, team_id=team_id)
        blocks = [section(f"*{escape(account.name)}*"), *account_map_blocks(session, services, account, now)]
        contacts = ct.of_account(session, account.id)
        bt = services.playbook.buying_team
        dots = [Dot(c.name, c.role, bt.stage_index(c.stage)) for c in contacts]
        title = f"{account.name}: buying-team readiness"
    if dots:
        png = render_readiness(title, bt.stages, bt.roles, dots)
        if _upload_chart(services.client, user_id, png, title):
            blocks.append(context(":bar_chart: The readiness chart is in your DM with me."))
        else:
            blocks.append(
                context(":warning: I couldn't upload the readiness chart; the map above has it all.")
            )
    return blocks


def _upload_chart(client: WebClient, user_id: str, png: bytes, title: str) -> bool:
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=png,
            filename="buying-team-readiness.png",
            title=title,
            initial_comment=title,
        )
        return True
    except SlackApiError as exc:
        log.warning("readiness chart upload failed: %s", exc.response.get("error"))
        return False


def card_contribution(services: Services) -> Any:
    def contribute(session: Session, account: Account, now: datetime) -> list[Block]:
        return account_map_blocks(session, services, account, now)

    return contribute


def register(app: App, services: Services) -> None:
    services.card_sections.append(card_contribution(services))
    if bteam.team_nudges not in services.nudge_sources:
        services.nudge_sources.append(bteam.team_nudges)

    @app.command("/contact")
    def contact_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_contact_command(
                services,
                text,
                command["user_id"],
                respond,
                team_of(command),
                channel_id=command.get("channel_id"),
            )
        except UserError as err:
            reply_error(respond, err, command="/contact", text=text)

    @app.action(bteam.FOLLOWUP_ACTION)
    def plan_followup(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """Open the follow-up form with the warning's next step written in; the confirmation comes as a DM."""
        ack()
        data = json.loads(action["value"])
        local_today = services.clock.now().astimezone(services.people.tz(body["user"]["id"])).date()
        with services.uow() as session:
            account = session.get(Account, int(data["a"]))
            if account is None:
                return
            view = next_modal(
                account,
                (local_today + timedelta(days=1)).isoformat(),
                {"a": account.id},
                title=str(data.get("t") or ""),
            )
        client.views_open(trigger_id=body["trigger_id"], view=view)
