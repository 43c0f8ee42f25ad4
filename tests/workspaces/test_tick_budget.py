"""``salesbot tick --budget``: one deadline for the whole run, however many workspaces it serves.

Time is the test's clock: rendering a reminder "takes" ten seconds (the renderer moves the clock), and
the run measures its budget on that clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from slack_bolt import App
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import bot.app
from bot.cli import main
from bot.reminders.dispatcher import Dispatcher
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.reminders.scheduler import run_due
from bot.services import Services
from bot.storage.models import Reminder
from bot.storage.tenancy import as_team
from tests.helpers import render_test_reminder
from tests.workspaces.conftest import TEAMS, Deployment

SLOW = "slow_test_reminder"
RENDER_SECONDS = 10


def queue(d: Deployment, team: str, count: int) -> None:
    now = d.clock.now()
    with as_team(team), d.services.uow() as session:
        for n in range(count):  # a second apart: each is a message of its own
            enqueue(
                session,
                kind=SLOW,
                due_at=now - timedelta(seconds=n),
                now=now,
                recipient_id="U0ALICE",
                payload={"title": f"{TEAMS[team]} reminder {n}"},
            )


def sent(d: Deployment, team: str) -> int:
    with as_team(team), d.services.uow(read_only=True) as session:
        return session.scalar(select(func.count()).where(Reminder.status == "sent")) or 0


def test_the_budget_is_one_deadline_shared_fairly_by_every_workspace(deployment: Deployment) -> None:
    d = deployment
    for team in TEAMS:
        d.command(team, "/agenda")  # both workspaces are served from now on

    def slow(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
        d.clock.advance(seconds=RENDER_SECONDS)
        return render_test_reminder(services, session, reminder)

    d.services.renderers[SLOW] = slow
    for team in TEAMS:
        queue(d, team, 5)
    dispatcher = Dispatcher(d.services, instance_id="cron", batch_size=1)
    timer = lambda: d.clock.now().timestamp()  # noqa: E731

    started = d.clock.now()
    summary = run_due(d.services, started, dispatcher=dispatcher, budget=30, timer=timer)
    # 30 s for both, not 30 s each: North's part is 15 s (2 messages), South gets the rest.
    assert d.clock.now() - started == timedelta(seconds=30)
    assert (sent(d, "T0NORTH"), sent(d, "T0SOUTH")) == (2, 1)
    assert summary.delivery is not None and len(summary.delivery.sent) == 3

    # A workspace with nothing to send leaves its part to the others.
    for _ in range(2):
        run_due(d.services, d.clock.now(), dispatcher=dispatcher, budget=30, timer=timer)
    assert (sent(d, "T0NORTH"), sent(d, "T0SOUTH")) == (5, 4)
    started = d.clock.now()
    run_due(d.services, started, dispatcher=dispatcher, budget=30, timer=timer)
    assert d.clock.now() - started == timedelta(seconds=10)  # one left in all: sent, and done early
    assert (sent(d, "T0NORTH"), sent(d, "T0SOUTH")) == (5, 5)
    queue(d, "T0SOUTH", 4)
    started = d.clock.now()
    run_due(d.services, started, dispatcher=dispatcher, budget=30, timer=timer)
    assert d.clock.now() - started == timedelta(seconds=30)
    assert sent(d, "T0SOUTH") == 5 + 3  # the whole budget: North needed none of it


def test_salesbot_tick_serves_every_installed_workspace_with_its_own_token(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`salesbot tick` in OAuth mode (no SLACK_BOT_TOKEN): each workspace's due messages, as itself."""
    d = deployment
    for team in TEAMS:
        d.command(team, "/agenda")
    for name, value in {
        "DATABASE_URL": d.settings.database_url,
        "SLACK_API_URL": d.fake.api_url,
        "SLACK_CLIENT_ID": str(d.settings.client_id),
        "SLACK_CLIENT_SECRET": str(d.settings.client_secret),
        "SLACK_SIGNING_SECRET": str(d.settings.signing_secret),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SALESBOT_CONFIG", raising=False)
    original: Callable[[App, Services], None] = bot.app.register_all

    def register_all(app: App, services: Services) -> None:
        original(app, services)
        services.renderers[SLOW] = render_test_reminder

    monkeypatch.setattr(bot.app, "register_all", register_all)
    for team in TEAMS:
        queue(d, team, 1)
    assert main(["tick", "--now", d.clock.now().isoformat()]) == 0
    assert "delivery: 2 sent in 2 messages" in capsys.readouterr().out
    for team in TEAMS:
        [post] = [c.params for c in d.fake.calls("chat.postMessage") if c.token == f"xoxb-{team}"]
        assert f"{TEAMS[team]} reminder 0" in post["text"]
