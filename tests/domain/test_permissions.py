"""The permission rules, pure: an actor (role, reports) against whose a record is."""

from __future__ import annotations

import pytest

from bot.domain import permissions as p
from bot.domain import roles
from bot.domain.errors import UserError
from bot.storage.db import unit_of_work
from bot.storage.models import Account, Task, TeamMember
from tests.domain.test_teams import NOW

ACME = p.Subject("*Acme*", owner="U0REP", csm="U0CSM")
TASK = p.Subject("follow-up #3", owner="U0OTHER", people=("U0REP",))


def actor(role: str, user: str = "U0X", reports: tuple[str, ...] = ()) -> p.Actor:
    return p.Actor(user, role, frozenset(reports))


def test_reps_change_their_own_records_and_write_anywhere() -> None:
    rep = actor("rep", "U0REP")
    assert p.can(rep, p.CHANGE, ACME) and p.can(rep, p.CHANGE, TASK)
    assert not p.can(actor("rep", "U0PEER"), p.CHANGE, ACME)
    assert p.can(actor("rep", "U0PEER"), p.WRITE)
    # A rep listed as an account's CSM gets no CSM rights: that is the csm role's.
    assert not p.can(actor("rep", "U0CSM"), p.CHANGE, ACME)


def test_csms_change_the_accounts_they_are_csm_of() -> None:
    assert p.can(actor("csm", "U0CSM"), p.CHANGE, ACME)
    assert not p.can(actor("csm", "U0CSM"), p.CHANGE, p.Subject("*Globex*", owner="U0REP", csm="U0OTHER"))


def test_managers_change_everything_of_their_team_members() -> None:
    manager = actor("manager", "U0MGR", ("U0REP", "U0DEEP"))
    assert p.can(manager, p.CHANGE, ACME)
    assert p.can(manager, p.CHANGE, p.Subject("x", owner="U0DEEP"))
    assert not p.can(manager, p.CHANGE, p.Subject("x", owner="U0STRANGER"))
    assert p.can(manager, p.TARGETS, "U0REP") and not p.can(manager, p.TARGETS, "U0STRANGER")
    assert p.can(manager, p.NUMBERS, "U0DEEP") and p.can(manager, p.DIGEST, "U0MGR")
    # The reports count only with the manager role.
    assert not p.can(actor("rep", "U0MGR", ("U0REP",)), p.CHANGE, ACME)


def test_admins_everything_viewers_nothing() -> None:
    for action in (p.MANAGE_ROLES, p.FAILED, p.IMPORT, p.PLAYBOOK, p.WRITE):
        assert p.can(actor("admin"), action)
        assert not p.can(actor("manager", reports=("U0REP",)), action) or action == p.WRITE
    assert p.can(actor("admin"), p.CHANGE, ACME)
    viewer = actor("viewer", "U0REP")  # even on what would be theirs
    assert not any(p.can(viewer, a, ACME) for a in (p.CHANGE, p.WRITE))
    assert not p.can(viewer, p.TEAM, "U0REP")


def test_refusals_name_who_can() -> None:
    text = p.explain(actor("rep", "U0PEER"), p.CHANGE, ACME, ["U0ADMIN"])
    assert "only its owner <@U0REP>, its CSM <@U0CSM>, their manager or an admin can" in text
    assert "<@U0ADMIN>" in text
    assert "viewer" in p.explain(actor("viewer"), p.CHANGE, ACME, [])
    assert "only salesbot admins can change roles" in p.explain(actor("rep"), p.MANAGE_ROLES, None, [])


def test_records_read_from_the_database(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as s:
        account = Account(
            name="<!channel> Corp", name_key="x", status="customer", tags=[], owner_id="U0REP",
            csm_id="U0CSM", created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        s.add(account)
        s.flush()
        task = Task(
            kind="followup",
            account_id=account.id,
            title="t",
            assignee_id="U0PEER",
            due_at=NOW,
            created_at=NOW,
        )
        s.add(task)
        s.add_all(
            [
                TeamMember(member_id="U0REP", manager_id="U0MGR", created_at=NOW),
                TeamMember(member_id="U0MGR", manager_id="U0BOSS", created_at=NOW),
            ]
        )
        roles.seed_from_playbook(s, {"admin": ["U0ADMIN"], "manager": ["U0MGR", "U0BOSS"]}, now=NOW)
        s.flush()
        subject = p.subject_of(s, task)
        assert subject.owner == "U0REP" and subject.people == ("U0PEER",)
        assert "&lt;!channel&gt; Corp" in subject.label  # the account's name is escaped
        assert p.allowed(s, "U0BOSS", p.CHANGE, task)  # the manager's manager
        assert p.allowed(s, "U0PEER", p.CHANGE, task)  # the assignee
        with pytest.raises(p.PermissionDenied) as refused:
            p.require(s, "U0STRANGER", p.CHANGE, account)
        assert isinstance(refused.value, UserError) and "<@U0ADMIN>" in refused.value.message
