"""When a person's morning message is due. Pure.

The message is built once per local day, on the person's working days, from ``daily_nudge_time``
(their wall clock), or their working start when that is later (someone who starts at 10:00 gets it at
10:00, never before they are at work), until the end of their working day. A day missed entirely (the bot was down) is
not made up late at night: what was not told is still "not told", so the next morning carries it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.playbook import WorkingHours


def morning_due(
    now: datetime, tz: ZoneInfo, hours: WorkingHours, nudge_time: time, last_built: datetime | None
) -> date | None:
    """The local day whose morning message should be built now, or ``None``."""
    local = now.astimezone(tz)
    if hours.days and not hours.is_working_day(local.date()):
        return None
    if local.time() < max(nudge_time, hours.start):
        return None
    if hours.end > nudge_time and local.time() >= hours.end:
        return None
    if last_built is not None and last_built.astimezone(tz).date() == local.date():
        return None
    return local.date()
