"""Which due reminders travel together: one message per person and moment, not one per reminder.

- Late DMs (the bot was down): ``MIN_TO_COMBINE`` or more for one person → "While I was away…".
- DMs due at the same moment for one person (the 09:00 rush), two or more → one message, a line
  each, every line with its own buttons. A single reminder stays a message of its own.
- Channel posts, and messages that already bundle items (the morning message), go alone.

Every reminder of a group records the group message's ``ts`` (the dispatcher marks them together).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from bot.blocks.bundle import is_bundle
from bot.reminders.catchup import MIN_TO_COMBINE, combine, together, while_away
from bot.reminders.outbox import OutgoingMessage

MIN_TO_GROUP = 2


class Item(Protocol):
    @property
    def reminder_id(self) -> int: ...
    @property
    def message(self) -> OutgoingMessage: ...
    @property
    def late(self) -> bool: ...
    @property
    def due_at(self) -> datetime: ...


T = TypeVar("T", bound=Item)


def is_direct(channel: str) -> bool:
    """A DM: a user id (posted as a DM) or an IM channel id."""
    return channel[:1] in ("U", "W", "D")


def units(ready: list[T]) -> list[list[T]]:
    """``ready`` split into messages (lists of items), in the order the first of each came."""
    out: list[list[T]] = []
    late: dict[str, list[T]] = {}
    rest: list[T] = []
    for item in ready:
        if not is_direct(item.message.channel) or is_bundle(item.message.blocks):
            out.append([item])
        elif item.late:
            late.setdefault(item.message.channel, []).append(item)
        else:
            rest.append(item)
    for items in late.values():
        if len(items) >= MIN_TO_COMBINE:
            out += _fitting(items)
        else:
            rest += items
    moments: dict[tuple[str, datetime], list[T]] = {}
    for item in rest:
        moments.setdefault((item.message.channel, item.due_at), []).append(item)
    for items in moments.values():
        out += _fitting(items) if len(items) >= MIN_TO_GROUP else [[item] for item in items]
    order = {item.reminder_id: n for n, item in enumerate(ready)}
    return sorted(out, key=lambda unit: order[unit[0].reminder_id])


def _fitting(items: list[T]) -> list[list[T]]:
    return [[items[i] for i in group] for group in combine([item.message for item in items])]


def message_for(unit: list[T]) -> OutgoingMessage:
    """The one message that carries ``unit``."""
    if len(unit) == 1:
        return unit[0].message
    messages = [item.message for item in unit]
    return while_away(messages) if all(item.late for item in unit) else together(messages)
