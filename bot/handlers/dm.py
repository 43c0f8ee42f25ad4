"""The bot's DM ("Messages" tab): whatever a person types there gets the help and their next steps.

Slack sends ``message.im`` events (manifest: event ``message.im``, scope ``im:history``). Only
messages people type count: the bot's own posts, edits, deletions and other subtypes are ignored,
and Slack's retries are dropped by ``events.deduplicate_events``.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks.common import Block, context, section
from bot.blocks.help import help_blocks
from bot.domain.next_steps import as_command, next_steps, standing
from bot.domain.text import escape
from bot.handlers.common import team_of
from bot.services import Services


def typed_by_a_person(event: dict[str, Any]) -> bool:
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and not event.get("thread_ts")
    )


def dm_answer(services: Services, user_id: str, team_id: str, typed: str) -> list[Block]:
    with services.uow() as session:
        steps = next_steps(standing(session, user_id, team_id, services.clock.now()))
    blocks: list[Block] = []
    command = as_command(typed)
    if command:
        blocks.append(
            section(
                f":point_right: I only read slash commands. Type it with its slash, here or in any channel:\n"
                f"`{escape(command[:300])}`"
            )
        )
    else:
        blocks.append(
            section(
                ":wave: Hi! I'm salesbot. I don't chat, but every command works right here in this DM "
                "(and in any channel). Try one of these next:"
            )
        )
    blocks.append(section("\n".join(f"• `{escape(s.command)}` — {escape(s.why)}" for s in steps)))
    help_part = help_blocks(None)
    return [*blocks, *help_part[: 48 - len(blocks)], context("`/salesbot help` shows this again.")]


def register(app: App, services: Services) -> None:
    @app.event("message")
    def direct_message(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if not typed_by_a_person(event):
            return
        user_id = str(event["user"])
        blocks = dm_answer(services, user_id, team_of(body), str(event.get("text") or ""))
        client.chat_postMessage(channel=event["channel"], blocks=blocks, text="Here is what I can do")
