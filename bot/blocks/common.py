"""Small Block Kit building blocks shared by every reply."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.limits import more_hint
from bot.domain.errors import UserError
from bot.domain.text import escape

Block = dict[str, Any]

MAX_SECTION = 2900  # Slack's limit is 3000 characters per section text


def section(text: str, *, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION]}}
    if accessory:
        block["accessory"] = accessory
    return block


def line_sections(head: str, lines: list[str]) -> list[Block]:
    """``head`` and ``lines`` in as many sections as it takes, cut between whole lines: one section
    would be clipped at Slack's 3000 characters, silently dropping the end of a long list."""
    blocks: list[Block] = []
    chunk = head
    for line in lines:
        joined = f"{chunk}\n{line}" if chunk else line
        if chunk and len(joined) > MAX_SECTION:
            blocks.append(section(chunk))
            chunk = line
        else:
            chunk = joined
    if chunk:
        blocks.append(section(chunk))
    return blocks


LIST_CHARS = 9000  # of a message's ≈12 000 characters (bot/blocks/limits.py), what one list may take


def bounded_lines(
    head: str, lines: list[str], *, hint: str, total: int | None = None, max_chars: int = LIST_CHARS
) -> list[Block]:
    """``head`` and as many whole ``lines`` as fit in ``max_chars``, then "…and N more" with ``hint``
    (how to see the rest). ``total``: how many there are, when ``lines`` holds only the first ones."""
    total = len(lines) if total is None else total
    shown: list[str] = []
    used = len(head)
    for line in lines:
        if used + len(line) + 1 > max_chars:
            break
        shown.append(line)
        used += len(line) + 1
    blocks = line_sections(head, shown)
    if total > len(shown):
        blocks.append(more_hint(f"…and {total - len(shown)} more. {hint}"))
    return blocks


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_SECTION]}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str | dict[str, Any] = "", *, style: str | None = None) -> Block:
    if not isinstance(value, str):
        value = json.dumps(value, separators=(",", ":"))
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def error_blocks(error: UserError, *, buttons: list[Block] | None = None) -> list[Block]:
    """A friendly error: what went wrong, a correct example, and any choices as buttons."""
    # A refusal (mrkdwn naming who may do it) gets a lock; bad input a warning.
    shown = f":lock: {error.message}" if error.mrkdwn else f":warning: {escape(error.message)}"
    blocks = [section(shown)]
    if buttons:
        blocks.append(actions(*buttons))
    if error.example:
        blocks.append(context(f"Example: `{escape(error.example)}`"))
    return blocks


def fallback_text(blocks: list[Block]) -> str:
    """Notification text for a message: the first section's text."""
    for block in blocks:
        if block.get("type") == "section":
            return str(block["text"]["text"])[:300]
        if block.get("type") == "header":  # plain text: escape it, the fallback is read as mrkdwn
            return escape(str(block["text"]["text"]))[:300]
    return "salesbot"


# -- modals -------------------------------------------------------------------------------------------
def plain_text(text: str) -> Block:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> Block:
    """A select menu's choice; Slack allows 75 characters of text."""
    return {"text": {"type": "plain_text", "text": text[:75], "emoji": True}, "value": value}


def modal(
    callback_id: str, *, title: str, submit: str, metadata: dict[str, Any], blocks: list[Block]
) -> Block:
    """A modal with a Cancel button; ``metadata`` travels along as JSON for the submission handler."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title),
        "submit": plain_text(submit),
        "close": plain_text("Cancel"),
        "private_metadata": json.dumps(metadata, separators=(",", ":"))[:3000],
        "blocks": blocks,
    }


def input_block(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None
) -> Block:
    """A modal input; the element's ``action_id`` is the ``block_id`` too, so handlers read
    ``values[block_id][block_id]``."""
    block: Block = {"type": "input", "block_id": block_id}
    if optional:
        block["optional"] = True
    block["label"] = plain_text(label)
    if hint:
        block["hint"] = plain_text(hint)
    block["element"] = {"type": element["type"], "action_id": block_id, **element}
    return block


def static_select(options: list[Block], initial: Block) -> Block:
    return {"type": "static_select", "options": options, "initial_option": initial}


def account_picker(initial: Block | None) -> Block:
    """Search accounts by name (options served by the ``account`` options handler)."""
    picker: Block = {
        "type": "external_select",
        "placeholder": plain_text("Search accounts by name"),
        "min_query_length": 0,
    }
    if initial is not None:
        picker["initial_option"] = initial
    return picker
