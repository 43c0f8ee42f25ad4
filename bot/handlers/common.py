"""Shared bits for handlers: team of a request, error replies with choice buttons, re-running commands."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond

from bot.blocks.common import Block, button, error_blocks, fallback_text
from bot.domain.errors import UserError
from bot.storage.models import LOCAL_TEAM

# A command handler body: (text, user_id, respond) → None; used to re-run a command after a choice.
CommandRunner = Callable[[str, str, Respond], None]


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request belongs to. One workspace per install for now: everything is LOCAL_TEAM."""
    return LOCAL_TEAM


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
