"""What people type reaches the database as typed, and is echoed safely and readably."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Activity
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
