from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import events, visits
from bot.playbook import load_playbook
from bot.reminders import listeners
from bot.storage.db import unit_of_work
from bot.storage.models import Account, Reminder, Task, VisitPlan

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def context(now: datetime = NOW) -> visits.PlanningContext:
    playbook = load_playbook()
    return visits.PlanningContext(playbook, now, lambda user_id: (PARIS, playbook.working_hours))


@contextmanager
def planning(session_factory) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    """A unit of work whose events reach the delivery listeners, as in the app."""
    bus = events.MessageBus()
    listeners.install(bus, load_playbook())
    with unit_of_work(session_factory) as session:
        session.info["bus"] = bus
        yield session


def gold_account(session) -> Account:  # type: ignore[no-untyped-def]
    account = Account(
        name="Acme Corp", name_key="acme corp", status="customer", tier="gold", tags=[],
        owner_id="U0ALICE", created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(account)
    session.flush()
    return account


def counts(session) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return (
        session.scalar(select(func.count(VisitPlan.id))),
        session.scalar(select(func.count(Task.id))),
        session.scalar(select(func.count(Reminder.id))),
    )


def test_sync_is_idempotent(session_factory) -> None:  # type: ignore[no-untyped-def]
    with planning(session_factory) as session:
        account = gold_account(session)
        assert visits.sync_account(session, context(), account) == {"U0ALICE"}
        first = counts(session)
        assert first == (1, 1, 2)  # tier plan, its occurrence, announce + on the day
        assert visits.sync_account(session, context(), account) == set()
        assert counts(session) == first


def test_announce_and_due_times(session_factory) -> None:  # type: ignore[no-untyped-def]
    with planning(session_factory) as session:
        account = gold_account(session)
        visits.sync_account(session, context(), account)
        due = {r.kind: r.due_at for r in session.scalars(select(Reminder))}
    # Occurrence Tue 23 Mar 2027 (a day): announced Tue 16 Mar at 09:00 Paris, reminded 23 Mar at 09:00.
    assert due == {
        "visit_announce": datetime(2027, 3, 16, 8, 0, tzinfo=UTC),
        "visit_due": datetime(2027, 3, 23, 8, 0, tzinfo=UTC),
    }


def test_tier_needs_an_owner(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as session:
        account = gold_account(session)
        account.owner_id = None
        visits.sync_account(session, context(), account)
        assert counts(session) == (0, 0, 0)


def test_sync_records_the_occurrence_and_queues_nothing_itself(session_factory) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory) as session:  # no message bus: events are only collected
        account = gold_account(session)
        visits.sync_account(session, context(), account)
        scheduled = [e for e in events.recorded(session) if isinstance(e, events.VisitTaskScheduled)]
        assert counts(session) == (1, 1, 0)
    assert [(e.account.name, e.task.assignee_id, e.occurrence.date().isoformat()) for e in scheduled] == [
        ("Acme Corp", "U0ALICE", "2027-03-23")
    ]


def test_satisfying_types() -> None:
    assert visits.satisfying_types("visit") == ("visit", "meeting")
    assert "video" in visits.satisfying_types("meeting")
    assert visits.satisfying_types("demo") == ("demo",)
