"""Shared test helpers: a fake Slack Web API, a signed-request driver, a fixed clock, and a harness.

def test_something(bot):
    bot.command("/log", "call Acme Corp: hello")
    assert "Logged a *call*" in bot.last_text()
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.app import build_app, build_services, make_client
from bot.clock import FixedClock
from bot.console.fake_slack import Call, FakeSlack, FakeUser
from bot.console.slack_requests import Sent, SlackDriver, sign
from bot.reminders.dispatcher import Dispatcher, DispatchReport
from bot.services import Services
from bot.settings import Settings
from bot.storage.db import SessionFactory, make_engine, make_session_factory, unit_of_work, upgrade

__all__ = [
    "ALICE",
    "BOB",
    "CAROL",
    "Call",
    "FakeSlack",
    "FakeUser",
    "FixedClock",
    "Harness",
    "Sent",
    "SlackDriver",
    "all_text",
    "buttons",
    "find_button",
    "sign",
]

SIGNING_SECRET = "test-signing-secret"
ALICE = FakeUser("U0ALICE", "alice", tz="Europe/Paris", email="alice@example.com")
BOB = FakeUser("U0BOB", "bob", tz="America/New_York", email="bob@example.com")
CAROL = FakeUser("U0CAROL", "carol", tz="UTC", email="carol@example.com")
# Monday 23 November 2026, 09:00 UTC (10:00 in Paris, 04:00 in New York).
DEFAULT_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def all_text(blocks: list[dict[str, Any]] | None) -> str:
    """Every piece of text in ``blocks``, joined by newlines: what the person reads."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                out.append(str(node["text"]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in blocks or []:
        if block.get("type") == "actions":
            found += [e for e in block["elements"] if e.get("type") == "button"]
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            found.append(accessory)
    return found


def find_button(blocks: list[dict[str, Any]] | None, label: str) -> dict[str, Any]:
    for b in buttons(blocks):
        if label.lower() in b["text"]["text"].lower():
            return b
    raise AssertionError(f"no button {label!r} in {[b['text']['text'] for b in buttons(blocks)]}")


@contextmanager
def migrated_sqlite(directory: Path, template: Path | None = None) -> Iterator[Engine]:
    """A fresh, migrated SQLite database file (copied from ``template`` when given: much faster)."""
    path = directory / "salesbot-test.db"
    if template is not None:
        shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    if template is None:
        upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@dataclass
class Harness:
    """The app wired to a fake Slack, a fixed clock and a real database, driven by signed requests."""

    app: App
    services: Services
    slack: SlackDriver
    fake: FakeSlack
    clock: FixedClock
    session_factory: SessionFactory

    @classmethod
    def create(
        cls,
        fake: FakeSlack,
        session_factory: SessionFactory,
        *,
        now: datetime = DEFAULT_NOW,
        config_path: str | None = None,
    ) -> Harness:
        settings = Settings(
            bot_token="xoxb-test",
            signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            config_path=config_path,
            process_before_response=True,
        )
        clock = FixedClock(now)
        client = make_client(settings)
        services = build_services(settings, client=client, session_factory=session_factory, clock=clock)
        app = build_app(
            settings, client=client, session_factory=session_factory, clock=clock, services=services
        )
        return cls(app, services, SlackDriver(app, SIGNING_SECRET, fake), fake, clock, session_factory)

    # -- acting like a person ------------------------------------------------------------------
    def command(
        self, command: str, text: str = "", *, user: str = "U0ALICE", channel: str = "C_GENERAL"
    ) -> Sent:
        sent = self.slack.command(command, text, user=user, channel=channel)
        assert sent.status == 200, sent.response.body
        return sent

    def click(self, label: str, *, user: str = "U0ALICE", blocks: list[dict[str, Any]] | None = None) -> Sent:
        """Press the button labelled ``label`` on the last reply (or on ``blocks``)."""
        button = find_button(blocks if blocks is not None else self.last_reply()["blocks"], label)
        sent = self.slack.click(button, user=user)
        assert sent.status == 200, sent.response.body
        return sent

    # -- time passing ---------------------------------------------------------------------------
    def run_planning(self) -> None:
        """Run every planning pass once, at the clock's now (what the scheduler does periodically)."""
        for planning_pass in self.services.planning_passes:
            planning_pass(self.services, self.clock.now())

    def dispatch(self) -> DispatchReport:
        """Deliver the reminders due at the clock's now."""
        return Dispatcher(self.services, instance_id="test").run_once()

    # -- what the person sees ------------------------------------------------------------------
    def replies(self) -> list[dict[str, Any]]:
        return self.fake.responses()

    def last_reply(self) -> dict[str, Any]:
        replies = self.replies()
        assert replies, "the app replied nothing to the response_url"
        return replies[-1]

    def last_text(self) -> str:
        reply = self.last_reply()
        return all_text(reply.get("blocks")) or str(reply.get("text", ""))

    def dms(self, user: str) -> list[dict[str, Any]]:
        return [p for p in self.fake.params("chat.postMessage") if p.get("channel") == user]

    @contextmanager
    def db(self) -> Iterator[Session]:
        with unit_of_work(self.session_factory) as session:
            yield session


def session_factory_for(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)
