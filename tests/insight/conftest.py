"""A known world for the manager features: two teams, reps in Paris, New York and Tokyo, an account
that changed owner mid-month, activities on period boundaries, follow-ups done late, signals that
became opportunities that were won or lost. The clock: Tuesday 1 December 2026, 12:00 UTC.

Team of U0MGR (New York): Alice (Paris), Bob (New York). Team of U0MGR2 (Tokyo): Kenji (Tokyo),
Carol (UTC). U0ADMIN is an admin. Every figure the tests assert is derived in the comments below.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.storage.models import Account, Activity, Opportunity, Signal, Task
from tests.helpers import FakeSlack, FakeUser, Harness, session_factory_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONFIG = """
[roles]
admins = ["U0ADMIN"]
[roles.managers]
"U0MGR" = ["U0ALICE", "U0BOB"]
"U0MGR2" = ["U0KENJI", "U0CAROL"]
"""
MGR, MGR2 = "<@U0MGR|dana>", "<@U0MGR2|hiro>"
ALICE, BOB = "<@U0ALICE|alice>", "<@U0BOB|bob>"


def at(text: str) -> datetime:
    """``"2026-11-10 10:00"`` in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class World:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.accounts: dict[str, Account] = {}

    def account(self, name: str, tier: str | None, owner: str) -> Account:
        account = Account(
            name=name, name_key=name.lower(), status="customer", tier=tier, tags=[], owner_id=owner,
            created_at=at("2026-01-01 00:00"), updated_at=at("2026-01-01 00:00"),
        )  # fmt: skip
        self.s.add(account)
        self.s.flush()
        self.accounts[name] = account
        return account

    def activity(self, account: str, kind: str, user: str, when: str, *, undone: bool = False) -> Activity:
        activity = Activity(
            account_id=self.accounts[account].id, type=kind, user_id=user, occurred_at=at(when), notes="",
            source="command", created_at=at(when), undone_at=at(when) if undone else None,
        )  # fmt: skip
        self.s.add(activity)
        self.s.flush()
        return activity

    def task(
        self, kind: str, account: str, user: str, due: str, status: str, done: str | None = None
    ) -> None:
        self.s.add(
            Task(
                kind=kind, account_id=self.accounts[account].id, title=f"{kind} {account}", assignee_id=user,
                due_at=at(due), status=status, created_at=at("2026-10-01 00:00"),
                completed_at=at(done) if done else None,
            )
        )  # fmt: skip

    def opportunity(
        self, account: str, kind: str, mrr: int, owner: str, created: str,
        status: str = "open", closed: str | None = None, reason: str | None = None,
    ) -> Opportunity:  # fmt: skip
        opp = Opportunity(
            account_id=self.accounts[account].id, kind=kind, title=f"{kind} {account}", mrr=mrr,
            stage="qualified", status=status, owner_id=owner, lost_reason=reason, created_at=at(created),
            closed_at=at(closed) if closed else None,
        )  # fmt: skip
        self.s.add(opp)
        self.s.flush()
        return opp

    def signal(self, account: str, kind: str, created: str, opportunity: Opportunity | None = None) -> None:
        self.s.add(
            Signal(
                account_id=self.accounts[account].id, kind=kind, points=30, quote="", flagged_by="U0CAROL",
                status="acted" if opportunity else "open", created_at=at(created),
                opportunity_id=opportunity.id if opportunity else None,
            )
        )  # fmt: skip


def build(w: World) -> None:
    a, b, k = "U0ALICE", "U0BOB", "U0KENJI"
    for name, tier, owner in [
        ("Acme", "gold", a), ("Globex", "gold", a), ("Wayne", "gold", a),
        ("Umbrella", "gold", a),  # Bob's until mid-November, Alice's now
        ("Initech", "silver", b), ("Hooli", "bronze", k), ("Stark", "silver", "U0CAROL"),
    ]:  # fmt: skip
        w.account(name, tier, owner)
    # Alice. In Paris November runs 2026-10-31 23:00 UTC → 2026-11-30 23:00 UTC; in New York
    # 2026-11-01 04:00 UTC → 2026-12-01 05:00 UTC.
    w.activity("Acme", "call", a, "2026-10-31 23:30")  # Paris: 1 Nov · New York: 31 Oct
    w.activity("Acme", "call", a, "2026-11-10 10:00")
    w.activity("Globex", "call", a, "2026-11-12 10:00")
    w.activity("Acme", "meeting", a, "2026-11-16 14:00")
    w.activity("Acme", "call", a, "2026-11-20 10:00", undone=True)  # undone: never counts
    w.activity("Globex", "noshow", a, "2026-11-18 10:00")
    w.activity("Globex", "meeting", a, "2026-11-25 10:00")  # rebooked 7 days after the no-show
    w.activity("Umbrella", "call", a, "2026-11-30 23:30")  # Paris: 1 Dec · New York: 30 Nov
    w.activity("Acme", "call", a, "2026-11-30 23:45")  # Paris: 1 Dec · New York: 30 Nov
    w.activity("Globex", "call", a, "2026-10-15 10:00")  # October
    w.activity("Wayne", "visit", a, "2026-06-01 10:00")  # outside the gold cadence (4 months)
    for day in ("2026-07-10", "2026-08-10", "2026-09-10"):  # Q3: 3 calls
        w.activity("Globex", "call", a, f"{day} 10:00")
    # Bob: his call on Umbrella while he owned it counts for him (the doer).
    w.activity("Umbrella", "call", b, "2026-11-05 15:00")
    w.activity("Initech", "noshow", b, "2026-11-02 15:00")
    w.activity("Initech", "meeting", b, "2026-11-20 15:00")  # 18 days later: not rebooked within 14
    w.activity("Initech", "call", b, "2026-08-12 15:00")  # Q3: 1 call
    # Kenji in Tokyo: 30 Nov 15:30 UTC is 1 December 00:30 there.
    w.activity("Hooli", "call", k, "2026-11-30 15:30")
    w.activity("Hooli", "call", k, "2026-11-03 02:00")
    # Alice's follow-ups due in November: one on time, one late, one open, one cancelled.
    w.task("followup", "Acme", a, "2026-11-10 09:00", "done", "2026-11-10 08:00")
    w.task("followup", "Globex", a, "2026-11-12 09:00", "done", "2026-11-14 09:00")
    w.task("followup", "Acme", a, "2026-11-28 09:00", "open")
    w.task("followup", "Acme", a, "2026-11-20 09:00", "cancelled", "2026-11-19 09:00")
    # Her planned visits: one done, one not, one cancelled.
    w.task("visit", "Wayne", a, "2026-11-05 09:00", "done", "2026-11-05 10:00")
    w.task("visit", "Wayne", a, "2026-11-19 09:00", "open")
    w.task("visit", "Wayne", a, "2026-11-25 09:00", "cancelled")
    # Opportunities (owned by Alice unless said) and the signals they came from.
    o1 = w.opportunity("Acme", "upsell", 1200, a, "2026-10-20 10:00", "won", "2026-11-10 10:00")
    o2 = w.opportunity(
        "Globex", "cross-sell", 800, a, "2026-11-03 10:00", "lost", "2026-11-20 10:00", "Price"
    )
    w.opportunity("Acme", "renewal", 4000, a, "2026-11-05 10:00", "won", "2026-11-25 10:00")
    o4 = w.opportunity("Umbrella", "new", 500, a, "2026-11-26 10:00")
    w.opportunity("Globex", "upsell", 300, a, "2026-10-02 10:00", "lost", "2026-10-30 10:00", "timing")
    o6 = w.opportunity("Globex", "upsell", 600, a, "2026-11-12 10:00", "won", "2026-11-27 10:00")
    w.opportunity("Initech", "new", 2000, b, "2026-11-10 10:00", "lost", "2026-11-28 10:00", "price")
    # The open expansion pipeline (created in September: outside the months the tests look at).
    w.opportunity("Globex", "upsell", 900, a, "2026-09-15 10:00").stage = "proposal"
    w.opportunity("Acme", "cross-sell", 400, a, "2026-09-20 10:00")
    w.signal("Acme", "upsell", "2026-11-02 10:00", o4)  # 24 days to its opportunity
    w.signal("Globex", "cross-sell", "2026-11-01 10:00", o2)  # 2 days, lost
    w.signal("Umbrella", "upsell", "2026-11-08 10:00")  # no opportunity
    w.signal("Globex", "upsell", "2026-11-09 10:00", o6)  # 3 days, won
    w.signal("Acme", "upsell", "2026-10-05 10:00", o1)  # October: 15 days, won


@pytest.fixture
def world(fake_slack: FakeSlack, db_engine: Engine, tmp_path: Path) -> Harness:
    """The world on every available database backend (SQLite, and PostgreSQL when configured)."""
    for user in (
        FakeUser("U0MGR", "dana", tz="America/New_York"),
        FakeUser("U0MGR2", "hiro", tz="Asia/Tokyo"),
        FakeUser("U0KENJI", "kenji", tz="Asia/Tokyo"),
        FakeUser("U0ADMIN", "admin", tz="UTC"),
    ):
        fake_slack.add_user(user)
    config = tmp_path / "salesbot.toml"
    config.write_text(CONFIG)
    bot = Harness.create(fake_slack, session_factory_for(db_engine), now=NOW, config_path=str(config))
    with bot.db() as session:
        build(World(session))
    return bot
