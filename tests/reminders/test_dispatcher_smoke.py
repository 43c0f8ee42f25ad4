from __future__ import annotations

from datetime import timedelta

from bot.reminders.dispatcher import Dispatcher
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.storage.models import Reminder
from tests.helpers import Harness


def test_due_reminder_is_sent_once_and_ts_recorded(bot: Harness) -> None:
    bot.services.renderers["test"] = lambda services, session, r: OutgoingMessage(r.recipient_id or "", "hi")
    now = bot.clock.now()
    with bot.db() as s:
        rid = enqueue(s, kind="test", due_at=now + timedelta(minutes=5), now=now, recipient_id="U0ALICE").id
    d = Dispatcher(bot.services, instance_id="a")
    assert d.run_once().sent == []
    bot.clock.advance(minutes=5)
    assert d.run_once().sent == [rid]
    assert Dispatcher(bot.services, instance_id="b").run_once().sent == []
    assert len(bot.dms("U0ALICE")) == 1
    with bot.db() as s:
        r = s.get(Reminder, rid)
        assert r.status == "sent" and r.sent_ts
