"""Two dispatchers on one database never send a reminder twice (SQLite file; PostgreSQL when given)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from bot.reminders.dispatcher import Dispatcher, DispatchReport, Pacer
from bot.storage.models import Reminder
from tests.helpers import FakeUser, Harness, posted_reminder_ids, queue_reminders


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


def test_a_batch_slower_than_its_lease_is_never_sent_twice(db_bot: Harness) -> None:
    """Slack is so slow that one batch outlives the claim's lease, and another instance keeps looking
    for expired claims meanwhile: each send renews the claim it is made under, so nothing goes twice."""
    ids = queue_reminders(db_bot, 12)
    lease = timedelta(seconds=db_bot.services.playbook.claim_lease_seconds)
    a = Dispatcher(db_bot.services, instance_id="a", batch_size=12)
    b = Dispatcher(db_bot.services, instance_id="b", batch_size=12)
    post = a.sender.chat_postMessage
    sent_by_b: list[int] = []

    def slow_post(**kwargs: object) -> object:
        db_bot.clock.advance(lease / 3)  # each call takes a third of the lease
        sent_by_b.extend(b.run_once().sent)  # the other instance runs a pass meanwhile
        return post(**kwargs)

    a.sender.chat_postMessage = slow_post  # type: ignore[method-assign]
    sent_by_a = a.run_once().sent
    sent_by_b += b.run(db_bot.clock.now()).sent
    assert sorted(sent_by_a + sent_by_b) == ids
    assert Counter(posted_reminder_ids(db_bot.fake)) == dict.fromkeys(ids, 1)
    with db_bot.db() as s:
        assert {r.status for r in s.query(Reminder).all()} == {"sent"}


def test_a_send_after_the_claim_was_lost_does_not_happen(db_bot: Harness) -> None:
    """Only the current claim holder sends: a row another instance took over is skipped."""
    [rid] = queue_reminders(db_bot)
    a = Dispatcher(db_bot.services, instance_id="a")
    assert a.claim(db_bot.clock.now()) == [rid]
    db_bot.clock.advance(timedelta(seconds=db_bot.services.playbook.claim_lease_seconds + 1))
    b = Dispatcher(db_bot.services, instance_id="b")
    assert b.claim(db_bot.clock.now()) == [rid]  # a's lease had expired
    ready = a._prepare_all([rid], db_bot.clock.now(), DispatchReport())
    assert ready == []  # a no longer holds it: nothing to send
    assert b.run_once().sent == []  # b's claim is not a due row for b either
    with db_bot.db() as s:
        assert s.get(Reminder, rid).claimed_by == "b"  # type: ignore[union-attr]


def test_parallel_sends_deliver_each_once_with_few_statements(db_bot: Harness) -> None:
    people = [FakeUser(f"U9{n:04d}", f"rep{n}", tz="UTC") for n in range(24)]
    ids: list[int] = []
    for person in people:
        db_bot.fake.add_user(person)
        ids += queue_reminders(db_bot, 1, recipient_id=person.id)
    # Three more for one person, due at three different moments (so not grouped): paced a second apart.
    earlier = db_bot.clock.now() - timedelta(minutes=3)
    ids += queue_reminders(db_bot, 3, recipient_id=people[0].id, due_at=earlier, every=timedelta(minutes=1))
    engine = db_bot.session_factory.kw["bind"]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    pacer = Pacer(real=False)
    report = Dispatcher(db_bot.services, instance_id="p", concurrency=6, pacer=pacer, batch_size=30).run()
    assert sorted(report.sent) == sorted(ids) and report.messages == len(ids)
    assert Counter(posted_reminder_ids(db_bot.fake)) == dict.fromkeys(ids, 1)
    writes = [s for s in statements if s.lstrip().upper().startswith("UPDATE REMINDERS")]
    # One claim per batch, two writes per wave of up to 12 messages (one by one, it was 2 per message).
    assert len(writes) <= 0.6 * len(ids)
    assert pacer.waited(people[0].id) >= 3.0  # four messages to one conversation: a second apart


def test_waves_hold_one_message_per_conversation() -> None:
    from bot.reminders.dispatcher import _Ready, _waves
    from bot.reminders.outbox import OutgoingMessage

    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    units = [[_Ready(n, OutgoingMessage(channel, "x"), False, at)] for n, channel in enumerate("AABCA")]
    waves = _waves(units, 2)
    assert [[u[0].reminder_id for u in wave] for wave in waves] == [[0, 2], [1, 3], [4]]
