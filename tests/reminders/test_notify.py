from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from bot.reminders.dispatcher import Dispatcher
from bot.reminders.notify import account_channel, enqueue_notice
from bot.reminders.outbox import OutgoingMessage
from bot.storage.models import Account, Reminder
from tests.helpers import Harness


def test_dm_and_channel_rows_dedupe_and_requeue_after_cancel(bot: Harness) -> None:
    now = bot.clock.now()
    at = now + timedelta(hours=1)
    with bot.db() as s:
        rows = enqueue_notice(
            s, kind="k", recipient_id="U0BOB", channel_id="C0ACME", due_at=at, now=now, dedupe_key="k:1"
        )
        assert [(r.recipient_id, r.channel_id, r.dedupe_key) for r in rows] == [
            ("U0BOB", None, "k:1"),
            ("U0BOB", "C0ACME", "k:1:channel:C0ACME"),
        ]
        again = enqueue_notice(
            s, kind="k", recipient_id="U0BOB", channel_id="C0ACME", due_at=at, now=now, dedupe_key="k:1"
        )
        assert again == []
        for r in rows:
            r.status = "cancelled"
        s.flush()
        requeued = enqueue_notice(s, kind="k", recipient_id="U0BOB", due_at=at, now=now, dedupe_key="k:1")
        assert [r.dedupe_key for r in requeued] == ["k:1#1"]
        assert enqueue_notice(s, kind="k", recipient_id="U0BOB", due_at=at, now=now, dedupe_key="k:1") == []


def test_both_rows_are_delivered_by_the_kind_renderer(bot: Harness) -> None:
    def render(services, session, r: Reminder) -> OutgoingMessage:  # type: ignore[no-untyped-def]
        if r.channel_id:
            return OutgoingMessage(r.channel_id, f"<@{r.recipient_id}> heads up")
        return OutgoingMessage(r.recipient_id or "", "heads up")

    bot.services.renderers["k"] = render
    now = bot.clock.now()
    with bot.db() as s:
        enqueue_notice(
            s, kind="k", recipient_id="U0CAROL", channel_id="C0ACME", due_at=now, now=now, dedupe_key="k:2"
        )
    assert len(Dispatcher(bot.services, instance_id="t").run_once().sent) == 2
    assert [p["text"] for p in bot.posts_in("C0ACME")] == ["<@U0CAROL> heads up"]
    assert [p["text"] for p in bot.dms("U0CAROL")] == ["heads up"]


def test_account_channel_follows_the_playbook_switch(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp channel:<#C0ACME|acme-team>")
    with bot.db() as s:
        account = s.scalars(select(Account)).one()
        playbook = bot.services.playbook
        assert account_channel(playbook, account, "followup") is None  # default: off
        assert account_channel(playbook, account, "visit_announcement") == "C0ACME"
        on = dataclasses.replace(playbook, channel_posts={"followup": True})
        assert account_channel(on, account, "followup") == "C0ACME"
        account.channel_id = None
        assert account_channel(on, account, "followup") is None
