"""Messages that bundle several items: the morning message, "While I was away…", reminders due together.

A button on one item must change that item only. A bundled message starts with a block whose
``block_id`` is ``bundle`` (titles inside it use ``bundle.…`` ids): its items are separated by
dividers, headers and those titles. A heading ``bundle:lines`` says more: each item is one line
ending with its actions block (the morning message, which has no room for dividers). ``splice``
puts a button's result in place of the item the button was on and keeps every other item, with its
buttons.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.common import Block

BUNDLE_ID = "bundle"
LINES_ID = "bundle:lines"
MAX_BLOCKS = 50  # Slack's limit per message


def bundle_id(suffix: str = "", *, lines: bool = False) -> str:
    """The ``block_id`` of a bundle's heading (no suffix) or of a title inside it."""
    if suffix:
        return f"{BUNDLE_ID}.{suffix}"
    return LINES_ID if lines else BUNDLE_ID


def _heading(blocks: list[Block] | None) -> str:
    return str((blocks or [{}])[0].get("block_id") or "")


def is_bundle(blocks: list[Block] | None) -> bool:
    return _heading(blocks) in (BUNDLE_ID, LINES_ID)


def _separates(block: Block) -> bool:
    return block.get("type") in ("divider", "header") or str(block.get("block_id") or "").startswith(
        BUNDLE_ID
    )


def _elements(block: Block) -> list[Block]:
    found = list(block.get("elements") or []) if block.get("type") == "actions" else []
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        found.append(accessory)
    return found


def clicked_index(blocks: list[Block], action: dict[str, Any]) -> int | None:
    """Which block the clicked element is in: by ``block_id``, else by the element itself."""
    block_id = action.get("block_id")
    if block_id:
        for n, block in enumerate(blocks):
            if block.get("block_id") == block_id:
                return n
    for n, block in enumerate(blocks):
        for element in _elements(block):
            if element.get("action_id") == action.get("action_id") and element.get("value") == action.get(
                "value"
            ):
                return n
    return None


def item_span(blocks: list[Block], index: int) -> tuple[int, int]:
    """[start, end) of the item holding ``blocks[index]``: up to the separators around it (in a
    ``bundle:lines`` message, an actions block also ends an item)."""
    lines = _heading(blocks) == LINES_ID

    def ends_item(block: Block) -> bool:
        return _separates(block) or (lines and block.get("type") == "actions")

    start = index
    while start > 0 and not ends_item(blocks[start - 1]):
        start -= 1
    end = index + 1
    if not (lines and ends_item(blocks[index])):
        while end < len(blocks) and not ends_item(blocks[end]):
            end += 1
        if lines and end < len(blocks) and blocks[end].get("type") == "actions":
            end += 1  # the line's own actions
    return start, end


def splice(blocks: list[Block], action: dict[str, Any], replacement: list[Block]) -> list[Block] | None:
    """``blocks`` with the clicked item replaced by ``replacement``; ``None`` if the item isn't found."""
    index = clicked_index(blocks, action)
    if index is None:
        return None
    start, end = item_span(blocks, index)
    kept = blocks[:start] + blocks[end:]
    room = max(1, MAX_BLOCKS - len(kept))
    taken = {str(b["block_id"]) for b in kept if b.get("block_id")}
    new = [_unique(block, taken) for block in replacement[:room]]
    if _heading(blocks) == LINES_ID and new and new[-1].get("type") != "actions":
        # The line's result ends its item, as its actions block did (else it would join the next line).
        new[-1] = {**new[-1], "block_id": _free(f"{BUNDLE_ID}.done", taken)}
    return blocks[:start] + new + blocks[end:]


def _free(base: str, taken: set[str]) -> str:
    n = 1
    while f"{base}.{n}" in taken:
        n += 1
    taken.add(f"{base}.{n}")
    return f"{base}.{n}"


def _unique(block: Block, taken: set[str]) -> Block:
    """Slack refuses a message whose blocks repeat a ``block_id``: suffix a repeat."""
    block_id = block.get("block_id")
    if not block_id:
        return block
    unique, n = str(block_id), 1
    while unique in taken:
        n += 1
        unique = f"{block_id}.{n}"
    taken.add(unique)
    return block if unique == block_id else {**block, "block_id": unique}
