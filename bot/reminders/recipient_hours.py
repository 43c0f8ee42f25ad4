"""Nothing reaches a person outside their working hours, however late it is.

A row is queued for a moment computed in the recipient's zone and hours, but by the time it is
delivered the bot may have been down (a follow-up due Friday 17:00 claimed on Saturday 03:00), a
backlog may have held it, or the person's zone may have changed since (their profile is refreshed
from Slack at delivery when it is more than a day old). The dispatcher asks ``wait_until`` for each
claimed row: a moment means "put it back until then" (the recipient's next working start).

A row whose time the person chose themselves (``payload["any_hour"]``, e.g. the on-the-day reminder
of an 08:00 visit) goes out at that time when it is on time; late, it waits like any other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.workhours import is_working_time, next_working_start
from bot.storage.models import Reminder

if TYPE_CHECKING:
    from bot.services import Services

# A row this far past its due time is late even if its time was chosen outside working hours.
LATE_AFTER = timedelta(minutes=10)


def wait_until(services: Services, session: Session, reminder: Reminder, now: datetime) -> datetime | None:
    """The recipient's next working start when ``now`` is outside their hours, else ``None`` (send).

    Rows without a person (a channel post mentioning nobody) are never held back.
    """
    if not reminder.recipient_id:
        return None
    if (reminder.payload or {}).get("any_hour") and reminder.due_at > now - LATE_AFTER:
        return None
    person = services.people.get_in(session, reminder.recipient_id)  # refreshed when older than a day
    if is_working_time(now, person.working_hours, person.tz):
        return None
    start = next_working_start(now, person.working_hours, person.tz)
    return start if start > now else None
