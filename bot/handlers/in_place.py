"""Answering a button where it was pressed, the way Slack allows it.

- On a bundled message (the morning message, "While I was away…", reminders due together) a button's
  result replaces *its item only*: a middleware gives every listener a ``respond`` that splices
  ``replace_original`` answers into the message (``bot.blocks.bundle``), so no listener can wipe the
  other items.
- An ephemeral message (a reply to a command) can't be edited with ``chat.update``: only its
  ``response_url`` can replace it. A modal opened from a button remembers where it came from
  (``origin``) and ``update_origin`` answers the right way when it is submitted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookResponse

from bot.blocks.bundle import clicked_index, is_bundle, item_span, splice
from bot.blocks.common import Block, fallback_text
from bot.handlers import payloads
from bot.slack_client import FittedRespond, ResponseUrl

log = logging.getLogger(__name__)


class ItemRespond(FittedRespond):
    """``respond`` for a button on a bundled message: ``replace_original`` replaces the clicked item."""

    def __init__(self, response_url: str, message: dict[str, Any], action: dict[str, Any]) -> None:
        super().__init__(response_url=response_url)
        self.message = message
        self.action = action

    def __call__(  # type: ignore[override]
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[Any] | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **kwargs: Any,
    ) -> WebhookResponse:
        if replace_original or delete_original:
            current = list(self.message.get("blocks") or [])
            merged = splice(current, self.action, [] if delete_original else list(blocks or []))
            if merged is not None:
                self.message["blocks"] = merged  # a second answer builds on the first
                keep = str(self.message.get("text") or "") or fallback_text(merged)
                return super().__call__(text=keep, blocks=merged, replace_original=True)
        return super().__call__(
            text=text,
            blocks=blocks,
            replace_original=replace_original,
            delete_original=delete_original,
            **kwargs,
        )


def register(app: App) -> None:
    @app.middleware
    def answer_items_in_place(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if body.get("type") == "block_actions" and body.get("response_url"):
            message = body.get("message") or {}
            actions = body.get("actions") or []
            if actions and is_bundle(message.get("blocks")) and not _ephemeral(body):
                context["respond"] = ItemRespond(body["response_url"], dict(message), actions[0])
        return next()


def clicked_line(body: dict[str, Any]) -> str:
    """The text of the line a button was pressed on, in a bundled message ("" elsewhere)."""
    blocks = list((body.get("message") or {}).get("blocks") or [])
    action = (body.get("actions") or [{}])[0]
    index = clicked_index(blocks, action) if is_bundle(blocks) else None
    if index is None:
        return ""
    start, end = item_span(blocks, index)
    for block in blocks[start:end]:
        if block.get("type") == "section" and block.get("text"):
            return str(block["text"].get("text") or "")
    return ""


def _ephemeral(body: dict[str, Any]) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def origin(body: dict[str, Any]) -> dict[str, Any]:
    """Where a button was pressed, small enough for a modal's ``private_metadata``."""
    container = body.get("container") or {}
    action = (body.get("actions") or [{}])[0]
    meta: dict[str, Any] = {
        "channel": container.get("channel_id") or (body.get("channel") or {}).get("id"),
        "ts": container.get("message_ts"),
        "r": body.get("response_url"),
    }
    if _ephemeral(body):
        meta["eph"] = True
    elif is_bundle((body.get("message") or {}).get("blocks")):
        meta["item"] = {k: action.get(k) for k in ("block_id", "action_id", "value")}
    return meta


def update_origin(client: WebClient, meta: dict[str, Any], blocks: list[Block]) -> bool:
    """Show ``blocks`` where the modal's button was: its response_url for an ephemeral message, only
    the item on a bundled one, the whole message otherwise. False if that was not possible."""
    text = fallback_text(blocks)
    if meta.get("eph") or not (meta.get("channel") and meta.get("ts")):
        url = payloads.response_url(meta.get("r"), client.base_url)
        if url is None:
            return False
        answer = ResponseUrl(url).send(text=text, blocks=blocks, replace_original=True)
        if answer.status_code != 200:
            log.info("response_url answered %s", answer.status_code)
        return answer.status_code == 200
    try:
        if meta.get("item"):
            current = _current_blocks(client, meta["channel"], meta["ts"])
            merged = splice(current, meta["item"], blocks) if current else None
            if merged is None:
                return False
            blocks, text = merged, fallback_text(merged)
        client.chat_update(channel=meta["channel"], ts=meta["ts"], blocks=blocks, text=text)
        return True
    except SlackApiError as exc:
        log.info("could not update the message the button was on: %s", exc.response.get("error"))
        return False


def _current_blocks(client: WebClient, channel: str, ts: str) -> list[Block] | None:
    """The message as it is now (another item may have changed since the modal opened)."""
    found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    for message in found.get("messages") or []:
        if message.get("ts") == ts:
            return list(message.get("blocks") or [])
    return None
