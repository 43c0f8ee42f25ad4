"""Two dispatchers on one database never send a reminder twice (SQLite file; PostgreSQL when given)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from bot.reminders.dispatcher import Dispatcher
from bot.storage.models import Reminder
from tests.helpers import Harness, posted_reminder_ids, queue_reminders


def race(bot: Harness, instances: int = 2, batch_size: int = 4) -> list[list[int]]:
    dispatchers = [
        Dispatcher(bot.services, instance_id=f"instance-{n}", batch_size=batch_size) for n in range(instances)
    ]
    sent: list[list[int]] = [[] for _ in dispatchers]
    errors: list[BaseException] = []
    start = threading.Barrier(len(dispatchers))

    def work(n: int) -> None:
        try:
            start.wait()
            while True:
                report = dispatchers[n].run_once()
                sent[n] += report.sent
                if not (report.sent or report.cancelled or report.failed):
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(dispatchers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return sent


def test_racing_dispatchers_send_each_reminder_once(db_bot: Harness) -> None:
    alice = queue_reminders(db_bot, 20)
    carol = queue_reminders(db_bot, 20, recipient_id="U0CAROL")
    sent = race(db_bot)
    everything = sorted(alice + carol)
    assert sorted(sent[0] + sent[1]) == everything  # no id reported twice, none missing
    assert Counter(posted_reminder_ids(db_bot.fake)) == dict.fromkeys(everything, 1)
    with db_bot.db() as s:
        rows = s.query(Reminder).all()
        assert {r.status for r in rows} == {"sent"} and all(r.sent_ts for r in rows)


def test_racing_over_expired_leases_still_sends_once(db_bot: Harness) -> None:
    ids = queue_reminders(db_bot, 12)
    dead = Dispatcher(db_bot.services, instance_id="dead")
    assert sorted(dead.claim(db_bot.clock.now())) == ids  # claimed by an instance that then died
    db_bot.clock.advance(timedelta(seconds=db_bot.services.playbook.claim_lease_seconds + 1))
    sent = race(db_bot, instances=3, batch_size=2)
    assert sorted(rid for part in sent for rid in part) == ids
    assert Counter(posted_reminder_ids(db_bot.fake)) == dict.fromkeys(ids, 1)


def test_claim_is_exclusive(db_bot: Harness) -> None:
    ids = queue_reminders(db_bot, 3)
    a = Dispatcher(db_bot.services, instance_id="a")
    b = Dispatcher(db_bot.services, instance_id="b")
    assert a.claim(db_bot.clock.now()) == ids
    assert b.claim(db_bot.clock.now()) == []
    with db_bot.db() as s:
        first = s.get(Reminder, ids[0])
        assert first is not None and first.first_claimed_at == db_bot.clock.now()
