"""/salesbot failed: admins see failed deliveries and retry them; others are politely refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.reminders.dispatcher import Dispatcher
from bot.reminders.outbox import enqueue
from bot.storage.models import Reminder
from tests.helpers import FakeSlack, Harness, all_text, buttons, queue_reminders


@pytest.fixture
def admin_bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text('[roles]\nadmins = ["U0CAROL"]\n')
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def fail_some(bot: Harness) -> tuple[int, int, int]:
    [archived] = queue_reminders(bot, recipient_id="U0ALICE", channel_id="C0ARCHIVED", title="Visit")
    [ghost] = queue_reminders(bot, recipient_id="U0GHOST", title="Call Ghost Inc")

    def broken(services: object, session: object, reminder: Reminder) -> None:
        raise ValueError("<!channel> no template")

    bot.services.renderers["broken"] = broken
    with bot.db() as s:
        row = enqueue(s, kind="broken", due_at=bot.clock.now(), now=bot.clock.now(), recipient_id="U0CAROL")
        assert row is not None
        broken_id = row.id
    bot.fake.fail("chat.postMessage", "is_archived")  # the first send (due first): the channel post
    report = Dispatcher(bot.services).run_once()
    assert sorted(report.failed) == sorted([ghost, archived, broken_id])
    return ghost, archived, broken_id


def test_admin_lists_failed_deliveries_and_retries_one(admin_bot: Harness) -> None:
    bot = admin_bot
    ghost, archived, broken_id = fail_some(bot)
    bot.command("/salesbot", "failed", user="U0CAROL")
    text = bot.last_text()
    assert "Failed deliveries (3)" in text
    assert "*test_reminder* → <#C0ARCHIVED> (for <@U0ALICE>)" in text and "`is_archived`" in text
    assert "*test_reminder* → <@U0GHOST> (DM)" in text and "`channel_not_found`" in text
    assert "renderer failed: ValueError: &lt;!channel&gt; no template" in text and "<!channel>" not in text
    assert "Due Mon 23 Nov, 09:00 · 1 attempt\n" in text  # in Carol's zone (UTC)
    retry_buttons = buttons(bot.last_reply()["blocks"])
    assert sorted(b["value"] for b in retry_buttons) == sorted(str(i) for i in (ghost, archived, broken_id))
    assert {b["text"]["text"] for b in retry_buttons} == {"Retry"}

    button = next(b for b in retry_buttons if b["value"] == str(archived))
    bot.slack.click(button, user="U0CAROL")
    reply = bot.last_reply()
    assert reply.get("replace_original") is True
    assert "Queued again: *test_reminder* → <#C0ARCHIVED>" in bot.last_text()
    assert "Failed deliveries (2)" in bot.last_text()
    with bot.db() as s:
        row = s.get(Reminder, archived)
        assert row is not None and (row.status, row.attempts) == ("pending", 1)

    assert Dispatcher(bot.services).run_once().sent == [archived]
    [posted] = bot.fake.history("C0ARCHIVED")
    with bot.db() as s:
        row = s.get(Reminder, archived)
        assert row is not None and (row.status, row.sent_ts) == ("sent", posted["ts"])

    bot.slack.click(button, user="U0CAROL")  # a stale button
    assert "not failed any more (it is *sent*)" in bot.last_text()


def test_non_admins_are_politely_refused(admin_bot: Harness) -> None:
    bot = admin_bot
    ghost, _, _ = fail_some(bot)
    bot.command("/salesbot", "failed", user="U0ALICE")
    assert "Sorry, only salesbot admins can see failed deliveries" in bot.last_text()
    assert "Failed deliveries" not in bot.last_text()
    bot.slack.block_action("retry_delivery", str(ghost), user="U0ALICE")
    assert "Sorry, only salesbot admins" in bot.last_text()
    with bot.db() as s:
        row = s.get(Reminder, ghost)
        assert row is not None and row.status == "failed"


def test_nothing_failed(admin_bot: Harness) -> None:
    queue_reminders(admin_bot)
    Dispatcher(admin_bot.services).run_once()
    admin_bot.command("/salesbot", "failed", user="U0CAROL")
    assert "No failed deliveries" in admin_bot.last_text()


def test_help_mentions_failed(bot: Harness) -> None:
    bot.command("/salesbot", "help")
    assert "/salesbot failed" in all_text(bot.last_reply()["blocks"])
