"""Queueing many reminders at once: chunked multi-row inserts, duplicate keys skipped as one at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.reminders import outbox
from bot.storage.models import Reminder
from tests.helpers import Harness

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_many_reminders_are_queued_in_chunks_and_duplicates_skipped(
    db_bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BULK_CHUNK", 2)
    with db_bot.db() as s:
        outbox.enqueue(s, kind="followup_due", due_at=NOW, now=NOW, recipient_id="U0ALICE", dedupe_key="k1")
    rows = [
        {
            "kind": "followup_due",
            "due_at": NOW + timedelta(minutes=i),
            "recipient_id": "U0BOB",
            "dedupe_key": f"k{i}",
        }
        for i in range(5)
    ]
    rows.append({"kind": "digest", "due_at": NOW, "channel_id": "C_SALES", "payload": {"week": 48}})
    rows.append({"kind": "followup_due", "due_at": NOW, "recipient_id": "U0BOB", "dedupe_key": "k3"})
    with db_bot.db() as s:
        assert outbox.enqueue_many(s, rows, now=NOW) == 5  # k0, k2, k3, k4 and the digest
    with db_bot.db() as s:
        queued = s.execute(
            select(
                Reminder.dedupe_key,
                Reminder.recipient_id,
                Reminder.channel_id,
                Reminder.payload,
                Reminder.status,
            ).order_by(Reminder.id)
        ).all()
    assert [tuple(r) for r in queued] == [
        ("k1", "U0ALICE", None, {}, "pending"),
        ("k0", "U0BOB", None, {}, "pending"),
        ("k2", "U0BOB", None, {}, "pending"),
        ("k3", "U0BOB", None, {}, "pending"),
        ("k4", "U0BOB", None, {}, "pending"),
        (None, None, "C_SALES", {"week": 48}, "pending"),
    ]


def test_a_reminder_without_recipient_or_channel_is_refused(db_bot: Harness) -> None:
    with db_bot.db() as s, pytest.raises(ValueError, match="recipient or a channel"):
        outbox.enqueue_many(s, [{"kind": "followup_due", "due_at": NOW}], now=NOW)
