"""/team end to end: admins and the manager change a team, everyone reads it, bad input writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.models import TeamMember, TeamSetting
from tests.helpers import FakeSlack, FakeUser, Harness, mrkdwn_text

CONFIG = """
[roles]
admins = ["U0ADMIN"]
[roles.managers]
"U0MGR" = ["U0ALICE"]
"""
MGR, ADMIN = "<@U0MGR|manager>", "<@U0ADMIN|admin>"


@pytest.fixture
def teams_bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    fake_slack.add_user(FakeUser("U0MGR", "manager", tz="UTC"))
    fake_slack.add_user(FakeUser("U0ADMIN", "admin", tz="UTC"))
    config = tmp_path / "salesbot.toml"
    config.write_text(CONFIG)
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def test_seeded_from_the_playbook_then_managed_from_slack(teams_bot: Harness) -> None:
    bot = teams_bot
    bot.command("/team", user="U0CAROL")
    assert "<@U0MGR> ← <@U0ALICE>" in bot.last_text()
    bot.command("/team", f"add {MGR} <@U0BOB|bob> <@U0CAROL|carol>", user="U0MGR")
    assert "Added <@U0BOB>, <@U0CAROL> to <@U0MGR>'s team" in bot.last_text()
    assert "Team now: <@U0ALICE>, <@U0BOB>, <@U0CAROL>" in bot.last_text()
    bot.command("/team", f"remove {MGR} <@U0BOB|bob>", user="U0ADMIN")
    assert "Removed <@U0BOB>" in bot.last_text()
    bot.command("/team", f"channel {MGR} <#C0SALES|sales>", user="U0MGR")
    assert "weekly digest now goes to <#C0SALES>" in bot.last_text()
    bot.command("/team", f"show {MGR}", user="U0BOB")
    text = bot.last_text()
    assert "<@U0MGR>'s team* (2)" in text and "<@U0ALICE>, <@U0CAROL>" in text and "<#C0SALES>" in text
    with bot.db() as s:
        assert s.get(TeamSetting, ("T_LOCAL", "U0MGR")).channel_id == "C0SALES"  # type: ignore[union-attr]
    bot.command("/team", f"add {ADMIN} <@U0CAROL|carol>", user="U0ADMIN")
    assert "<@U0CAROL> moved from <@U0MGR>'s team" in bot.last_text()


def test_only_admins_and_the_manager_change_a_team(teams_bot: Harness) -> None:
    bot = teams_bot
    bot.command("/team", f"add {MGR} <@U0BOB|bob>", user="U0ALICE")
    assert "only <@U0MGR>, a manager above them or an admin can change" in bot.last_text()
    bot.command("/team", f"channel {MGR} <#C0SALES|sales>", user="U0BOB")
    assert "only <@U0MGR>, a manager above them or an admin" in bot.last_text()
    assert bot.count(TeamMember) == 1 and bot.count(TeamSetting) == 0


@pytest.mark.parametrize(
    ("text", "message", "example"),
    [
        ("add bob <@U0BOB|bob>", "“bob” is not a person", "/team add @manager @alice @bob"),
        (f"add {MGR}", "Name the people to add", "/team add @manager @alice @bob"),
        (f"add {MGR} <@U0MGR|manager>", "can't be in their own team", "/team add @manager @alice @bob"),
        (f"remove {MGR} <@U0BOB|bob>", "<@U0BOB> not in <@U0MGR>'s team", "/team remove @manager @bob"),
        (f"channel {MGR} sales", "“sales” is not a channel", "/team channel @manager #sales-team"),
        ("fire <!channel>", "I don't know `/team fire`", "/team add @manager @alice @bob"),
        ("show", "Name the manager first", "/team show @manager"),
    ],
)
def test_bad_input_explains_and_writes_nothing(
    teams_bot: Harness, text: str, message: str, example: str
) -> None:
    bot = teams_bot
    bot.command("/team", text, user="U0ADMIN")
    reply = bot.last_text()
    assert message in reply and f"Example: `{example}`" in reply
    assert "<!channel>" not in mrkdwn_text(bot.last_reply())
    assert bot.count(TeamMember) == 1 and bot.count(TeamSetting) == 0


def test_escalation_follows_the_team_in_the_database(teams_bot: Harness) -> None:
    bot = teams_bot
    bot.command("/account", "add Acme Corp status:customer owner:<@U0BOB|bob>")
    bot.command("/team", f"add {ADMIN} <@U0BOB|bob>", user="U0ADMIN")
    bot.command("/signal", "Acme Corp upsell: 20 more seats", user="U0CAROL")
    assert "it goes to <@U0ADMIN>" in bot.last_text()
    bot.clock.advance(days=3)
    bot.tick()
    assert any("20 more seats" in str(p.get("blocks")) for p in bot.dms("U0ADMIN"))
    assert not any("20 more seats" in str(p.get("blocks")) for p in bot.dms("U0MGR"))
