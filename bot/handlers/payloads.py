"""What a button, a menu or a form hands back (its value, block id or ``private_metadata``), read safely.

Slack sends these back as the bot wrote them, but a signed request can carry anything: an id that is
not a number (or too large for an id column), JSON that is not an object, a day that is not on the
calendar. Each reader returns what the listener expects or raises ``Unreadable``, a ``UserError``.
A listener may catch it like any other; one that lets it escape is answered by the app all the same
(``bot/workers.py``: a note only to the presser for a button, an error in the form for a form), and
nothing is written: the value is read before any change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from urllib.parse import urlsplit

from bot.domain.dates import YEARS
from bot.domain.errors import UserError
from bot.domain.inputs import record_id

UNREADABLE = (
    "That button or form carries something I cannot read (it may be out of date), so nothing was "
    "changed. Run the command it came from again, e.g. `/followup list`."
)
NOT_A_DAY = "That is not a day on the calendar; pick one with the date picker, e.g. 2026-03-02."
NOT_A_TIME = "That is not a time of day; pick one with the time picker, e.g. 09:30."
GONE_ACCOUNT = "That account no longer exists."
_SLACK_ID = re.compile(r"[A-Z0-9_]{2,32}")  # an id as Slack writes it (C0123ABC); never markup


@dataclass
class Unreadable(UserError):
    """A value the bot never wrote: garbage, or edited by hand."""

    message: str = UNREADABLE


def row_id(raw: Any) -> int:
    """A row id (``12``, as text or a JSON number): positive and within an id column."""
    found = record_id(raw.strip() if isinstance(raw, str) else raw)
    if found is None:
        raise Unreadable()
    return found


def payload(raw: Any) -> dict[str, Any]:
    """A JSON object (a button's value, a form's ``private_metadata``)."""
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise Unreadable()
    return data


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A form's ``private_metadata`` (``{}`` when it has none)."""
    return payload(view.get("private_metadata") or "{}")


def id_in(data: dict[str, Any], key: str) -> int:
    """The row id under ``key`` of a decoded value."""
    return row_id(data.get(key))


def text_in(data: dict[str, Any], key: str, default: str | None = None) -> str:
    """The text under ``key`` of a decoded value (``default`` when absent)."""
    value = data.get(key, default)
    if not isinstance(value, str):
        raise Unreadable()
    return value


def slack_id_in(data: dict[str, Any], key: str) -> str:
    """The Slack id (a channel, a person) under ``key``: never text that could ping when shown."""
    value = data.get(key)
    if not isinstance(value, str) or not _SLACK_ID.fullmatch(value):
        raise Unreadable()
    return value


def day(raw: Any) -> date:
    """An ISO day (``2026-03-02``) that is on the calendar and within the years the bot reads."""
    try:
        found = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        found = None
    if found is None or found.year not in YEARS:
        raise Unreadable(NOT_A_DAY)
    return found


def time_of_day(raw: Any) -> time:
    """A time picker's ``HH:MM``."""
    found = None
    if isinstance(raw, str) and len(raw) == 5:
        try:
            found = time.fromisoformat(raw)
        except ValueError:
            found = None
    if found is None:
        raise Unreadable(NOT_A_TIME)
    return found


def picked_id(action: dict[str, Any]) -> int:
    """The row id a button (``value``) or a menu (``selected_option``) carries."""
    option = action.get("selected_option")
    raw = option.get("value") if isinstance(option, dict) else None
    return row_id(raw or action.get("value"))


SLACK_HOOKS = "hooks.slack.com"


def response_url(raw: Any, api_url: str) -> str | None:
    """A ``response_url`` carried in a form's metadata, if it is Slack's (``https://hooks.slack.com/…``,
    or the host the Web API is reached at, e.g. a test double): never a post to any other address."""
    if not isinstance(raw, str) or not raw:
        return None
    url, api = urlsplit(raw), urlsplit(api_url)
    if url.scheme == "https" and url.hostname == SLACK_HOOKS:
        return raw
    if (url.scheme, url.netloc) == (api.scheme, api.netloc) and url.netloc:
        return raw
    return None
