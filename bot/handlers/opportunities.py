"""/opportunity (add, set, won, lost, list) and /pipeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.common import Block, section
from bot.blocks.help import help_blocks
from bot.blocks.opportunities import card_section, list_blocks, opportunity_line, pipeline_blocks
from bot.domain import opportunities as opp
from bot.domain import permissions
from bot.domain.errors import UserError
from bot.domain.grammar import normalise_choice, parse_fields, tokenize, user_id_of
from bot.domain.text import escape, mention
from bot.handlers import history
from bot.handlers.common import reply, reply_error, team_of
from bot.handlers.contacts import run_opportunity_card, run_team_command
from bot.services import Services
from bot.storage.models import Account, Opportunity

VERBS = "`add`, `set`, `won`, `lost`, `list`, `team`, or a number for the deal and its buying team"


def _changed_text(changes: dict[str, tuple[Any, Any]]) -> str:
    names = {"close_date": "close", "owner_id": "owner"}
    return ", ".join(f"`{names.get(c, c)}`" for c in changes)


def run_opportunity_command(
    services: Services, text: str, user_id: str, respond: Respond, team_id: str
) -> None:
    word, _, rest = text.partition(" ")
    verb = word.lower()
    now = services.clock.now()
    pb = services.playbook
    blocks: list[Block]
    if verb in ("", "help"):
        reply(respond, help_blocks("/opportunity"))
        return
    if verb in ("add", "set"):
        person = services.people.get(user_id)  # their zone and date order read `close:`
    if verb == "add":
        with services.uow() as session:
            new = opp.parse_add(
                session,
                rest,
                pb,
                local_now=now.astimezone(person.tz),
                team_id=team_id,
                order=person.date_order,
            )
            created = opp.create(
                session,
                account=new.account,
                kind=new.kind,
                title=new.title,
                created_by=user_id,
                now=now,
                playbook=pb,
                mrr=new.values.get("mrr", 0),
                stage=new.values.get("stage"),
                close_date=new.values.get("close_date"),
                owner_id=new.values.get("owner_id"),
            )
            blocks = [section(f":white_check_mark: Added {opportunity_line(created, new.account, now=now)}")]
            owner = created.owner_id
        reply(respond, blocks)
        services.changed(user_id, owner)
    elif verb == "set":
        parsed = parse_fields(rest, opp.SET_FIELDS, example=opp.SET_EXAMPLE)
        if len(parsed.words) != 1:
            raise UserError("Give the opportunity's number, then the fields to change.", opp.SET_EXAMPLE)
        if not parsed.fields:
            raise UserError(
                "Say what to change: `stage:`, `mrr:`, `close:`, `title:` or `owner:`.", opp.SET_EXAMPLE
            )
        number = opp.parse_id(parsed.words[0], opp.SET_EXAMPLE)
        values = opp.validate(
            parsed.fields,
            pb,
            opp.SET_EXAMPLE,
            local_now=now.astimezone(person.tz),
            order=person.date_order,
        )
        with services.uow() as session:
            found = opp.require_open(session, number, opp.SET_EXAMPLE, team_id=team_id)
            permissions.require(session, user_id, permissions.CHANGE, found)
            changes = opp.update(found, values, now=now, by=user_id)
            account = session.get(Account, found.account_id)
            line = opportunity_line(found, account, now=now)
        if not changes:
            reply(respond, [section(f"Nothing to change: {line}")])
            return
        reply(respond, [section(f":white_check_mark: Updated {_changed_text(changes)}: {line}")])
    elif verb in ("won", "lost"):
        example = opp.WON_EXAMPLE if verb == "won" else opp.LOST_EXAMPLE
        parsed = parse_fields(rest, {"reason"} if verb == "lost" else set(), example=example)
        if len(parsed.words) != 1:
            raise UserError("Give the opportunity's number.", example)
        number = opp.parse_id(parsed.words[0], example)
        if verb == "lost" and not parsed.fields.get("reason"):
            raise UserError("Say why it was lost, as `reason:`.", example)
        with services.uow() as session:
            found = opp.require_open(session, number, example, team_id=team_id)
            permissions.require(session, user_id, permissions.CHANGE, found)
            if verb == "won":
                opp.win(found, now=now, by=user_id)
                head = f":trophy: Won! #{found.id} “{escape(found.title)}”"
            else:
                opp.lose(found, reason=parsed.fields["reason"], now=now, by=user_id)
                head = f":x: Lost: #{found.id} “{escape(found.title)}” ({escape(found.lost_reason)})"
            account = session.get(Account, found.account_id)
            name = escape(account.name) if account else "the account"
            blocks = [section(f"{head} on *{name}*, MRR +{found.mrr:,}.")]
        reply(respond, blocks)
    elif verb == "history":
        history.opportunity_history(services, rest, user_id, respond, team_id)
    elif verb == "list":
        parsed = parse_fields(rest, opp.LIST_FIELDS, example=opp.LIST_EXAMPLE)
        scope = {w.lower() for w in parsed.words}
        if scope - {"all", "mine"}:
            raise UserError(
                "`/opportunity list` takes `all` (everyone's, not just yours) and filters as `field:value`.",
                opp.LIST_EXAMPLE,
            )
        with services.uow() as session:
            filters = opp.parse_filters(
                session,
                parsed.fields,
                pb,
                opp.LIST_EXAMPLE,
                owner_id=None if "all" in scope else user_id,
                team_id=team_id,
            )
            rows = opp.find(session, filters, team_id=team_id)
            blocks = list_blocks(rows, _description(filters, parsed.fields), now=now)
        reply(respond, blocks)
    elif verb == "team":
        reply(respond, run_team_command(services, rest, user_id, team_id))
        services.changed(user_id)
    elif verb.lstrip("#").isdigit() and not rest.strip():
        reply(respond, run_opportunity_card(services, verb, team_id))
    else:
        raise UserError(f"I don't know `/opportunity {escape(word)}`. Use {VERBS}.", opp.ADD_EXAMPLE)


def _description(filters: opp.Filters, fields: dict[str, str]) -> str:
    parts = [filters.status or "of any status"]
    if filters.owner_id:
        parts.append(f"owned by {mention(filters.owner_id)}")
    parts += [f"`{k}:{escape(v)}`" for k, v in fields.items() if k not in ("owner", "status")]
    return " ".join(parts)


def run_pipeline_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if text.lower() == "help":
        reply(respond, help_blocks("/pipeline"))
        return
    parsed = parse_fields(text, opp.PIPELINE_FIELDS, example=opp.PIPELINE_EXAMPLE)
    fields = dict(parsed.fields)
    for word in parsed.words:
        if user_id_of(word) is None:
            raise UserError(
                f"“{word}” is not a person. Use an @mention and filters like `kind:upsell`.",
                opp.PIPELINE_EXAMPLE,
            )
        fields["owner"] = word
    with services.uow() as session:
        filters = opp.parse_filters(
            session, fields, services.playbook, opp.PIPELINE_EXAMPLE, owner_id=None, team_id=team_id
        )
        rows = opp.find(session, filters, team_id=team_id)
        totals = opp.pipeline([o for o, _ in rows], services.playbook.opportunity_stages)
        if filters.stage:
            totals = [t for t in totals if t.stage == filters.stage]
    description = " ".join(
        [f"of {mention(filters.owner_id)}" if filters.owner_id else "of the team"]
        + [f"`{k}:{escape(v)}`" for k, v in fields.items() if k != "owner"]
    )
    reply(respond, pipeline_blocks(totals, description))


def _typed_account(text: str, kinds: tuple[str, ...]) -> str:
    verb, _, rest = text.partition(" ")
    if verb.lower() != "add":
        return ""
    words = [t for t in tokenize(rest) if ":" not in t]
    for i, w in enumerate(words):
        if i > 0 and normalise_choice(w, kinds):
            return " ".join(words[:i])
    return ""


def card_contribution(services: Services) -> Any:
    def contribute(session: Session, account: Account, now: datetime) -> list[Block]:
        rows = list(
            session.scalars(
                select(Opportunity)
                .where(Opportunity.account_id == account.id, Opportunity.status == "open")
                .order_by(Opportunity.id)
            )
        )
        return card_section(rows, account.name, now=now)

    return contribute


def register(app: App, services: Services) -> None:
    services.card_sections.append(card_contribution(services))

    @app.command("/opportunity")
    def opportunity_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_opportunity_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            typed = _typed_account(text, services.playbook.opportunity_kinds)
            reply_error(respond, err, command="/opportunity", text=text, typed=typed)

    @app.command("/pipeline")
    def pipeline_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_pipeline_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/pipeline", text=text)
