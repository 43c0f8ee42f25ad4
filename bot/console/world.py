"""The console's fake workspace: demo people and channels, the fake Slack, and the real app wired to it."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace

from bot.clock import Clock, OffsetClock
from bot.console.fake_slack import FakeSlack, FakeUser
from bot.console.slack_requests import SlackDriver
from bot.domain import roles
from bot.runner import Runtime, build_runtime
from bot.settings import Settings

DEMO_USERS = (
    FakeUser("U0ALICE", "alice", tz="Europe/Paris", email="alice@example.com"),
    FakeUser("U0BOB", "bob", tz="America/New_York", email="bob@example.com"),
    FakeUser("U0CAROL", "carol", tz="UTC", email="carol@example.com"),
)
# Every channel the README and the docs name in an example, so the examples work here as written.
DEMO_CHANNELS = {
    "C_GENERAL": "general",
    "C0ACME": "acme-team",
    "C0ACMESHARED": "acme-shared",
    "C0SALES": "sales",
    "C0SALESTEAM": "sales-team",
}


@dataclass
class World:
    """Everything the console needs; ``close()`` stops the fake Slack and releases the database."""

    fake: FakeSlack
    runtime: Runtime
    driver: SlackDriver
    clock: OffsetClock
    users: dict[str, FakeUser] = field(default_factory=dict)  # by id
    channels: dict[str, str] = field(default_factory=dict)  # id → name

    @classmethod
    def start(cls, settings: Settings, *, base_clock: Clock | None = None) -> World:
        fake = FakeSlack(list(DEMO_USERS), channels=DEMO_CHANNELS).start()
        secret = secrets.token_hex(16)
        console_settings = replace(
            settings,
            bot_token="xoxb-local-console",
            app_token=None,
            signing_secret=secret,
            slack_api_url=fake.api_url,
            process_before_response=True,
        )
        clock = OffsetClock(base_clock)
        try:
            runtime = build_runtime(console_settings, clock=clock)
        except BaseException:
            fake.stop()
            raise
        driver = SlackDriver(runtime.app, secret, fake)
        # Whoever tries salesbot here installed it: with no roles from the playbook, @alice is the admin
        # (`:as bob` to see what a rep may do).
        with runtime.services.uow() as session:
            roles.seed_from_playbook(session, {roles.ADMIN: [DEMO_USERS[0].id]}, now=clock.now())
        return cls(
            fake,
            runtime,
            driver,
            clock,
            users={u.id: u for u in DEMO_USERS},
            channels=dict(DEMO_CHANNELS),
        )

    def close(self) -> None:
        self.fake.stop()
        self.runtime.engine.dispose()

    # -- names -----------------------------------------------------------------------------------
    def user_named(self, name: str) -> FakeUser | None:
        name = name.lstrip("@").lower()
        return next((u for u in self.users.values() if u.name == name or u.id.lower() == name), None)

    def channel_named(self, name: str) -> str | None:
        name = name.lstrip("#").lower()
        return next((cid for cid, n in self.channels.items() if n == name or cid.lower() == name), None)

    def add_channel(self, name: str) -> str:
        """A new public channel (as if someone created it); returns its id."""
        name = name.lstrip("#").lower()
        existing = self.channel_named(name)
        if existing:
            return existing
        cid = "C0" + (re.sub(r"[^A-Z0-9]", "", name.upper()) or "NEW")[:12]
        while cid in self.channels:
            cid += "X"
        self.channels[cid] = name
        self.fake.add_channel(cid, name)
        return cid
