"""Roles in the database: precedence (own row, then groups, then the default), the last admin, the seed."""

from __future__ import annotations

import pytest

from bot.domain import roles
from bot.domain.errors import UserError
from bot.storage.db import unit_of_work
from tests.domain.test_teams import NOW


def test_own_role_then_highest_group_then_default(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        roles.set_role(s, "U0ADMIN", "admin", now=NOW, set_by=None)
        assert roles.role_of(s, "U0DANA") == "rep"
        roles.set_role(s, "S0CSM", "csm", now=NOW, set_by="U0ADMIN", kind="usergroup", members=["U0DANA"])
        roles.set_role(s, "S0MGR", "manager", now=NOW, set_by="U0ADMIN", kind="usergroup", members=["U0DANA"])
        assert roles.resolve(s, "U0DANA") == roles.Resolved("manager", "group", "S0MGR")
        roles.set_role(s, "U0DANA", "viewer", now=NOW, set_by="U0ADMIN")
        assert roles.role_of(s, "U0DANA") == "viewer"  # her own row wins over her groups
        roles.remove(s, "U0DANA")
        assert roles.role_of(s, "U0DANA") == "manager"


def test_the_last_admin_stays(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        roles.set_role(s, "U0ADMIN", "admin", now=NOW, set_by=None)
        with pytest.raises(UserError, match="no admin"):
            roles.set_role(s, "U0ADMIN", "rep", now=NOW, set_by="U0ADMIN")
        with pytest.raises(UserError, match="no admin"):
            roles.remove(s, "U0ADMIN")
        roles.set_role(s, "S0ADMINS", "admin", now=NOW, set_by="U0ADMIN", kind="usergroup", members=["U0BOB"])
        roles.remove(s, "U0ADMIN")  # @bob is still an admin, through his group
        assert roles.admins(s) == ["U0BOB"]


def test_seeded_once(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        seed = {"admin": ["U0A"], "manager": ["U0M", "U0A"], "viewer": ["U0V"]}
        assert roles.seed_from_playbook(s, seed, now=NOW) == 3
        assert roles.role_of(s, "U0A") == "admin" and roles.role_of(s, "U0V") == "viewer"
        assert roles.seed_from_playbook(s, {"admin": ["U0OTHER"]}, now=NOW) == 0


def test_parse_role() -> None:
    assert roles.parse_role("Managers") == "manager"
    with pytest.raises(UserError, match="not a role"):
        roles.parse_role("boss")
