"""/salesbot role and /salesbot roles end to end: admins change roles (people and Slack user groups),
everyone reads them, the last admin stays, every change is in the audit trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.cli import main
from bot.storage.models import AuditEntry, Role
from tests.helpers import FakeSlack, FakeUser, Harness

CONFIG = """
[roles]
admins = ["U0ADMIN"]
viewers = ["U0CAROL"]
[roles.managers]
"U0MGR" = ["U0ALICE"]
"""
GROUP = "<!subteam^S0MGRS|@sales-managers>"


@pytest.fixture
def roles_bot(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    fake_slack.add_user(FakeUser("U0MGR", "manager", tz="UTC"))
    fake_slack.add_user(FakeUser("U0ADMIN", "admin", tz="UTC"))
    fake_slack.add_usergroup("S0MGRS", ["U0BOB", "U0DANA"])
    config = tmp_path / "salesbot.toml"
    config.write_text(CONFIG)
    return Harness.create(fake_slack, session_factory, config_path=str(config))


def test_seeded_from_the_playbook_and_listed_for_everyone(roles_bot: Harness) -> None:
    bot = roles_bot
    bot.command("/salesbot", "roles", user="U0CAROL")
    text = bot.last_text()
    assert "*admin*: <@U0ADMIN>" in text and "*manager*: <@U0MGR>" in text and "*viewer*: <@U0CAROL>" in text
    bot.command("/salesbot", "role <@U0BOB|bob>", user="U0BOB")
    assert "<@U0BOB> is *rep* (the default" in bot.last_text()


def test_admins_change_roles_and_the_trail_says_who(roles_bot: Harness) -> None:
    bot = roles_bot
    bot.command("/salesbot", "role <@U0BOB|bob> csm", user="U0ADMIN")
    assert "<@U0BOB> is now *csm*" in bot.last_text()
    bot.command("/salesbot", "role <@U0BOB|bob> remove", user="U0ADMIN")
    assert "<@U0BOB> no longer has a role of their own (was *csm*)" in bot.last_text()
    with bot.db() as s:
        trail = list(
            s.scalars(select(AuditEntry).where(AuditEntry.record_type == "role").order_by(AuditEntry.id))
        )
    bob = [e for e in trail if e.record_id == "T_LOCAL:U0BOB"]
    assert [(e.action, e.actor_id, e.surface) for e in bob] == [
        ("create", "U0ADMIN", "command"),
        ("delete", "U0ADMIN", "command"),
    ]
    assert bob[0].changes["role"] == [None, "csm"]


@pytest.mark.parametrize("user", ["U0MGR", "U0ALICE", "U0CAROL"])
def test_only_admins_change_roles(roles_bot: Harness, user: str) -> None:
    bot = roles_bot
    before = bot.count(AuditEntry)
    bot.command("/salesbot", f"role <@{user}|me> admin", user=user)
    assert "only salesbot admins can change roles (admins: <@U0ADMIN>)" in bot.last_text()
    bot.command("/salesbot", f"role {GROUP} admin", user=user)
    assert "only salesbot admins can change roles" in bot.last_text()
    assert bot.count(AuditEntry) == before
    assert not bot.fake.calls("usergroups.users.list")  # refused before asking Slack anything


def test_a_user_group_gives_its_members_a_role(roles_bot: Harness) -> None:
    bot = roles_bot
    bot.command("/salesbot", f"role {GROUP} manager", user="U0ADMIN")
    assert "the group *@sales-managers* (2 people) is now *manager*" in bot.last_text()
    bot.command("/salesbot", "role <@U0DANA|dana>", user="U0DANA")
    assert "<@U0DANA> is *manager* (through the group *@sales-managers*" in bot.last_text()
    # Someone joins the group in Slack: the next refresh (hourly, by the scheduler) picks them up.
    bot.fake.add_usergroup("S0MGRS", ["U0BOB", "U0DANA", "U0ERIN"])
    bot.run_planning()
    bot.command("/salesbot", "role <@U0ERIN|erin>", user="U0ERIN")
    assert "is *rep*" in bot.last_text()  # the copy is fresh (read a moment ago): not read again yet
    bot.clock.advance(hours=1)
    bot.run_planning()
    bot.command("/salesbot", "role <@U0ERIN|erin>", user="U0ERIN")
    assert "<@U0ERIN> is *manager*" in bot.last_text()
    # Their own role wins over the group's.
    bot.command("/salesbot", "role <@U0ERIN|erin> viewer", user="U0ADMIN")
    bot.command("/salesbot", "role <@U0ERIN|erin>", user="U0ERIN")
    assert "is *viewer* (their own role)" in bot.last_text()


def test_unknown_user_group_and_bad_input_write_nothing(roles_bot: Harness) -> None:
    bot = roles_bot
    before = bot.count(Role)
    bot.command("/salesbot", "role <!subteam^S0NOPE|@ghosts> manager", user="U0ADMIN")
    assert (
        "doesn't let me read the members of that group (no_such_subteam); nothing changed" in bot.last_text()
    )
    bot.command("/salesbot", "role <@U0BOB|bob> boss", user="U0ADMIN")
    assert (
        "“boss” is not a role" in bot.last_text()
        and "Example: `/salesbot role @dana manager`" in bot.last_text()
    )
    bot.command("/salesbot", "role bob manager", user="U0ADMIN")
    assert "is not a person or a user group" in bot.last_text()
    assert bot.count(Role) == before


def test_the_last_admin_cannot_be_removed(roles_bot: Harness) -> None:
    bot = roles_bot
    bot.command("/salesbot", "role <@U0ADMIN|admin> rep", user="U0ADMIN")
    assert "would leave no admin" in bot.last_text()
    bot.command("/salesbot", "role <@U0ADMIN|admin> remove", user="U0ADMIN")
    assert "would leave no admin" in bot.last_text()
    bot.command("/salesbot", "role <@U0MGR|mgr> admin", user="U0ADMIN")
    bot.command("/salesbot", "role <@U0ADMIN|admin> remove", user="U0ADMIN")
    assert "no longer has a role of their own (was *admin*)" in bot.last_text()
    bot.command("/salesbot", "roles", user="U0ALICE")
    assert "*admin*: <@U0MGR>" in bot.last_text()


def test_the_shell_names_the_first_admin(
    bot: Harness, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An install whose playbook named no admin: the operator names one with ``salesbot role``."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("SALESBOT_CONFIG", raising=False)
    bot.command("/salesbot", "role <@U0BOB|bob> admin", user="U0ALICE")
    assert "only salesbot admins can change roles (admins are listed by `/salesbot roles`)" in bot.last_text()
    assert main(["role", "U0ALICE", "admin"]) == 0
    assert "U0ALICE is now admin" in capsys.readouterr().out
    assert main(["role", "alice", "admin"]) == 2 and "not a Slack user id" in capsys.readouterr().err
    assert main(["role", "U0BOB", "boss"]) == 2 and "not a role" in capsys.readouterr().err
    bot.command("/salesbot", "role <@U0BOB|bob> manager", user="U0ALICE")
    assert "<@U0BOB> is now *manager*" in bot.last_text()
    with bot.db() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.record_id == "T_LOCAL:U0ALICE")).one()
        assert (entry.actor_id, entry.surface) == (None, "cli")
