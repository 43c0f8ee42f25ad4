"""The minute's planning passes look only at what changed: a change marks what it touches, the next
pass picks it up and clears the mark, and a minute after which nothing changed does no work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, update

from bot.domain import visits
from bot.reminders import nudging, visit_planning
from bot.storage import planning_marks as marks
from bot.storage.models import Account, Activity, PlanningMark, Task, UserProfile
from tests.helpers import Harness

MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 07:00 in Paris: before anyone's morning


def pending(bot: Harness) -> list[tuple[str, int | None, str | None]]:
    with bot.db() as s:
        rows = s.execute(select(PlanningMark.kind, PlanningMark.account_id, PlanningMark.user_id)).all()
        return sorted(((k, a, u) for k, a, u in rows), key=repr)


def open_visit(bot: Harness, account_id: int) -> Task | None:
    with bot.db() as s:
        return s.scalars(
            select(Task).where(Task.account_id == account_id, Task.kind == "visit", Task.status == "open")
        ).one_or_none()


def add_account(bot: Harness, name: str, *, tier: str | None = "gold", owner: str = "U0ALICE") -> int:
    tier_part = f" tier:{tier}" if tier else ""
    bot.command("/account", f"add {name}{tier_part} status:partner owner:<@{owner}|someone>")
    with bot.db() as s:
        return s.scalars(select(Account.id).where(Account.name == name)).one()


@contextmanager
def statements(bot: Harness) -> Iterator[list[str]]:
    """Every SQL statement run meanwhile."""
    seen: list[str] = []
    engine = bot.session_factory.kw["bind"]

    def count(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def quiet(db_bot: Harness) -> Harness:
    """A team whose planning has caught up with everything: no marks left (on every backend)."""
    bot = db_bot
    bot.clock.set(MONDAY)
    add_account(bot, "Acme Corp")
    add_account(bot, "Globex")
    bot.run_planning()
    bot.run_planning()  # people met for the first time by the first run mark their accounts once
    assert pending(bot) == []
    return bot


def test_a_quiet_minute_reads_the_marks_and_nothing_else(quiet: Harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_snapshot(*_: object, **__: object) -> None:
        raise AssertionError("a quiet minute must not read the accounts")

    monkeypatch.setattr(visits, "snapshot", no_snapshot)
    monkeypatch.setattr(nudging, "concerned", no_snapshot)
    quiet.clock.set(MONDAY + timedelta(minutes=1))
    with statements(quiet) as seen:
        visit_planning.plan_visits(quiet.services, quiet.clock.now())
    queries = [s.split()[0].upper() for s in seen if s.split()[0].upper() != "BEGIN"]
    assert queries == ["SELECT", "SELECT"], seen  # the marks, the tier cadences it last ran with
    quiet.run_planning()  # every pass: the morning pass finds nobody due and nobody new
    assert pending(quiet) == []


def test_a_tier_change_is_marked_and_the_next_pass_plans_it(quiet: Harness) -> None:
    acme = add_account(quiet, "Initech", tier=None)
    quiet.run_planning()
    assert open_visit(quiet, acme) is None
    with quiet.db() as s:
        account = s.get(Account, acme)
        assert account is not None
        account.tier = "gold"
    assert pending(quiet) == [(marks.ACCOUNT, acme, None)]
    quiet.run_planning()
    task = open_visit(quiet, acme)
    assert task is not None and task.assignee_id == "U0ALICE"
    assert pending(quiet) == []


def test_a_new_owner_is_marked_and_picked_up_by_visits_and_mornings(quiet: Harness) -> None:
    globex = add_account_id(quiet, "Globex")
    with quiet.db() as s:
        account = s.get(Account, globex)
        assert account is not None
        account.owner_id = "U0BOB"
    assert pending(quiet) == [(marks.ACCOUNT, globex, None), (marks.PERSON, None, "U0BOB")]
    quiet.run_planning()
    task = open_visit(quiet, globex)
    assert task is not None and task.assignee_id == "U0BOB"
    with quiet.db() as s:  # the morning pass met Bob: he has a profile, so he is looked at from now on
        assert s.get(UserProfile, ("T_LOCAL", "U0BOB")) is not None


def add_account_id(bot: Harness, name: str) -> int:
    with bot.db() as s:
        return s.scalars(select(Account.id).where(Account.name == name)).one()


def test_a_visit_logged_moves_the_tier_plan_through_the_mark(quiet: Harness) -> None:
    acme = add_account_id(quiet, "Acme Corp")
    before = open_visit(quiet, acme)
    assert before is not None
    later = MONDAY + timedelta(days=3)
    quiet.clock.set(later)
    with quiet.db() as s:  # written behind the bot's back: only the mark tells the pass
        s.add(
            Activity(
                account_id=acme,
                type="visit",
                user_id="U0ALICE",
                occurred_at=later,
                notes="",
                source="command",
                created_at=later,
            )
        )
    assert pending(quiet) == [(marks.ACCOUNT, acme, None)]
    quiet.run_planning()
    after = open_visit(quiet, acme)
    assert after is not None and after.id != before.id and after.due_at > before.due_at
    assert pending(quiet) == []


def test_a_bulk_update_marks_every_account(quiet: Harness) -> None:
    with quiet.db() as s:
        s.execute(update(Account).where(Account.tier == "gold").values(tier=None))
    assert (marks.ACCOUNT, None, None) in pending(quiet)
    quiet.run_planning()
    assert open_visit(quiet, add_account_id(quiet, "Acme Corp")) is None
    assert open_visit(quiet, add_account_id(quiet, "Globex")) is None
    assert pending(quiet) == []


def test_a_bulk_insert_of_activities_marks_their_accounts(quiet: Harness) -> None:
    acme = add_account_id(quiet, "Acme Corp")
    with quiet.db() as s:
        row = {"type": "note", "user_id": "U0ALICE", "notes": "", "source": "import", "created_at": MONDAY}
        s.execute(insert(Activity), [{**row, "account_id": acme, "occurred_at": MONDAY}])
    assert pending(quiet) == [(marks.ACCOUNT, acme, None)]


def test_a_mark_written_while_the_pass_runs_waits_for_the_next_pass(quiet: Harness) -> None:
    acme = add_account_id(quiet, "Acme Corp")
    original = visit_planning.out_of_step

    def meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        with quiet.db() as s:  # another request changes the account after the pass read the marks
            account = s.get(Account, acme)
            assert account is not None
            account.tier = None
        return original(*args, **kwargs)

    with quiet.db() as s:
        marks.write(s, {(marks.ACCOUNT, add_account_id(quiet, "Globex"), None)})
    visit_planning.out_of_step = meanwhile  # type: ignore[assignment]
    try:
        visit_planning.plan_visits(quiet.services, quiet.clock.now())
    finally:
        visit_planning.out_of_step = original  # type: ignore[assignment]
    assert pending(quiet) == [(marks.ACCOUNT, acme, None)]
    visit_planning.plan_visits(quiet.services, quiet.clock.now())
    assert open_visit(quiet, acme) is None
    assert pending(quiet) == []


def test_changed_tier_cadences_check_every_account_once(quiet: Harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(visit_planning, "cadences_fingerprint", lambda _services: "another playbook")
    checked: list[int] = []
    original = visit_planning.out_of_step

    def spy(services, session, now, ids):  # type: ignore[no-untyped-def]
        checked.extend(ids)
        return original(services, session, now, ids)

    monkeypatch.setattr(visit_planning, "out_of_step", spy)
    visit_planning.plan_visits(quiet.services, quiet.clock.now())
    assert sorted(checked) == sorted([add_account_id(quiet, "Acme Corp"), add_account_id(quiet, "Globex")])
    checked.clear()
    visit_planning.plan_visits(quiet.services, quiet.clock.now())
    assert checked == []
