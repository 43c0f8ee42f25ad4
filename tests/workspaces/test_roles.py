"""Roles are per workspace: seeded from the playbook when a workspace is first served, changed by that
workspace's admins only, deleted with it by ``salesbot purge team``."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from bot.purge import run_purge_team
from bot.storage.db import unit_of_work
from bot.storage.models import Role
from bot.storage.tenancy import ALL_TEAMS
from tests.helpers import FakeSlack
from tests.workspaces.conftest import TEAMS, deploy


def roles_by_team(d_factory: object) -> dict[str, dict[str, str]]:
    with unit_of_work(d_factory) as session:  # type: ignore[arg-type]
        rows = session.execute(
            select(Role.team_id, Role.subject_id, Role.role).execution_options(**{ALL_TEAMS: True})
        ).all()
    found: dict[str, dict[str, str]] = {}
    for team, subject, role in rows:
        found.setdefault(team, {})[subject] = role
    return found


def test_an_admin_of_one_workspace_is_nobody_special_in_the_other(
    fake_slack: FakeSlack, db_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "salesbot.toml"
    config.write_text('[roles]\nadmins = ["U0CAROL"]\n[roles.managers]\nU0CAROL = ["U0BOB"]\n')
    with deploy(fake_slack, db_url, config_path=str(config)) as d:
        for team in TEAMS:  # each workspace, first seen: the playbook's [roles] become its roles
            listed = d.command(team, "/salesbot", "roles")
            assert "U0CAROL" in listed and "U0BOB" not in listed
        assert "is now *admin*" in d.command(
            "T0NORTH", "/salesbot", "role <@U0BOB|bob> admin", user="U0CAROL"
        )

        refused = d.command("T0SOUTH", "/salesbot", "role <@U0ALICE|alice> admin", user="U0BOB")
        assert "only salesbot admins can change roles" in refused and "<@U0CAROL>" in refused
        assert "<@U0BOB>" not in refused.replace("role <@U0BOB", "")  # not named as an admin there
        assert "U0BOB" not in d.command("T0SOUTH", "/salesbot", "roles")
        assert "U0BOB" in d.command("T0NORTH", "/salesbot", "roles")
        seeded = {"U0CAROL": "admin"}
        assert roles_by_team(d.services.session_factory) == {
            "T0NORTH": {**seeded, "U0BOB": "admin"},
            "T0SOUTH": {**seeded},
        }
        # The managers of [roles] became each workspace's teams as well.
        for team in TEAMS:
            assert "<@U0BOB>" in d.command(team, "/team", "show <@U0CAROL|carol>")

        assert run_purge_team(d.settings, "T0SOUTH", yes=True, out=io.StringIO()) == 0
        assert roles_by_team(d.services.session_factory) == {"T0NORTH": {**seeded, "U0BOB": "admin"}}


def test_without_admins_in_the_playbook_the_installer_is_the_first_admin(
    fake_slack: FakeSlack, db_url: str
) -> None:
    with deploy(fake_slack, db_url, installer="U0CAROL") as d:
        refused = d.command("T0NORTH", "/salesbot", "role <@U0BOB|bob> admin", user="U0ALICE")
        assert "only salesbot admins can change roles (admins: <@U0CAROL>)" in refused
        assert "is now *admin*" in d.command(
            "T0NORTH", "/salesbot", "role <@U0BOB|bob> admin", user="U0CAROL"
        )
        assert roles_by_team(d.services.session_factory)["T0NORTH"] == {"U0CAROL": "admin", "U0BOB": "admin"}
