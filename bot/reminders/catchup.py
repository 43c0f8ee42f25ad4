"""Several reminders for one person in one message: late ones after downtime ("While I was away…"),
and ones due at the same moment (the 09:00 rush). Each reminder keeps its blocks and buttons; the
message is a bundle (``bot.blocks.bundle``), so a button changes its own reminder only."""

from __future__ import annotations

from typing import Any

from bot.blocks.bundle import bundle_id
from bot.blocks.common import divider, section
from bot.reminders.outbox import OutgoingMessage

MIN_TO_COMBINE = 3  # fewer late reminders than this are sent one by one
MAX_BLOCKS = 50  # Slack's limit per message


def combine(messages: list[OutgoingMessage]) -> list[list[int]]:
    """Split ``messages`` (same destination) into groups that each fit one message: indexes per group."""
    groups: list[list[int]] = [[]]
    used = 1  # the heading
    for i, message in enumerate(messages):
        size = 1 + max(1, len(message.blocks))  # divider + its blocks (or one section for plain text)
        if groups[-1] and used + size > MAX_BLOCKS:
            groups.append([])
            used = 1
        groups[-1].append(i)
        used += size
    return groups


def while_away(messages: list[OutgoingMessage], *, total: int | None = None) -> OutgoingMessage:
    """One message holding every one of ``messages`` (blocks and buttons kept), under a short heading."""
    count = total or len(messages)
    heading = f":wave: *While I was away…* {count} reminders came due. Here they are, together:"
    return bundled(messages, heading, f"While I was away… {count} reminders came due: ")


def together(messages: list[OutgoingMessage]) -> OutgoingMessage:
    """Reminders due at the same moment for one person: one message, one item each."""
    count = len(messages)
    return bundled(messages, f":bell: *{count} reminders for you*", f"{count} reminders: ")


def bundled(messages: list[OutgoingMessage], heading: str, text_head: str) -> OutgoingMessage:
    blocks: list[dict[str, Any]] = [{**section(heading), "block_id": bundle_id()}]
    seen_ids: set[str] = set()
    for message in messages:
        blocks.append(divider())
        for block in message.blocks or [section(message.text)]:
            blocks.append(_unique_block_id(block, seen_ids))
    text = text_head + " · ".join(m.text for m in messages)
    return OutgoingMessage(channel=messages[0].channel, text=text[:3000], blocks=blocks)


def _unique_block_id(block: dict[str, Any], seen: set[str]) -> dict[str, Any]:
    """Slack rejects a message whose blocks repeat a ``block_id``; suffix repeats, keep the rest."""
    block_id = block.get("block_id")
    if not block_id:
        return block
    unique, n = str(block_id), 1
    while unique in seen:
        n += 1
        unique = f"{block_id}.{n}"
    seen.add(unique)
    return block if unique == block_id else {**block, "block_id": unique}
