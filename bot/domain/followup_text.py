"""Reading ``/followup [#channel] <account>: <what> <when> [for @colleague]`` and computing due times.

Pure functions: no database, no Slack. Times are computed in the assignee's zone and working hours,
so "tomorrow" and "9am" mean their tomorrow and their 9:00; a day without a time means the start of
their working day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.dates import (
    DateOrder,
    When,
    definite_error,
    format_when,
    local_datetime,
    split_trailing_when,
    try_parse_when,
)
from bot.domain.errors import UserError
from bot.domain.grammar import channel_id_of, split_head, user_id_of
from bot.domain.workhours import next_working_start, working_day_at
from bot.playbook import WorkingHours

FOLLOWUP_EXAMPLE = "/followup Acme Corp: send the proposal tomorrow 9am"
ASSIGN_EXAMPLE = "/followup Acme Corp: prepare QBR in 2 weeks for @bob"
CHANNEL_EXAMPLE = "/followup #acme-team Acme Corp: renewal call friday 10am"
DONE_EXAMPLE = "/followup done 12"
SNOOZE_EXAMPLE = "/followup snooze 12 tomorrow"
MAX_TITLE = 500
MAX_AHEAD = timedelta(days=5 * 366)
_PAST_SLACK = timedelta(minutes=1)  # "now" typed a few seconds ago is not the past
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_TYPED_AT = re.compile(r"(?:^|\s)for\s+@\w[\w.-]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FollowupText:
    """The parts of a /followup command before any date is read (the date needs the assignee's zone)."""

    account: str  # as typed
    body: str  # what + when, without the assignee mention
    assignee_id: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True)
class ByNumber:
    """``/followup done 3``, ``/followup cancel @bob 3``, ``/followup snooze 3 friday 10am``."""

    verb: str  # done | cancel | snooze
    number: int
    assignee_id: str | None = None  # whose sequence the number is in; None: the person typing
    rest: str = ""  # for snooze: until when


_VERB = re.compile(r"^(done|cancel|snooze)(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
_NUMBERED = re.compile(r"^(?:(<@[UW][A-Z0-9]+(?:\|[^>]*)?>)\s+)?#?(\d{1,9})(?:\s+(.*))?$", re.DOTALL)


def parse_by_number(text: str) -> ByNumber | None:
    """A command about an existing follow-up by its number, or None when ``text`` creates one
    (``/followup Done Deal Inc: …`` has a colon before any number). Raises ``UserError`` for a
    verb without a readable number."""
    verb_match = _VERB.match(text.strip())
    if not verb_match:
        return None
    verb, tail = verb_match.group(1).lower(), (verb_match.group(2) or "").strip()
    numbered = _NUMBERED.match(tail)
    if numbered is None:
        if ":" in tail:
            return None  # an account whose name starts with the word
        example = SNOOZE_EXAMPLE if verb == "snooze" else f"/followup {verb} 12"
        raise UserError(f"Which follow-up? Give its number from `/followup list`, e.g. `{example}`.", example)
    mention, digits, rest = numbered.group(1), numbered.group(2), (numbered.group(3) or "").strip()
    if verb != "snooze" and rest:
        raise UserError(f"`/followup {verb}` takes one number, e.g. `/followup {verb} 12`.", DONE_EXAMPLE)
    if verb == "snooze" and not rest:
        raise UserError(
            "Until when? `1h`, `tomorrow`, `next week` or a day and time, e.g. `" + SNOOZE_EXAMPLE + "`.",
            SNOOZE_EXAMPLE,
        )
    return ByNumber(verb, int(digits), user_id_of(mention) if mention else None, rest)


SNOOZE_WORDS = {"1h": "1h", "an hour": "1h", "1 hour": "1h", "tomorrow": "tomorrow", "week": "week",
                "next week": "week"}  # fmt: skip


@dataclass(frozen=True)
class WhatWhen:
    what: str
    when: When


def parse_followup_text(text: str) -> FollowupText:
    """Split the command into channel, account, body and assignee; raises ``UserError`` when malformed."""
    text = text.strip()
    channel: str | None = None
    first, _, rest = text.partition(" ")
    if first.startswith("<#"):
        channel = channel_id_of(first)
        if channel is None:
            raise UserError("I couldn't read that channel. Pick it with #.", CHANNEL_EXAMPLE)
        text = rest.strip()
    elif first.startswith("#") and len(first) > 1:
        raise UserError("Pick the channel from the list as you type #, so Slack links it.", CHANNEL_EXAMPLE)
    head, body = split_head(text)
    if body is None:
        raise UserError("Put the account first, then a colon, then what to do and when.", FOLLOWUP_EXAMPLE)
    if not head:
        raise UserError("Which account? Put its name before the colon.", FOLLOWUP_EXAMPLE)
    if _MENTION.search(head):
        raise UserError("Put the colleague at the end, after `for`.", ASSIGN_EXAMPLE)
    body, assignee = _take_assignee(body)
    return FollowupText(account=head, body=body, assignee_id=assignee, channel_id=channel)


def _take_assignee(body: str) -> tuple[str, str | None]:
    """``"prepare QBR in 2 weeks for <@U0BOB|bob>"`` → (``"prepare QBR in 2 weeks"``, ``"U0BOB"``).

    The assignee is a mention introduced by ``for`` (anywhere), or a mention that ends the text.
    Other mentions stay in the text.
    """
    words = body.split()
    picks = [
        i
        for i, w in enumerate(words)
        if user_id_of(w) and ((i > 0 and words[i - 1].lower() == "for") or i == len(words) - 1)
    ]
    if not picks:
        if _TYPED_AT.search(body):
            raise UserError(
                "Mention the colleague with @ and pick them from the list, so Slack links them.",
                ASSIGN_EXAMPLE,
            )
        return body.strip(), None
    if len({user_id_of(words[i]) for i in picks}) > 1:
        raise UserError("One person per follow-up: mention a single colleague after `for`.", ASSIGN_EXAMPLE)
    drop: set[int] = set()
    for i in picks:
        drop.add(i)
        if i > 0 and words[i - 1].lower() == "for":
            drop.add(i - 1)
    assignee = user_id_of(words[picks[0]])
    return " ".join(w for i, w in enumerate(words) if i not in drop), assignee


def split_what_when(
    body: str, local_now: datetime, *, order: DateOrder = "DMY", account: str = ""
) -> WhatWhen:
    """``"send the proposal tomorrow 9am"`` → what and when; the date comes last, in ``local_now``'s zone.

    A mistyped time anywhere (``25:00``), also in the ``account`` words, is reported as such."""
    if bad := definite_error(f"{account} {body}", local_now, order=order):
        raise UserError(bad.sentence(), FOLLOWUP_EXAMPLE)
    if not body.strip():
        raise UserError("What should be done? Write it after the colon, then when.", FOLLOWUP_EXAMPLE)
    if try_parse_when(body, local_now, prefer="future", order=order) is not None:
        raise UserError("What should be done? Write it before the date.", FOLLOWUP_EXAMPLE)
    what, when = split_trailing_when(body, local_now, prefer="future", order=order)
    if when is None:
        raise UserError(
            f"I couldn't find when “{what}” is due. End with a day or time: "
            "`tomorrow 9am`, `friday 14h`, `in 3 weeks`, `next tuesday`, `end of month`, `31/12`.",
            FOLLOWUP_EXAMPLE,
        )
    what = what.strip().rstrip(",;-–").strip()
    if not what:
        raise UserError("What should be done? Write it before the date.", FOLLOWUP_EXAMPLE)
    if len(what) > MAX_TITLE:
        raise UserError(f"That is {len(what)} characters; {MAX_TITLE} at most.", FOLLOWUP_EXAMPLE)
    return WhatWhen(what, when)


def start_of_day(day: date, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The start of the working day on ``day``, on the person's wall clock."""
    return local_datetime(day, hours.start, tz)


def due_instant(when: When, now: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The due instant for a parsed date: a day alone means the start of the working day.

    Today without a time, once the working day has started, means now. A time in the past, or
    more than five years ahead, is refused.
    """
    if when.has_time:
        due = when.at
    else:
        day = when.at.astimezone(tz).date()
        due = start_of_day(day, hours, tz)
        if due < now and day == now.astimezone(tz).date():
            due = now
    if due < now - _PAST_SLACK:
        shown = format_when(due, tz, now=now)
        raise UserError(f"That is in the past ({shown}). Pick a time from now on.", FOLLOWUP_EXAMPLE)
    if due > now + MAX_AHEAD:
        raise UserError("That is more than five years ahead. Pick a nearer date.", FOLLOWUP_EXAMPLE)
    return due.replace(microsecond=0).astimezone(UTC)


def day_due(day: date, now: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The due instant for a picked day (datepicker): the start of that working day, never in the past."""
    return due_instant(When(local_datetime(day, time(0), tz), False), now, hours, tz)


def next_week_start(now: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The start of the first working day of next week."""
    today = now.astimezone(tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    return next_working_start(local_datetime(monday, time(0), tz), hours, tz)


SNOOZES = {"1h": "1 hour", "tomorrow": "tomorrow", "week": "next week"}


def snooze_until(choice: str, now: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """``1h``: an hour from now; ``tomorrow``: the next working day's start; ``week``: next week's."""
    if choice == "1h":
        return (now + timedelta(hours=1)).replace(microsecond=0)
    if choice == "tomorrow":
        return working_day_at(now, hours.start, hours, tz, days_ahead=1)
    if choice == "week":
        return next_week_start(now, hours, tz)
    raise ValueError(f"unknown snooze {choice!r}")


def snooze_to(
    text: str, now: datetime, hours: WorkingHours, tz: ZoneInfo, *, order: DateOrder = "DMY"
) -> tuple[datetime, bool]:
    """``/followup snooze 3 friday 10am``: the new due instant (and whether it is a day alone), read
    on the assignee's clock ``tz`` like a new follow-up's date."""
    local_now = now.astimezone(tz)
    if bad := definite_error(text, local_now, order=order):
        raise UserError(bad.sentence(), SNOOZE_EXAMPLE)
    when = try_parse_when(text, local_now, prefer="future", order=order)
    if when is None:
        raise UserError(
            f"I couldn't read “{text}” as a time. Snooze until `1h`, `tomorrow`, `next week`, "
            "`friday 10am`, `in 3 days`, `31/12`.",
            SNOOZE_EXAMPLE,
        )
    return due_instant(when, now, hours, tz), not when.has_time


def in_days_due(days: int, now: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """The start of the working day ``days`` from today (or the next working day after it)."""
    day = now.astimezone(tz).date() + timedelta(days=days)
    return next_working_start(start_of_day(day, hours, tz), hours, tz)


_DELAY = re.compile(r"^(\d+)([mhd])$")
_NEXT_DAY = re.compile(r"^next_working_day (\d{1,2}):(\d{2})$")


def rule_due(spec: str, base: datetime, hours: WorkingHours, tz: ZoneInfo) -> datetime:
    """A playbook rule's ``due``: ``"next_working_day 09:00"`` (wall clock in ``tz``) or ``"2h"``/``"30m"``/``"3d"``."""
    if m := _NEXT_DAY.match(spec):
        return working_day_at(base, time(int(m.group(1)), int(m.group(2))), hours, tz, days_ahead=1)
    if m := _DELAY.match(spec):
        amount, unit = int(m.group(1)), m.group(2)
        if unit == "d":  # days keep the wall-clock time, across DST
            local = base.astimezone(tz)
            due = local_datetime(local.date() + timedelta(days=amount), local.time(), tz)
        else:
            due = base + timedelta(minutes=amount if unit == "m" else amount * 60)
        return due.replace(microsecond=0)
    raise ValueError(f"not a follow-up rule due: {spec!r}")
