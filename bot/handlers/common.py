"""Shared bits for handlers: team of a request, error replies with choice buttons, re-running commands."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import Block, button, error_blocks, fallback_text
from bot.domain.errors import UserError
from bot.slack_client import ResponseUrl
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)

# A command handler body: (text, user_id, respond) → None; used to re-run a command after a choice.
CommandRunner = Callable[[str, str, Respond], None]


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request belongs to (set from the request by ``SalesbotApp.dispatch``)."""
    return current_team()


def reply(respond: Respond, blocks: list[Block], *, replace: bool = False) -> None:
    if replace:
        respond(blocks=blocks, text=fallback_text(blocks), replace_original=True)
    else:
        respond(blocks=blocks, text=fallback_text(blocks), response_type="ephemeral")


def reply_error(respond: Respond, error: UserError, *, command: str, text: str, typed: str = "") -> None:
    """The error with its example; choices become buttons that re-run ``command text`` with the choice."""
    typed = error.typed or typed
    buttons = []
    for label, action_id, value in error.choices:
        payload = {"v": value, "cmd": command, "text": text, "typed": typed}
        encoded = json.dumps(payload, separators=(",", ":"))
        if len(encoded) > 2000:  # too long to carry: the button only acts on the account
            payload = {"v": value, "cmd": command, "text": "", "typed": typed}
        buttons.append(
            button(label, action_id, payload, style="primary" if action_id == "create_account" else None)
        )
    reply(respond, error_blocks(error, buttons=buttons))


def substitute_account(text: str, typed: str, name: str) -> str:
    """The original command text with the account as typed replaced by the chosen name.

    Only a whole-word occurrence counts, so "all" is not replaced inside "call".
    """
    if not typed:
        return text
    pattern = re.compile(r"(?<!\S)" + re.escape(typed) + r"(?=[\s:]|$)")
    return pattern.sub(lambda _: name, text, count=1)


def post_to_user(client: WebClient, user_id: str, channel_id: str | None, blocks: list[Block]) -> None:
    """An ephemeral note where the person was, or a DM when the bot can't post there."""
    text = fallback_text(blocks)
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, blocks=blocks, text=text)
            return
        except SlackApiError as exc:
            log.info("ephemeral to %s failed (%s); sending a DM", channel_id, exc.response.get("error"))
    client.chat_postMessage(channel=user_id, blocks=blocks, text=text)


def permalink_of(client: WebClient, channel: str | None, message_ts: str | None) -> str | None:
    """A link to a message, or None when there is no message or Slack won't give one."""
    if not (channel and message_ts):
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=message_ts).get("permalink")
    except SlackApiError as exc:
        log.info("chat.getPermalink failed: %s", exc.response.get("error"))
        return None


def deliver_to_message(
    client: WebClient, response_url: str | None, user_id: str, blocks: list[Block]
) -> None:
    """After a form: replace the message it was opened from; a DM if that is no longer possible."""
    text = fallback_text(blocks)
    if response_url:
        result = ResponseUrl(response_url).send(text=text, blocks=blocks, replace_original=True)
        if result.status_code == 200:
            return
        log.info("response_url answered %s; sending a DM", result.status_code)
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
