from __future__ import annotations

from sqlalchemy import select

from bot.storage.models import Activity
from tests.helpers import Harness


def test_log_call_end_to_end(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice>")
    assert "Created *Acme Corp*" in bot.last_text()
    bot.command("/log", "call Acme Corp: discussed renewal, wants pricing for 20 more seats <!channel>")
    text = bot.last_text()
    assert "Logged a *call* with *Acme Corp*" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    with bot.db() as s:
        act = s.scalars(select(Activity)).one()
        assert act.type == "call" and act.user_id == "U0ALICE"
    bot.click("Undo")
    assert "Undone" in bot.last_text()
    with bot.db() as s:
        assert s.scalars(select(Activity)).one().undone_at is not None
