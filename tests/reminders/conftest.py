"""Fixtures shared by the reminder tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FakeSlack, FakeUser, Harness

MANAGER_CONFIG = """
[roles.managers]
"U0MGR" = ["U0ALICE"]
"""


@pytest.fixture
def team(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    """U0MGR manages Alice; Acme Corp is a customer owned by Alice, with Carol as its CSM."""
    fake_slack.add_user(FakeUser("U0MGR", "manager", tz="UTC"))
    config = tmp_path / "salesbot.toml"
    config.write_text(MANAGER_CONFIG)
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice> csm:<@U0CAROL|carol>")
    return bot
