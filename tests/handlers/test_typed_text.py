"""What people type reaches the database as typed, and is echoed safely and readably."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Account, Activity
from tests.helpers import Harness


def test_entities_slack_sends_are_stored_as_typed_and_echoed_once_escaped(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    # The person typed: R&D asked for <b>20</b> seats, cc @bob; Slack sends entities and a mention.
    bot.command("/log", "call Acme Corp: R&amp;D asked for &lt;b&gt;20&lt;/b&gt; seats, cc <@U0BOB|bob>")
    with bot.db() as s:
        notes = s.scalars(select(Activity.notes)).one()
    assert notes == "R&D asked for <b>20</b> seats, cc <@U0BOB|bob>"
    shown = bot.last_text()
    assert "R&amp;D asked for &lt;b&gt;20&lt;/b&gt; seats, cc @bob" in shown  # reads as typed, pings nobody
    assert "<@U0BOB" not in shown and "&amp;amp;" not in shown


def test_a_shortcut_message_is_prefilled_and_stored_as_typed(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    # The message said: R&D wants <b>20</b> seats <!channel> (typed, so Slack escaped it).
    message = {
        "type": "message",
        "ts": "1700000000.000200",
        "text": "R&amp;D wants &lt;b&gt;20&lt;/b&gt; &lt;!channel&gt;",
    }
    bot.slack.shortcut("log_message_as_activity", message, channel="C0DEALS")
    view = bot.last_view()
    notes = next(b for b in view["blocks"] if b.get("block_id") == "notes")["element"]
    assert notes["initial_value"] == "R&D wants <b>20</b> <!channel>"
    with bot.db() as s:
        acme = s.scalars(select(Account.id)).one()
    values = {
        "account": {"account": {"selected_option": {"value": str(acme)}}},
        "type": {"type": {"selected_option": {"value": "note"}}},
        "date": {"date": {"selected_date": "2026-11-23"}},
        "time": {"time": {"selected_time": "09:00"}},
        "notes": {"notes": {"value": notes["initial_value"]}},
    }
    bot.slack.submit(view, values)
    with bot.db() as s:
        assert s.scalars(select(Activity.notes)).one() == "R&D wants <b>20</b> <!channel>"
    shown = bot.fake.params("chat.postEphemeral")[-1]
    assert "R&amp;D wants &lt;b&gt;20&lt;/b&gt; &lt;!channel&gt;" in str(shown["blocks"])
    assert "&amp;amp;" not in str(shown["blocks"]) and "&amp;lt;" not in str(shown["blocks"])
