"""After downtime: late reminders are delivered once, several for one person as one message."""

from __future__ import annotations

from datetime import timedelta

from bot.reminders.catchup import MAX_BLOCKS, combine, while_away
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.outbox import OutgoingMessage
from bot.storage.models import Reminder
from tests.helpers import Harness, all_text, buttons, posted_reminder_ids, queue_reminders


def test_late_reminders_for_one_person_come_as_one_message(bot: Harness) -> None:
    down_since = bot.clock.now()
    alice = queue_reminders(bot, 4, due_at=down_since + timedelta(minutes=5), every=timedelta(minutes=30))
    carol = queue_reminders(
        bot, 2, due_at=down_since + timedelta(minutes=5), every=timedelta(minutes=30), recipient_id="U0CAROL"
    )
    channel = queue_reminders(bot, 3, due_at=down_since + timedelta(minutes=5), channel_id="C0ACME")
    bot.clock.advance(hours=3)  # the bot was down; now it is back

    report = Dispatcher(bot.services).run_once()
    assert sorted(report.sent) == sorted(alice + carol + channel)
    assert report.messages == 1 + 2 + 3  # Alice: one; Carol (only two): each; a channel: each

    [message] = bot.dms("U0ALICE")
    text = all_text(message["blocks"])
    assert "While I was away…" in text and "4 reminders" in text
    for n in range(1, 5):
        assert f"Call Acme #{n}" in text
    assert [b["value"] for b in buttons(message["blocks"])] == [str(rid) for rid in alice]
    block_ids = [b["block_id"] for b in message["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)) == 1 + 4  # the heading's; Slack rejects repeated ids
    assert message["metadata"]["event_payload"]["reminder_ids"] == alice

    [posted] = bot.fake.history("D0ALICE")
    with bot.db() as s:
        for rid in alice:
            r = s.get(Reminder, rid)
            assert r is not None
            assert (r.status, r.sent_ts, r.sent_channel) == ("sent", posted["ts"], "D0ALICE")
    assert len(bot.dms("U0CAROL")) == 2
    assert Dispatcher(bot.services).run_once().sent == []  # delivered once


def test_reminders_due_at_one_moment_come_together_and_others_alone(bot: Harness) -> None:
    now = bot.clock.now()
    rush = queue_reminders(bot, 3, title="Rush", every=timedelta(0))  # all due now, for Alice
    spaced = queue_reminders(bot, 2, due_at=now - timedelta(minutes=2), every=timedelta(minutes=1))
    [single] = queue_reminders(bot, recipient_id="U0CAROL", title="Carol's one")
    report = Dispatcher(bot.services).run_once()
    assert sorted(report.sent) == sorted(rush + spaced + [single])
    assert report.messages == 1 + 2 + 1
    [together] = [m for m in bot.dms("U0ALICE") if "Rush" in m["text"]]
    text = all_text(together["blocks"])
    assert "3 reminders for you" in text and "While I was away" not in text
    assert [b["value"] for b in buttons(together["blocks"])] == [str(rid) for rid in rush]
    assert together["metadata"]["event_payload"]["reminder_ids"] == rush
    [carols] = bot.dms("U0CAROL")
    assert all_text(carols["blocks"]).startswith(":alarm_clock: Carol's one")  # a single one stays single
    with bot.db() as s:
        assert len({s.get(Reminder, rid).sent_ts for rid in rush}) == 1  # type: ignore[union-attr]


def test_combined_message_recovered_after_a_crash(bot: Harness) -> None:
    ids = queue_reminders(bot, 3, due_at=bot.clock.now() - timedelta(hours=1))
    bot.fake.lose_response("chat.postMessage")
    d = Dispatcher(bot.services)
    assert sorted(d.run_once().retrying) == ids
    bot.clock.advance(minutes=5)
    report = d.run_once()
    assert sorted(report.recovered) == ids and report.messages == 0
    assert sorted(posted_reminder_ids(bot.fake)) == ids
    [posted] = bot.fake.history("D0ALICE")
    with bot.db() as s:
        assert {s.get(Reminder, rid).sent_ts for rid in ids} == {posted["ts"]}  # type: ignore[union-attr]


def test_combine_keeps_messages_within_the_block_limit() -> None:
    messages = [
        OutgoingMessage(
            "U0ALICE", f"r{i}", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 4
        )
        for i in range(25)
    ]
    groups = combine(messages)
    assert [i for g in groups for i in g] == list(range(25))
    for group in groups:
        assert len(while_away([messages[i] for i in group]).blocks) <= MAX_BLOCKS
    assert len(groups) == 3
    plain = while_away([OutgoingMessage("U0ALICE", "one"), OutgoingMessage("U0ALICE", "two")])
    assert "one" in all_text(plain.blocks) and "two" in all_text(plain.blocks)
