"""The audit trail as Block Kit: one section per change, newest first, Undo where it applies, and a
button for older changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import Block, actions, button, context, section
from bot.domain.dates import format_when, when_local
from bot.domain.history import Page, why_not_undoable
from bot.domain.text import ACCOUNT_SLOT, channel_link, escape, mention, titled
from bot.storage.models import AuditEntry

PAGE_ACTION = "history_page"
UNDO_ACTION = "history_undo"
PEOPLE = {
    "owner_id",
    "csm_id",
    "assignee_id",
    "user_id",
    "flagged_by",
    "created_by",
    "member_id",
    "manager_id",
}
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
# What a creation shows (the rest is in the export): the fields that say what the record is.
SUMMARY = ("name", "title", "type", "kind", "status", "stage", "from_stage", "to_stage", "reason", "mrr", "owner_id",
           "assignee_id", "member_id")  # fmt: skip
VALUE_LIMIT = 80
# Bookkeeping the reader knows by other means (a follow-up's number is in its label).
HIDDEN = {"number"}
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Reader:
    """Who reads the history: dates in their zone, relative to their ``now``; the account's name for
    titles the bot wrote with a slot for it."""

    tz: ZoneInfo
    now: datetime
    account_name: str = "the account"


SURFACE_LABEL = {"command": "command", "button": "button", "modal": "form", "shortcut": "shortcut"}


def value_text(field: str, value: Any, reader: Reader) -> str:
    """A recorded value as people read it elsewhere in the product: dates by the one formatter,
    yes/no, thousands separated, people and channels as links."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and not field.endswith("_id"):
        return f"{value:,}"
    if isinstance(value, str) and INSTANT.match(value):
        try:
            return format_when(datetime.fromisoformat(value), reader.tz, now=reader.now)
        except ValueError:
            pass
    if isinstance(value, str) and DAY.match(value):
        try:
            return format_when(date.fromisoformat(value), now=reader.now.astimezone(reader.tz))
        except ValueError:
            pass
    if isinstance(value, str) and ACCOUNT_SLOT in value:
        value = titled(value, reader.account_name)
    if isinstance(value, str) and field in PEOPLE and USER_ID.match(value):
        return mention(value)
    if isinstance(value, str) and field == "channel_id" and CHANNEL_ID.match(value):
        return channel_link(value)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    if len(text) > VALUE_LIMIT:
        text = text[: VALUE_LIMIT - 1] + "…"
    return escape(text)


def field_label(field: str) -> str:
    return field.removesuffix("_id").replace("_", " ")


def describe(entry: AuditEntry, reader: Reader, label: str | None = None) -> str:
    """One change in words; ``label`` names the record when its row id is not what people know."""
    record = (
        entry.record_type if entry.record_type == "account" else f"{entry.record_type} #{entry.record_id}"
    )
    named = label or escape(record)  # a label is markup already (it may mention the assignee)
    changes: dict[str, list[Any]] = entry.changes or {}
    if entry.action == "create":
        shown = [f for f in SUMMARY if f in changes][:4]
        details = ", ".join(f"{field_label(f)} {value_text(f, changes[f][1], reader)}" for f in shown)
        return f"created *{named}*" + (f": {details}" if details else "")
    if entry.action == "delete":
        return f"deleted *{named}*"
    parts = [
        f"{field_label(f)} {value_text(f, before, reader)} → {value_text(f, after, reader)}"
        for f, (before, after) in sorted(changes.items())
        if f not in HIDDEN
    ]
    verb = "undid a change to" if entry.undo_of else "changed"
    return f"{verb} *{named}*" + (": " + "; ".join(parts) if parts else "")


def who(entry: AuditEntry) -> str:
    person = mention(entry.actor_id) if entry.actor_id and USER_ID.match(entry.actor_id) else "salesbot"
    if entry.surface == "import":
        person = "an import"
    via = SURFACE_LABEL.get(entry.surface, entry.surface)
    return f"{person} ({escape(via)})"


def history_blocks(
    title: str,
    page: Page,
    *,
    viewer: str,
    tz: ZoneInfo,
    now: datetime,
    more_value: dict[str, Any] | None,
    account_name: str | None = None,
) -> list[Block]:
    """``more_value``: the Older button's value without ``b`` (the id to continue before)."""
    blocks: list[Block] = [section(f":scroll: *History of {escape(title)}*, newest first")]
    reader = Reader(tz, now, account_name or "the account")
    if not page.entries:
        blocks.append(section("_No changes recorded yet._"))
        return blocks
    for entry in page.entries:
        line = f"*{when_local(entry.at, tz, now=now)}* · {who(entry)}\n{describe(entry, reader, page.labels.get((entry.record_type, entry.record_id)))}"
        undo = None
        if why_not_undoable(entry, viewer, page.latest) is None:
            undo = button("Undo", UNDO_ACTION, str(entry.id), style="danger")
        blocks.append(section(line[:3000], accessory=undo))
    if page.more and more_value is not None:
        blocks.append(actions(button("Older changes", PAGE_ACTION, {**more_value, "b": page.entries[-1].id})))
    else:
        blocks.append(context("That is the whole history."))
    return blocks
