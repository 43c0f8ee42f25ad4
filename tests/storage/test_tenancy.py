"""Every workspace's rows are kept apart by the session, whatever the statement names."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.models import Account, Activity, Reminder
from bot.storage.tenancy import ALL_TEAMS, as_team

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def add_account(session: Session, name: str) -> Account:
    account = Account(name=name, name_key=name.lower(), status="customer", created_at=NOW, updated_at=NOW)
    session.add(account)
    session.flush()
    session.add(
        Activity(
            account_id=account.id,
            type="call",
            user_id="U0ALICE",
            occurred_at=NOW,
            notes=f"{name} notes",
            source="command",
            created_at=NOW,
        )
    )
    return account


def seed(session_factory: SessionFactory) -> None:
    for team in ("T0NORTH", "T0SOUTH"):
        with as_team(team), unit_of_work(session_factory) as session:
            add_account(session, "Acme Corp")  # the same name in both: unique per workspace
            session.execute(
                insert(Reminder).values(kind="k", due_at=NOW, created_at=NOW, payload={}, dedupe_key="same")
            )


def test_rows_are_stamped_and_every_read_sees_only_its_workspace(session_factory: SessionFactory) -> None:
    seed(session_factory)
    with as_team("T0NORTH"), unit_of_work(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1
        assert session.scalars(select(Activity.notes).join(Account)).all() == ["Acme Corp notes"]
        inner = select(Account.id).scalar_subquery()
        assert session.scalar(select(func.count(Activity.id)).where(Activity.account_id.in_(inner))) == 1
        assert session.scalars(select(Reminder.team_id)).all() == ["T0NORTH"]
    with unit_of_work(session_factory) as session:
        teams = session.scalars(select(Account.team_id).execution_options(**{ALL_TEAMS: True})).all()
        assert sorted(teams) == ["T0NORTH", "T0SOUTH"]
        activities = session.scalars(select(Activity.team_id).execution_options(**{ALL_TEAMS: True})).all()
        assert sorted(activities) == ["T0NORTH", "T0SOUTH"]


def test_updates_and_deletes_touch_only_their_workspace(session_factory: SessionFactory) -> None:
    seed(session_factory)
    with as_team("T0SOUTH"), unit_of_work(session_factory) as session:
        session.execute(
            update(Reminder).values(status="cancelled").execution_options(synchronize_session=False)
        )
        session.execute(delete(Activity).execution_options(synchronize_session=False))
    with unit_of_work(session_factory) as session:
        everywhere = {ALL_TEAMS: True}
        statuses = dict(
            session.execute(select(Reminder.team_id, Reminder.status).execution_options(**everywhere)).all()
        )
        assert statuses == {"T0NORTH": "pending", "T0SOUTH": "cancelled"}
        left = session.scalars(select(Activity.team_id).execution_options(**everywhere)).all()
        assert left == ["T0NORTH"]
