"""/account: add, set, link, list, and the 360° card."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.accounts import (
    LINK_KEEP,
    LINK_MOVE,
    account_card,
    account_list,
    changes_blocks,
    describe_filters,
    link_question_blocks,
    linked_blocks,
)
from bot.blocks.common import context, error_blocks, section
from bot.blocks.help import help_blocks
from bot.domain import accounts as acc
from bot.domain import activities, permissions
from bot.domain.errors import UserError
from bot.domain.grammar import channel_id_of, parse_fields
from bot.domain.text import channel_link, escape
from bot.handlers import history
from bot.handlers.common import reply, reply_error, team_of
from bot.handlers.contacts import run_account_map
from bot.reminders import ownership
from bot.services import Services

SET_EXAMPLE = "/account set Acme Corp tier:silver"
LINK_EXAMPLE = "/account link Acme Corp #acme-shared"
CARD_EXAMPLE = "/account Acme Corp"


def card_blocks(services: Services, account_id: int, user_id: str) -> list[dict[str, Any]]:
    tz = services.people.tz(user_id)
    with services.uow(read_only=True) as session:
        account = session.get(acc.Account, account_id)
        if account is None:
            return [section("That account no longer exists.")]
        now = services.clock.now().astimezone(tz)  # sections read dates in the reader's zone
        extra: list[dict[str, Any]] = []
        for contribute in services.card_sections:
            extra.extend(contribute(session, account, now))
        return account_card(
            account, activities.recent(session, account.id), services.playbook, tz, extra, now=now
        )


def run_account_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    word, _, rest = text.partition(" ")
    verb = word.lower()
    now = services.clock.now()
    pb = services.playbook
    if verb in ("", "help"):
        reply(respond, help_blocks("/account"))
    elif verb == "add":
        parsed = parse_fields(rest, acc.ACCOUNT_FIELDS - {"name"}, example=acc.ADD_EXAMPLE)
        values = acc.validate_fields(parsed.fields, pb)
        with services.uow() as session:
            permissions.require(session, user_id, permissions.WRITE, team_id=team_id)
            account = acc.create(
                session, parsed.text, values, playbook=pb, now=now, created_by=user_id, team_id=team_id
            )
            account_id, name = account.id, account.name
        reply(
            respond,
            [
                section(f":white_check_mark: Created *{escape(name)}*."),
                *card_blocks(services, account_id, user_id)[1:],
            ],
        )
        services.changed(user_id)
    elif verb == "set":
        parsed = parse_fields(rest, acc.ACCOUNT_FIELDS, example=SET_EXAMPLE)
        if not parsed.fields:
            raise UserError(
                "Say which fields to change, as `field:value`. Fields: "
                + ", ".join(f"`{f}:`" for f in sorted(acc.ACCOUNT_FIELDS))
                + ".",
                SET_EXAMPLE,
            )
        values = acc.validate_fields(parsed.fields, pb)
        with services.uow() as session:
            account = acc.require(session, parsed.text, example=SET_EXAMPLE, team_id=team_id)
            permissions.require(session, user_id, permissions.CHANGE, account)
            changes = acc.update(session, account, values, now=now, by=user_id)
            name = account.name
        reply(respond, changes_blocks(name, changes, acc.FIELD_OF_COLUMN))
        if changes:
            services.changed(user_id)
    elif verb == "link":
        words = rest.split()
        channel = channel_id_of(words[-1]) if words else None
        if channel is None:
            raise UserError("Put the channel last, as a #channel link.", LINK_EXAMPLE)
        with services.uow() as session:
            account = acc.require(session, " ".join(words[:-1]), example=LINK_EXAMPLE, team_id=team_id)
            permissions.require(session, user_id, permissions.CHANGE, account)
            other = acc.linked_to_channel(session, channel, team_id=team_id)
            if other is not None and other.id != account.id:  # ask, never link one channel twice
                blocks = link_question_blocks(account, other, channel)
            else:
                acc.update(session, account, {"channel_id": channel}, now=now, by=user_id)
                blocks = linked_blocks(account.name, channel)
        reply(respond, blocks)
    elif verb == "history":
        history.account_history(services, rest, user_id, respond, team_id)
    elif verb == "list":
        parsed = parse_fields(rest, acc.LIST_FIELDS, example=acc.LIST_EXAMPLE)
        if parsed.words:
            raise UserError(
                "`/account list` takes filters only, as `field:value`: tier, status, owner, csm, tag.",
                acc.LIST_EXAMPLE,
            )
        filters = acc.segment_filters(parsed.fields, pb)
        with services.uow(read_only=True) as session:
            rows, total = acc.segment(session, filters, team_id=team_id)
        reply(respond, account_list(rows, total, describe_filters(filters)))
    elif (
        len(text.split()) > 1
        and text.split()[-1].lower() == "map"
        and not _is_account(services, text, team_id)
    ):
        reply(respond, run_account_map(services, text.rsplit(" ", 1)[0], user_id, team_id))
    else:
        with services.uow(read_only=True) as session:
            account_id = acc.require(session, text, example=CARD_EXAMPLE, team_id=team_id).id
        reply(respond, card_blocks(services, account_id, user_id))


def _is_account(services: Services, name: str, team_id: str) -> bool:
    """Whether ``name`` (ending in "map") is itself an account's name, e.g. "Road Map"."""
    with services.uow() as session:
        return acc.resolve(session, name, team_id=team_id).account is not None


def move_link(services: Services, account_id: int, channel: str, user_id: str) -> list[dict[str, Any]]:
    """The answer "move it": the channel leaves the account it was linked to and joins this one."""
    now = services.clock.now()
    with services.uow() as session:
        account = session.get(acc.Account, account_id)
        if account is None:
            return [section("That account no longer exists.")]
        permissions.require(session, user_id, permissions.CHANGE, account)
        for other in acc.linked_accounts(session, channel, team_id=account.team_id):
            if other.id != account.id:  # it loses its channel: its people decide that too
                permissions.require(session, user_id, permissions.CHANGE, other)
        moved_from = acc.unlink_channel(session, channel, team_id=account.team_id, now=now, keep=account.id)
        acc.update(session, account, {"channel_id": channel}, now=now, by=user_id)
        blocks = linked_blocks(account.name, channel)
        if moved_from:
            names = ", ".join(f"*{escape(n)}*" for n in moved_from)
            blocks.append(context(f"{channel_link(channel)} is no longer linked to {names}."))
    return blocks


def register(app: App, services: Services) -> None:
    ownership.install(services)

    @app.action(LINK_MOVE)
    def link_move(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        data = json.loads(action["value"])
        try:
            blocks = move_link(services, int(data["a"]), str(data["c"]), body["user"]["id"])
        except permissions.PermissionDenied as err:  # the question stays for whoever may answer it
            reply(respond, error_blocks(err))
            return
        reply(respond, blocks, replace=True)

    @app.action(LINK_KEEP)
    def link_keep(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        data = json.loads(action["value"])
        with services.uow() as session:
            other = session.get(acc.Account, int(data["o"]))
            name = escape(other.name) if other else "the other account"
        text = f"Nothing changed: {channel_link(str(data['c']))} stays linked to *{name}*."
        reply(respond, [section(text)], replace=True)

    @app.command("/account")
    def account_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_account_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/account", text=text)
