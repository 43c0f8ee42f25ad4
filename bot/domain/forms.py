"""Edit forms: each field checked with the same rules as the matching command, refusals per field.

A form is read into the ``field:value`` words its command takes (``/account set``, ``/opportunity
set``); every field is checked on its own, so each refusal can be shown under its field and nothing
is written while any remains.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.dates import When, local_datetime
from bot.domain.errors import UserError
from bot.domain.followup_text import MAX_TITLE, due_instant
from bot.playbook import WorkingHours

Errors = dict[str, str]
_TYPED_FIELD = re.compile(r"`[a-z_]+:([^`]*)`")


def field_message(message: str) -> str:
    """A command's refusal as the text under its form field: plain text, and the command's
    ``key:value`` spelling reduced to the value (``mrr:lots`` → ``lots``): the field is the key."""
    text = _TYPED_FIELD.sub(lambda m: m.group(1), message).replace("`", "").strip()
    if re.match(r"`[a-z_]+:`", message):  # "`name:` needs the new name" → "Needs the new name"
        text = text[:1].upper() + text[1:]
    return text


def check_each(
    fields: Mapping[str, str], validate: Callable[[dict[str, str]], dict[str, Any]]
) -> tuple[dict[str, Any], Errors]:
    """Column values of the fields ``validate`` accepts, and the refusal of each field it does not."""
    values: dict[str, Any] = {}
    errors: Errors = {}
    for key, raw in fields.items():
        try:
            values.update(validate({key: raw}))
        except UserError as err:
            errors[key] = field_message(err.message)
    return values, errors


def followup_title(raw: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise UserError("Say what is to be done, e.g. “send the proposal”.")
    if len(title) > MAX_TITLE:
        raise UserError(f"That is {len(title)} characters; {MAX_TITLE} at most.")
    return title


def followup_due(
    day: str | None,
    at: str | None,
    *,
    now: datetime,
    editor_tz: ZoneInfo,
    hours: WorkingHours,
    assignee_tz: ZoneInfo,
) -> tuple[datetime, bool]:
    """(due instant, all day) for a picked day and optional time.

    A time is the editor's wall clock (the form says so); a day alone is the start of the
    assignee's working day, as when a reminder is rescheduled by its date picker. The past and more
    than five years ahead are refused, as by ``/followup``.
    """
    if not day:
        raise UserError("Pick the day it is due.")
    try:
        picked = date.fromisoformat(day)
        clock = time.fromisoformat(at) if at else None
    except ValueError:
        raise UserError(f"“{' '.join(filter(None, (day, at)))}” is not a date and time.") from None
    if clock is None:
        when = When(local_datetime(picked, time(0), assignee_tz), False)
        return due_instant(when, now, hours, assignee_tz), True
    when = When(local_datetime(picked, clock, editor_tz), True)
    return due_instant(when, now, hours, editor_tz), False
