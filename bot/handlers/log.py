"""/log, the log modal, the "Log as activity" message shortcut, Undo."""

from __future__ import annotations

import json
import logging
from datetime import datetime, time
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import fallback_text, section
from bot.blocks.help import help_blocks
from bot.blocks.log import LOG_MODAL_CALLBACK, account_options, log_modal, logged_blocks
from bot.domain import accounts as acc
from bot.domain import activities
from bot.domain.dates import local_datetime
from bot.domain.errors import UserError
from bot.domain.logging_grammar import parse_log
from bot.domain.text import escape
from bot.handlers.accounts import card_blocks
from bot.handlers.common import reply, reply_error, team_of
from bot.services import Services
from bot.storage.models import Account

log = logging.getLogger(__name__)
LOG_SHORTCUT = "log_message_as_activity"


def run_log_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if text.lower() == "help":
        reply(respond, help_blocks("/log"))
        return
    person = services.people.get(user_id)
    now = services.clock.now()
    with services.uow() as session:
        parsed = parse_log(
            session, text, services.playbook.activity_types, now.astimezone(person.tz), team_id=team_id
        )
        logged = activities.log_activity(
            session,
            account=parsed.account,
            activity_type=parsed.activity_type,
            user_id=user_id,
            occurred_at=parsed.when.at
            if parsed.when.has_time
            else local_datetime(parsed.when.at.date(), time(12), person.tz),
            notes=parsed.notes,
            source="command",
            now=now,
            hooks=services.activity_hooks,
        )
        blocks = logged_blocks(
            logged.activity, logged.account, logged.consequences, services.playbook, person.tz
        )
    reply(respond, blocks)
    services.changed(user_id)


def _open_modal(services: Services, client: WebClient, trigger_id: str, user_id: str, **kwargs: Any) -> None:
    local_now = services.clock.now().astimezone(services.people.tz(user_id))
    client.views_open(trigger_id=trigger_id, view=log_modal(services.playbook, local_now, **kwargs))


def _post_to_user(
    client: WebClient, user_id: str, channel_id: str | None, blocks: list[dict[str, Any]]
) -> None:
    """An ephemeral note where the person was, or a DM when the bot can't post there."""
    text = fallback_text(blocks)
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, blocks=blocks, text=text)
            return
        except SlackApiError as exc:
            log.info("ephemeral to %s failed (%s); sending a DM", channel_id, exc.response.get("error"))
    client.chat_postMessage(channel=user_id, blocks=blocks, text=text)


def _submission_errors(values: dict[str, Any], now_local: datetime) -> dict[str, str]:
    errors = {}
    if not (values.get("account", {}).get("account", {}).get("selected_option")):
        errors["account"] = "Pick an account."
    day = values.get("date", {}).get("date", {}).get("selected_date")
    if not day:
        errors["date"] = "Pick a date."
    elif day > now_local.date().isoformat():
        errors["date"] = "That day is in the future: log what already happened, or use /followup."
    return errors


def register(app: App, services: Services) -> None:
    @app.command("/log")
    def log_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        text = (command.get("text") or "").strip()
        if not text:
            ack()
            _open_modal(
                services,
                client,
                command["trigger_id"],
                command["user_id"],
                metadata={"channel": command.get("channel_id")},
            )
            return
        ack()
        try:
            run_log_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/log", text=text, typed=_typed_account(text))

    @app.shortcut(LOG_SHORTCUT)
    def log_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message = shortcut.get("message", {})
        channel = shortcut.get("channel", {}).get("id")
        with services.uow() as session:
            linked = _linked_account(session, channel)
        # Outside the unit of work: opening the modal reads the person's profile in its own transaction.
        _open_modal(
            services,
            client,
            shortcut["trigger_id"],
            shortcut["user"]["id"],
            account=linked,
            notes=message.get("text", ""),
            metadata={"channel": channel, "message_ts": message.get("ts")},
        )

    @app.action("open_log_modal")
    def open_log_modal(ack: Ack, body: dict[str, Any], client: WebClient, action: dict[str, Any]) -> None:
        ack()
        with services.uow() as session:
            account = session.get(Account, int(action["value"]))
        _open_modal(
            services,
            client,
            body["trigger_id"],
            body["user"]["id"],
            account=account,
            metadata={"channel": (body.get("channel") or {}).get("id")},
        )

    @app.options("account")
    def account_search(ack: Ack, payload: dict[str, Any]) -> None:
        with services.uow() as session:
            found = acc.search(session, payload.get("value", ""), team_id=team_of(payload))
            ack(options=account_options(found))

    @app.view(LOG_MODAL_CALLBACK)
    def log_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        person = services.people.get(user_id)
        now = services.clock.now()
        values = view["state"]["values"]
        errors = _submission_errors(values, now.astimezone(person.tz))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        day = datetime.fromisoformat(values["date"]["date"]["selected_date"]).date()
        at_text = values.get("time", {}).get("time", {}).get("selected_time")
        occurred = local_datetime(day, time.fromisoformat(at_text) if at_text else time(12), person.tz)
        occurred = min(occurred, now)
        permalink = None
        if meta.get("message_ts") and meta.get("channel"):
            try:
                permalink = client.chat_getPermalink(
                    channel=meta["channel"], message_ts=meta["message_ts"]
                ).get("permalink")
            except SlackApiError as exc:
                log.info("chat.getPermalink failed: %s", exc.response.get("error"))
        with services.uow() as session:
            account = session.get(Account, int(values["account"]["account"]["selected_option"]["value"]))
            if account is None:
                _post_to_user(
                    client,
                    user_id,
                    meta.get("channel"),
                    [section(":warning: That account was deleted meanwhile.")],
                )
                return
            logged = activities.log_activity(
                session,
                account=account,
                activity_type=values["type"]["type"]["selected_option"]["value"],
                user_id=user_id,
                occurred_at=occurred,
                notes=values.get("notes", {}).get("notes", {}).get("value") or "",
                source="shortcut" if meta.get("message_ts") else "modal",
                permalink=permalink,
                now=now,
                hooks=services.activity_hooks,
            )
            blocks = logged_blocks(
                logged.activity, logged.account, logged.consequences, services.playbook, person.tz
            )
        _post_to_user(client, user_id, meta.get("channel"), blocks)
        services.changed(user_id)

    @app.action("undo_activity")
    def undo(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        try:
            with services.uow() as session:
                activity = activities.undo_activity(
                    session, int(action["value"]), user_id=user_id, now=services.clock.now()
                )
                account = session.get(Account, activity.account_id)
                name = account.name if account else "the account"
        except UserError as err:
            reply(respond, [section(f":information_source: {escape(err.message)}")], replace=True)
            return
        reply(
            respond,
            [
                section(
                    f":leftwards_arrow_with_hook: Undone: the *{activity.type}* with *{escape(name)}* is no longer logged."
                )
            ],
            replace=True,
        )
        services.changed(user_id)

    @app.action("open_account")
    def open_account(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        reply(respond, card_blocks(services, int(action["value"]), body["user"]["id"]))


def _linked_account(session: Any, channel_id: str | None) -> Account | None:
    if not channel_id:
        return None
    from sqlalchemy import select

    return session.scalar(select(Account).where(Account.channel_id == channel_id).limit(1))


def _typed_account(text: str) -> str:
    from bot.domain.grammar import split_head

    _, _, rest = text.partition(" ")
    head, _ = split_head(rest)
    return head
