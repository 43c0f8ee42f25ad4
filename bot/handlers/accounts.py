"""/account: add, set, link, list, and the 360° card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.accounts import account_card, account_list, changes_blocks, describe_filters
from bot.blocks.common import section
from bot.blocks.help import help_blocks
from bot.domain import accounts as acc
from bot.domain import activities
from bot.domain.errors import UserError
from bot.domain.grammar import channel_id_of, parse_fields
from bot.domain.text import channel_link, escape
from bot.handlers.common import reply, reply_error, team_of
from bot.handlers.contacts import run_account_map
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
        now = services.clock.now()
        extra: list[dict[str, Any]] = []
        for contribute in services.card_sections:
            extra.extend(contribute(session, account, now))
        return account_card(account, activities.recent(session, account.id), services.playbook, tz, extra)


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
            changes = acc.update(session, account, values, now=now)
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
            acc.update(session, account, {"channel_id": channel}, now=now)
            name = account.name
        reply(
            respond,
            [
                section(
                    f":link: *{escape(name)}* is now linked to {channel_link(channel)}. "
                    "“Log as activity” on a message there picks this account."
                )
            ],
        )
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


def register(app: App, services: Services) -> None:
    @app.command("/account")
    def account_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_account_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/account", text=text)
