"""Teams in the database: membership, moves, cycles, removal and the first-start seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.domain import teams
from bot.domain.errors import UserError
from bot.storage.db import unit_of_work
from bot.storage.models import TeamMember

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(TeamMember)) or 0


def test_add_read_and_move(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        added = teams.add_members(s, "U0MGR", ["U0ALICE", "U0BOB"], now=NOW)
        assert [a.member_id for a in added] == ["U0ALICE", "U0BOB"]
        assert teams.members_of(s, "U0MGR") == ["U0ALICE", "U0BOB"]
        assert teams.manager_of(s, "U0ALICE") == "U0MGR"
        assert teams.manager_of(s, "U0CAROL") is None
        assert teams.is_manager(s, "U0MGR") and not teams.is_manager(s, "U0ALICE")
        moved = teams.add_members(s, "U0BOSS", ["U0BOB"], now=NOW)
        assert moved == [teams.Added("U0BOB", "U0MGR")]
        assert teams.members_of(s, "U0MGR") == ["U0ALICE"]
        assert teams.all_teams(s) == {"U0MGR": ["U0ALICE"], "U0BOSS": ["U0BOB"]}
        assert teams.add_members(s, "U0MGR", ["U0ALICE"], now=NOW) == []  # already there
        assert teams.managers_of(s, ["U0ALICE", "U0BOB", "U0CAROL"]) == {
            "U0ALICE": "U0MGR",
            "U0BOB": "U0BOSS",
        }


def test_bad_changes_write_nothing(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        teams.add_members(s, "U0BOSS", ["U0MGR"], now=NOW)
        teams.add_members(s, "U0MGR", ["U0ALICE"], now=NOW)
    with unit_of_work(session_factory) as s:
        with pytest.raises(UserError, match="own team"):
            teams.add_members(s, "U0MGR", ["U0BOB", "U0MGR"], now=NOW)
        with pytest.raises(UserError, match="manages this manager"):
            teams.add_members(s, "U0ALICE", ["U0CAROL", "U0BOSS"], now=NOW)
        with pytest.raises(UserError, match="not in"):
            teams.remove_members(s, "U0MGR", ["U0ALICE", "U0CAROL"])
        assert count(s) == 2
        assert teams.members_of(s, "U0MGR") == ["U0ALICE"]
        assert teams.remove_members(s, "U0MGR", ["U0ALICE"]) == ["U0ALICE"]
        assert teams.members_of(s, "U0MGR") == []


def test_seed_only_into_an_empty_table(session_factory) -> None:  # type: ignore[no-untyped-def]
    seed = {"U0MGR": ("U0ALICE", "U0BOB"), "U0BOSS": ("U0MGR", "U0BOB")}
    with unit_of_work(session_factory) as s:
        assert teams.seed_from_playbook(s, seed, now=NOW) == 3
        assert teams.all_teams(s) == {"U0MGR": ["U0ALICE", "U0BOB"], "U0BOSS": ["U0MGR"]}
        teams.remove_members(s, "U0MGR", ["U0BOB"])
        assert teams.seed_from_playbook(s, seed, now=NOW) == 0
        assert teams.members_of(s, "U0MGR") == ["U0ALICE"]


def test_channel_setting(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        assert teams.channel_of(s, "U0MGR") is None
        teams.set_channel(s, "U0MGR", "C0SALES", now=NOW)
        assert teams.channel_of(s, "U0MGR") == "C0SALES"
        teams.set_channel(s, "U0MGR", None, now=NOW)
        assert teams.channel_of(s, "U0MGR") is None
