"""History: ``/account history Acme Corp``, ``/opportunity history 12``; the Older and Undo buttons."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.common import error_blocks, section
from bot.blocks.history import PAGE_ACTION, UNDO_ACTION, history_blocks
from bot.domain import accounts as acc
from bot.domain import history
from bot.domain import opportunities as opp
from bot.domain.errors import UserError
from bot.domain.text import escape
from bot.handlers.common import reply, team_of
from bot.services import Services
from bot.storage.models import Account

OPPORTUNITY_EXAMPLE = "/opportunity history 12"


def account_history(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if not text.strip():
        raise UserError("Which account? Give its name.", history.HISTORY_EXAMPLE)
    with services.uow() as session:
        account = acc.require(session, text, example=history.HISTORY_EXAMPLE, team_id=team_id)
        reply(respond, _account_page(services, session, account, user_id, None))


def opportunity_history(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if not text.strip():
        raise UserError(
            "Which opportunity? Give its number, as `/opportunity list` shows it.", OPPORTUNITY_EXAMPLE
        )
    number = opp.parse_id(text.split()[0] if text.split() else "", OPPORTUNITY_EXAMPLE)
    with services.uow() as session:
        opportunity = opp.require(session, number, OPPORTUNITY_EXAMPLE, team_id=team_id)
        page = history.for_record(session, "opportunity", str(opportunity.id))
        title = f"opportunity #{opportunity.id} {opportunity.title}"
        more = {"t": "opportunity", "r": str(opportunity.id)}
        tz = services.people.get_in(session, user_id).tz
        reply(
            respond,
            history_blocks(title, page, viewer=user_id, tz=tz, now=services.clock.now(), more_value=more),
        )


def _account_page(
    services: Services, session: Any, account: Account, user_id: str, before: int | None
) -> list[dict[str, Any]]:
    page = history.for_account(session, account.id, before=before)
    tz = services.people.get_in(session, user_id).tz
    return history_blocks(
        account.name,
        page,
        viewer=user_id,
        tz=tz,
        now=services.clock.now(),
        more_value={"a": account.id},
        account_name=account.name,
    )


def register(app: App, services: Services) -> None:
    @app.action(PAGE_ACTION)
    def older(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        try:
            value = json.loads(action.get("value") or "")
            before = int(value["b"])
        except (ValueError, KeyError, TypeError):
            respond(
                text="That button is out of date; run the history command again.", response_type="ephemeral"
            )
            return
        team_id = team_of(body)
        with services.uow() as session:
            if "a" in value:
                account = session.get(Account, value["a"]) if isinstance(value["a"], int) else None
                if account is None or account.team_id != team_id:
                    reply(respond, [section("That account no longer exists.")])
                    return
                blocks = _account_page(services, session, account, user_id, before)
            else:
                try:
                    opportunity = opp.require(session, int(value["r"]), OPPORTUNITY_EXAMPLE, team_id=team_id)
                except (UserError, ValueError, KeyError, TypeError):
                    reply(respond, [section("That opportunity no longer exists.")])
                    return
                page = history.for_record(session, "opportunity", str(opportunity.id), before=before)
                tz = services.people.get_in(session, user_id).tz
                blocks = history_blocks(
                    f"opportunity #{opportunity.id} {opportunity.title}",
                    page,
                    viewer=user_id,
                    tz=tz,
                    now=services.clock.now(),
                    more_value={"t": "opportunity", "r": str(opportunity.id)},
                )
        reply(respond, blocks, replace=True)

    @app.action(UNDO_ACTION)
    def undo(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        value = action.get("value") or ""
        if not value.isdigit():
            reply(respond, [section("That button is out of date; run the history command again.")])
            return
        try:
            with services.uow() as session:
                undone = history.undo(session, int(value), user_id=user_id, now=services.clock.now())
                fields = ", ".join(escape(history_field(f)) for f in undone.fields)
                record = undone.record_type
        except UserError as err:
            reply(respond, error_blocks(err))
            return
        reply(
            respond,
            [section(f":leftwards_arrow_with_hook: Undone: the {escape(record)}'s {fields} as before.")],
        )
        services.changed(user_id)


def history_field(field: str) -> str:
    return field.removesuffix("_id").replace("_", " ")
