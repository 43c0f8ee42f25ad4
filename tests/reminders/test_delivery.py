"""Exactly-once delivery: crashes, lost responses, rate limits, server errors, permanent errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.reminders import dispatcher as dispatch_module
from bot.reminders.dispatcher import MAX_ATTEMPTS, Dispatcher, backoff
from bot.storage.models import Reminder
from tests.helpers import Harness, all_text, posted_reminder_ids, queue_reminders


class Crash(BaseException):
    """The process dies here (BaseException: nothing on the way catches it)."""


def row(bot: Harness, reminder_id: int) -> Reminder:
    with bot.db() as s:
        reminder = s.get(Reminder, reminder_id)
        assert reminder is not None
        return reminder


def lease(bot: Harness) -> timedelta:
    return timedelta(seconds=bot.services.playbook.claim_lease_seconds)


def test_crash_between_claim_and_send_is_recovered_after_the_lease(bot: Harness) -> None:
    [rid] = queue_reminders(bot)
    a = Dispatcher(bot.services, instance_id="a")
    assert a.claim(bot.clock.now()) == [rid]  # a claims, then dies before sending
    b = Dispatcher(bot.services, instance_id="b")
    assert b.run_once().sent == []  # the lease still holds
    bot.clock.advance(lease(bot) + timedelta(seconds=1))
    report = b.run_once()
    assert report.sent == [rid] and report.recovered == []
    assert bot.fake.calls("conversations.history") == []  # attempts was 0: nothing to look for
    assert posted_reminder_ids(bot.fake) == [rid]
    r = row(bot, rid)
    assert (r.status, r.claimed_by, r.attempts) == ("sent", "b", 1)


def test_crash_after_send_before_mark_does_not_send_again(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    [rid] = queue_reminders(bot)
    a = Dispatcher(bot.services, instance_id="a")

    def die(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(a, "_mark_sent", die)
    with pytest.raises(Crash):
        a.run_once()
    [posted] = bot.fake.history("D0ALICE")
    r = row(bot, rid)
    assert (r.status, r.attempts, r.sent_ts) == ("claimed", 1, None)

    bot.clock.advance(lease(bot) + timedelta(seconds=1))
    report = Dispatcher(bot.services, instance_id="b").run_once()
    assert report.sent == [rid] and report.recovered == [rid]
    assert posted_reminder_ids(bot.fake) == [rid]  # one chat.postMessage in all
    [opened] = bot.fake.params("conversations.open")
    assert opened["users"] == "U0ALICE"
    [history] = bot.fake.params("conversations.history")
    assert history["channel"] == "D0ALICE" and history["include_all_metadata"] in ("1", "true", True)
    r = row(bot, rid)
    assert (r.status, r.sent_ts, r.sent_channel) == ("sent", posted["ts"], "D0ALICE")


def test_lost_response_is_not_sent_twice(bot: Harness) -> None:
    [rid] = queue_reminders(bot)
    bot.fake.lose_response("chat.postMessage")
    d = Dispatcher(bot.services, instance_id="a")
    report = d.run_once()
    assert report.retrying == [rid] and report.sent == []
    assert len(bot.fake.history("D0ALICE")) == 1  # it did arrive; we just never heard back
    r = row(bot, rid)
    assert (r.status, r.attempts, r.next_attempt_at) == ("pending", 1, bot.clock.now() + backoff(1))

    bot.clock.advance(backoff(1))
    report = d.run_once()
    assert report.recovered == [rid]
    assert posted_reminder_ids(bot.fake) == [rid]
    assert row(bot, rid).sent_ts == bot.fake.history("D0ALICE")[0]["ts"]


def test_timeout_before_anything_was_posted_is_retried(bot: Harness) -> None:
    [rid] = queue_reminders(bot, channel_id="C0ACME", recipient_id="U0ALICE")
    bot.fake.fail("chat.postMessage", "internal_error", status=503)
    d = Dispatcher(bot.services, instance_id="a")
    assert d.run_once().retrying == [rid]
    bot.clock.advance(backoff(1))
    report = d.run_once()
    assert report.sent == [rid] and report.recovered == []
    # A channel needs no conversations.open; its history was read and held nothing.
    assert bot.fake.calls("conversations.open") == []
    assert [p["channel"] for p in bot.fake.params("conversations.history")] == ["C0ACME"]
    assert posted_reminder_ids(bot.fake) == [rid, rid]  # the first call failed, the second posted
    assert len(bot.fake.history("C0ACME")) == 1


def test_rate_limit_waits_for_retry_after_without_sleeping(bot: Harness) -> None:
    ids = queue_reminders(bot, 3, recipient_id="U0CAROL")
    bot.fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=30)
    d = Dispatcher(bot.services, instance_id="a")
    report = d.run_once()
    assert report.sent == [] and sorted(report.deferred) == ids
    assert len(bot.fake.calls("chat.postMessage")) == 1  # the pass stopped at the 429
    for rid in ids:
        r = row(bot, rid)
        assert (r.status, r.attempts) == ("pending", 0)
        assert r.next_attempt_at == bot.clock.now() + timedelta(seconds=30)
    bot.clock.advance(seconds=29)
    assert d.run_once().sent == []
    bot.clock.advance(seconds=1)
    assert d.run_once().sent == ids
    assert bot.fake.calls("conversations.history") == []  # a 429 proves nothing was posted
    assert len(bot.dms("U0CAROL")) == 4


def test_server_errors_back_off_exponentially_then_fail(bot: Harness) -> None:
    [rid] = queue_reminders(bot, recipient_id="U0CAROL")
    bot.fake.fail("chat.postMessage", "internal_error", status=500, times=MAX_ATTEMPTS)
    d = Dispatcher(bot.services, instance_id="a")
    for attempt in range(1, MAX_ATTEMPTS):
        assert d.run_once().retrying == [rid]
        r = row(bot, rid)
        assert r.attempts == attempt and r.next_attempt_at == bot.clock.now() + backoff(attempt)
        bot.clock.advance(backoff(attempt) - timedelta(seconds=1))
        assert d.run_once().sent == []  # not before the backoff has passed
        bot.clock.advance(seconds=1)
    assert d.run_once().failed == [rid]
    r = row(bot, rid)
    assert r.status == "failed" and r.attempts == MAX_ATTEMPTS
    assert r.last_error == f"internal_error (gave up after {MAX_ATTEMPTS} attempts)"
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20) == timedelta(hours=1)


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "not_in_channel", "account_inactive"])
def test_permanent_errors_fail_with_the_reason(bot: Harness, error: str) -> None:
    [rid] = queue_reminders(bot, channel_id="C0GONE", recipient_id=None)
    bot.fake.fail("chat.postMessage", error)
    report = Dispatcher(bot.services, instance_id="a").run_once()
    assert report.failed == [rid]
    r = row(bot, rid)
    assert (r.status, r.last_error, r.attempts) == ("failed", error, 1)
    bot.clock.advance(hours=2)
    assert Dispatcher(bot.services, instance_id="b").run_once().sent == []


def test_unknown_user_fails_with_channel_not_found(bot: Harness) -> None:
    [rid] = queue_reminders(bot, recipient_id="U0GHOST")
    assert Dispatcher(bot.services).run_once().failed == [rid]
    assert row(bot, rid).last_error == "channel_not_found"
    assert [r.error for r in bot.fake.refusals()] == ["channel_not_found"]


def test_unreadable_history_never_resends_blindly(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    [rid] = queue_reminders(bot)
    a = Dispatcher(bot.services, instance_id="a")
    monkeypatch.setattr(a, "_mark_sent", lambda *args, **kwargs: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        a.run_once()
    bot.fake.fail("conversations.history", "missing_scope")
    bot.clock.advance(lease(bot) + timedelta(seconds=1))
    report = Dispatcher(bot.services, instance_id="b").run_once()
    assert report.failed == [rid] and report.sent == []
    assert posted_reminder_ids(bot.fake) == [rid]
    assert "could not check whether an earlier attempt was delivered: missing_scope" in str(
        row(bot, rid).last_error
    )


def test_rate_limited_history_check_waits_too(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = queue_reminders(bot, 2)
    a = Dispatcher(bot.services, instance_id="a")
    monkeypatch.setattr(a, "_mark_sent", lambda *args, **kwargs: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        a.run_once()  # the first was posted, then the process died
    bot.clock.advance(lease(bot) + timedelta(seconds=1))
    bot.fake.fail("conversations.history", "ratelimited", status=429, retry_after=20)
    b = Dispatcher(bot.services, instance_id="b")
    report = b.run_once()
    assert sorted(report.deferred) == [first, second] and report.sent == []
    for rid in (first, second):
        r = row(bot, rid)
        assert r.status == "pending" and r.next_attempt_at == bot.clock.now() + timedelta(seconds=20)
    bot.clock.advance(seconds=20)
    report = b.run_once()
    assert report.recovered == [first] and report.sent == [first, second]
    assert posted_reminder_ids(bot.fake) == [first, second]


def test_renderer_returning_none_cancels_and_a_failing_renderer_fails(bot: Harness) -> None:
    [cancelled] = queue_reminders(bot)
    with bot.db() as s:
        s.get(Reminder, cancelled).payload = {"cancel": True}

    def broken(services: object, session: object, reminder: Reminder) -> None:
        raise KeyError("title")

    bot.services.renderers["broken"] = broken
    with bot.db() as s:
        from bot.reminders.outbox import enqueue

        broken_id = enqueue(
            s, kind="broken", due_at=bot.clock.now(), now=bot.clock.now(), recipient_id="U0CAROL"
        )
        assert broken_id is not None
        broken_id = broken_id.id
    report = Dispatcher(bot.services).run_once()
    assert report.cancelled == [cancelled] and report.failed == [broken_id]
    assert bot.fake.calls("chat.postMessage") == []
    assert row(bot, broken_id).last_error == "renderer failed: KeyError: 'title'"


def test_message_carries_the_reminder_metadata_and_blocks(bot: Harness) -> None:
    [rid] = queue_reminders(bot, title="Send the <!channel> sheet")
    Dispatcher(bot.services).run_once()
    [params] = bot.dms("U0ALICE")
    assert params["metadata"] == {"event_type": "salesbot_reminder", "event_payload": {"reminder_id": rid}}
    assert "Done" in str(params["blocks"]) and "sheet" in all_text(params["blocks"])
    with bot.db() as s:
        assert s.scalars(select(Reminder.status)).all() == ["sent"]


def test_sdk_retries_are_off_for_sends(bot: Harness) -> None:
    d = Dispatcher(bot.services)
    assert d.sender.retry_handlers == [] and d.sender.base_url == bot.services.client.base_url
    assert dispatch_module.sending_client(bot.services.client).token == bot.services.client.token
