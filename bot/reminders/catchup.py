"""After downtime: several late reminders for one person become one "While I was away…" message."""

from __future__ import annotations

from typing import Any

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
    blocks: list[dict[str, Any]] = [section(heading)]
    seen_ids: set[str] = set()
    for message in messages:
        blocks.append(divider())
        for block in message.blocks or [section(message.text)]:
            blocks.append(_unique_block_id(block, seen_ids))
    text = f"While I was away… {count} reminders came due: " + " · ".join(m.text for m in messages)
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
