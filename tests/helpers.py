"""Shared test helpers: a fake Slack Web API, a signed-request driver, a fixed clock, and a harness.

def test_something(bot):
    bot.command("/log", "call Acme Corp: hello")
    assert "Logged a *call*" in bot.last_text()
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.app import build_app, build_services, make_client, prepare
from bot.blocks.common import actions, button, section
from bot.clock import FixedClock
from bot.console.fake_slack import Call, FakeSlack, FakeUser
from bot.console.slack_requests import TEAM, Sent, SlackDriver, sign
from bot.domain import followups, roles
from bot.reminders.dispatcher import Dispatcher, DispatchReport
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.services import Services
from bot.settings import Settings
from bot.storage.db import (
    SessionFactory,
    make_engine,
    make_session_factory,
    normalise_url,
    unit_of_work,
    upgrade,
)
from bot.storage.models import LOCAL_TEAM, Account, Base, Reminder, Role, Task

__all__ = [
    "ALICE",
    "BOB",
    "CAROL",
    "TEST_CHANNELS",
    "Call",
    "FakeSlack",
    "FakeUser",
    "FixedClock",
    "Harness",
    "PostgresDatabases",
    "Sent",
    "SlackDriver",
    "all_text",
    "buttons",
    "find_button",
    "fresh_postgres_schema",
    "line_button",
    "mrkdwn_text",
    "posted_reminder_ids",
    "queue_reminders",
    "sign",
]

SIGNING_SECRET = "test-signing-secret"
ALICE = FakeUser("U0ALICE", "alice", tz="Europe/Paris", email="alice@example.com")
BOB = FakeUser("U0BOB", "bob", tz="America/New_York", email="bob@example.com")
CAROL = FakeUser("U0CAROL", "carol", tz="UTC", email="carol@example.com")
# The test workspace's channels (posting anywhere else is ``channel_not_found``, as in Slack).
TEST_CHANNELS = {
    "C_GENERAL": "general",
    "C_OTHER": "other",
    "C0ACME": "acme-team",
    "C0ACMETEAM": "acme-team-2",
    "C0SALES": "sales",
    "C0DEALS": "deals",
    "C0GLOBEX": "globex",
    "C0OTHER": "other-2",
    "C0PRIVATE": "private",
    "C0ARCHIVED": "archived",
    "C0GONE": "gone",
    "C123": "c123",
}
# Monday 23 November 2026, 09:00 UTC (10:00 in Paris, 04:00 in New York).
DEFAULT_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _texts(node: Any, types: tuple[str, ...]) -> list[str]:
    """The texts of the given types (``mrkdwn``, ``plain_text``) anywhere in ``node``, in order."""
    if isinstance(node, dict):
        if node.get("type") in types and "text" in node:
            return [str(node["text"])]
        return [text for value in node.values() for text in _texts(value, types)]
    if isinstance(node, list):
        return [text for item in node for text in _texts(item, types)]
    return []


def all_text(blocks: list[dict[str, Any]] | None) -> str:
    """Every piece of text in ``blocks``, joined by newlines: what the person reads."""
    return "\n".join(_texts(blocks or [], ("mrkdwn", "plain_text")))


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


def block_of(blocks: list[dict[str, Any]] | None, element: dict[str, Any]) -> str:
    """The ``block_id`` of the block holding ``element`` (what Slack sends with a click)."""
    for n, block in enumerate(blocks or []):
        if element in (block.get("elements") or []) or element is block.get("accessory"):
            return str(block.get("block_id") or f"auto{n}")
    return "b"


def line_button(blocks: list[dict[str, Any]] | None, line: str, label: str) -> dict[str, Any]:
    """The button labelled ``label`` in the first actions block after the section containing ``line``."""
    found_line = False
    for block in blocks or []:
        text = (block.get("text") or {}).get("text", "") if block.get("type") == "section" else ""
        if line in text:
            found_line = True
        elif found_line and block.get("type") == "actions":
            return find_button([block], label)
    raise AssertionError(f"no line {line!r} followed by a {label!r} button")


def mrkdwn_text(message: dict[str, Any]) -> str:
    """The parts of a message Slack parses for mentions: mrkdwn texts and the top-level ``text``.

    (``plain_text`` — buttons, headers — is shown as typed and never pings.)
    """
    return "\n".join([str(message.get("text") or ""), *_texts(message.get("blocks") or [], ("mrkdwn",))])


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
        **settings: Any,
    ) -> Harness:
        """``settings``: other ``Settings`` fields. The test workspace and app are configured (so
        requests for another are refused without asking Slack; ``team_id=None`` makes it ask)."""
        settings = Settings(
            bot_token="xoxb-test",
            signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            config_path=config_path,
            process_before_response=True,
            **{"team_id": TEAM["id"], "app_id": "A_SALESBOT", **settings},
        )
        clock = FixedClock(now)
        fake.clock = clock.now  # message ts values follow the test's clock, as they follow Slack's
        client = make_client(settings)
        services = build_services(settings, client=client, session_factory=session_factory, clock=clock)
        prepare(services)
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

    def click(
        self,
        label: str,
        *,
        user: str = "U0ALICE",
        blocks: list[dict[str, Any]] | None = None,
        line: str | None = None,
    ) -> Sent:
        """Press the button labelled ``label`` on the last reply (or on ``blocks``; on the line ``line``)."""
        shown = blocks if blocks is not None else self.last_reply()["blocks"]
        posted = self.posted_with(shown) if blocks is not None else None
        if posted is not None:  # a message the bot posted (a DM …): pressed there, as Slack would
            return self.press(posted, label, user=user, line=line)
        button = line_button(shown, line, label) if line else find_button(shown, label)
        sent = self.slack.click(button, user=user, block_id=block_of(shown, button))
        assert sent.status == 200, sent.response.body
        return sent

    def press(
        self, message: dict[str, Any], label: str, *, line: str | None = None, user: str = "U0ALICE"
    ) -> Sent:
        """Press ``label`` on a message the bot posted (from ``messages``), on the line ``line`` if given."""
        blocks = message.get("blocks") or []
        button = line_button(blocks, line, label) if line else find_button(blocks, label)
        sent = self.slack.click(
            button,
            user=user,
            channel=str(message["channel"]),
            message=message,
            block_id=block_of(blocks, button),
        )
        assert sent.status == 200, sent.response.body
        return sent

    def posted_with(self, blocks: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The newest posted message showing exactly ``blocks`` (as posted or as edited since)."""
        with self.fake.state.lock:
            conversations = {c: list(ms) for c, ms in self.fake.state.messages.items()}
        found = [
            (float(m["ts"]), c, m["ts"])
            for c, ms in conversations.items()
            for m in ms
            if m["blocks"] == blocks
        ]
        if not found:
            return None
        _, channel, ts = max(found)
        return self.fake.message(channel, ts)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The messages in a conversation (a user id: their DM) as they are now, edits applied."""
        conversation = self.fake.history(channel)
        return [self.fake.message(channel, m["ts"]) for m in conversation]

    def refusals(self) -> list[Any]:
        """The calls Slack would have refused (an edit of an ephemeral message, too many blocks …)."""
        return self.fake.refusals()

    # -- the scheduler's part ------------------------------------------------------------------
    def run_planning(self) -> None:
        """Run every planning pass once, at the clock's now."""
        for planning_pass in self.services.planning_passes:
            planning_pass(self.services, self.clock.now())

    def dispatch(self) -> DispatchReport:
        """Deliver the reminders due at the clock's now (one dispatcher pass)."""
        return Dispatcher(self.services, instance_id="test").run_once(self.clock.now())

    def deliver(self) -> list[int]:
        """One dispatcher pass at the clock's now; the ids of the reminders sent."""
        return self.dispatch().sent

    def tick(self) -> DispatchReport:
        """One scheduler minute at the clock's time: run the planning passes, then deliver what is due."""
        self.run_planning()
        return self.dispatch()

    def pick_date(
        self, action_id: str, day: str, *, blocks: list[dict[str, Any]], user: str = "U0ALICE"
    ) -> Sent:
        """Pick ``day`` (YYYY-MM-DD) in the datepicker ``action_id`` found in ``blocks``."""
        for block in blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("type") == "datepicker" and element.get("action_id") == action_id:
                    picked = {
                        **element,
                        "block_id": block.get("block_id", "b"),
                        "selected_date": day,
                        "action_ts": "1",
                    }
                    sent = self.slack.block_action(action_id, user=user, action=picked)
                    assert sent.status == 200, sent.response.body
                    return sent
        raise AssertionError(f"no datepicker {action_id!r} in these blocks")

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

    def give_role(self, user: str, role: str) -> None:
        """``user`` gets ``role``, for tests about something else: stored directly (like a seed at the
        first start), so the test's audit trail holds only what it is about."""
        row = {"kind": roles.USER, "role": role, "members": [], "updated_at": self.clock.now()}
        with self.db() as session:
            key = (Role.team_id == LOCAL_TEAM) & (Role.subject_id == user)
            if session.scalar(select(func.count()).select_from(Role).where(key)):
                session.execute(update(Role.__table__).where(key).values(**row))
            else:
                session.execute(insert(Role.__table__).values(team_id=LOCAL_TEAM, subject_id=user, **row))

    def count(self, model: type[Any]) -> int:
        """How many rows ``model`` has: to prove a bad command wrote nothing."""
        with self.db() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0

    def last_view(self, method: str = "views.open") -> dict[str, Any]:
        """The last modal the app opened (or updated, with ``method="views.update"``)."""
        calls = self.fake.params(method)
        assert calls, f"the app never called {method}"
        return calls[-1]["view"]

    def last_dm(self, user: str) -> dict[str, Any]:
        sent = self.dms(user)
        assert sent, f"no DM to {user}"
        return sent[-1]

    def posts_in(self, channel: str) -> list[dict[str, Any]]:
        return [p for p in self.fake.params("chat.postMessage") if p.get("channel") == channel]

    @contextmanager
    def db(self) -> Iterator[Session]:
        with unit_of_work(self.session_factory) as session:
            yield session


def session_factory_for(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@contextmanager
def fresh_postgres_schema(base_url: str, *, migrate: bool = True) -> Iterator[str]:
    """A throwaway, migrated (unless ``migrate=False``) schema on the PostgreSQL server at ``base_url``;
    yields a URL that uses it."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = (
        make_url(normalise_url(base_url))
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


class PostgresDatabases:
    """Migrated databases on the PostgreSQL server at ``base_url``, for one test process.

    ``fresh`` copies a template migrated on first use (``CREATE DATABASE … TEMPLATE`` is far cheaper
    than migrating). ``clean`` is cheaper still: one working database, emptied back to how the
    migrations left it before each use (whoever is still connected to it is disconnected first, every
    row deleted, the migrations' own rows put back, every id sequence restarted); if it can't be, a new
    one replaces it. Names are random, so test processes sharing a server never meet; ``close`` drops
    them all."""

    SEED = "test_seed"  # the working database's copy of the rows the migrations wrote

    def __init__(self, base_url: str) -> None:
        self.base_url = normalise_url(base_url)
        # CREATE/DROP DATABASE cannot run in a transaction.
        self.admin = make_engine(self.base_url, isolation_level="AUTOCOMMIT")
        self.template: str | None = None
        self.kept: list[str] = []
        self.working: str | None = None
        self.working_engine: Engine | None = None
        self.reset_sql = ""

    def _url(self, database: str) -> str:
        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def _create(self, template: str | None = None) -> str:
        name = f"salesbot_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(
                f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            )
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _migrated(self) -> str:
        if self.template is None:
            migrated = self._create()
            engine = make_engine(self._url(migrated))
            try:
                upgrade(engine)
            finally:
                engine.dispose()
            self.template = migrated
        return self.template

    @contextmanager
    def fresh(self, template: str | None = None) -> Iterator[str]:
        """A new database at the newest schema (a copy of ``template``, a database ``keep`` made, if
        given); yields its URL, drops it afterwards."""
        name = self._create(template or self._migrated())
        try:
            yield self._url(name)
        finally:
            self._drop(name)

    def keep(self, url: str) -> str:
        """A copy of the database at ``url`` (no one may be connected to it), kept until ``close``: a
        template for ``fresh``."""
        name = self._create(make_url(url).database)
        self.kept.append(name)
        return name

    def clean(self) -> str:
        """The URL of this process's working database, as the migrations left it."""
        if self.working_engine is not None:
            try:
                with self.working_engine.begin() as conn:
                    conn.exec_driver_sql(self.reset_sql)
                return self._url(str(self.working))
            except Exception:  # a lock held on, a schema changed …: start again from the template
                self._drop_working()
        self._new_working()
        return self._url(str(self.working))

    def _new_working(self) -> None:
        name = self._create(self._migrated())
        engine = make_engine(self._url(name))
        self.working, self.working_engine = name, engine
        with engine.begin() as conn:
            tables = {
                t: conn.exec_driver_sql(f'SELECT EXISTS (SELECT FROM "{t}")').scalar()
                for (t,) in conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            }
            sequences = conn.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            ).all()
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.SEED}"')
            for table, has_rows in tables.items():
                if has_rows:
                    conn.exec_driver_sql(f'CREATE TABLE "{self.SEED}"."{table}" AS SELECT * FROM "{table}"')
        # Children before parents: the tables the models know in reverse dependency order, after the
        # others (Slack's installation store: no foreign keys to ours).
        models = [t.name for t in Base.metadata.sorted_tables if t.name in tables]
        order = [t for t in tables if t not in models] + models[::-1]
        self.reset_sql = "\n".join(
            [
                "SET LOCAL lock_timeout = '10s';",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid();",
                *(f'DELETE FROM "{t}";' for t in order),
                *(f'INSERT INTO "{t}" SELECT * FROM "{self.SEED}"."{t}";' for t in order[::-1] if tables[t]),
                *(
                    f"SELECT setval('\"{name}\"', {last or 1}, {'true' if last else 'false'});"
                    for name, last in sequences
                ),
            ]
        )

    def _drop_working(self) -> None:
        if self.working_engine is not None:
            self.working_engine.dispose()
        if self.working is not None:
            self._drop(self.working)
        self.working, self.working_engine = None, None

    def close(self) -> None:
        self._drop_working()
        for name in [*self.kept, *([self.template] if self.template else [])]:
            self._drop(name)
        self.kept, self.template = [], None
        self.admin.dispose()


# -- reminders ------------------------------------------------------------------------------------
TEST_KIND = "test_reminder"


def render_test_reminder(services: Services, session: Session, reminder: Reminder) -> OutgoingMessage | None:
    """A renderer like a feature's: a line and a button; ``payload.cancel`` makes it "no longer relevant"."""
    if reminder.payload.get("cancel"):
        return None
    title = str(reminder.payload.get("title", f"reminder {reminder.id}"))
    return OutgoingMessage(
        channel=reminder.channel_id or reminder.recipient_id or "",
        text=f"Reminder: {title}",
        blocks=[
            section(f":alarm_clock: {title}"),
            actions(button("Done", "test_done", str(reminder.id)), block_id="reminder_actions"),
        ],
    )


def queue_reminders(
    harness: Harness,
    count: int = 1,
    *,
    due_at: datetime | None = None,
    every: timedelta | None = None,
    recipient_id: str | None = "U0ALICE",
    channel_id: str | None = None,
    title: str = "Call Acme",
) -> list[int]:
    """Queue ``count`` test reminders (registering their renderer), due from ``due_at`` every ``every``.

    Without ``every`` they are due a second apart, the last at ``due_at`` (so each is a message of its
    own: reminders due at the very same moment for one person travel together).
    """
    harness.services.renderers[TEST_KIND] = render_test_reminder
    now = harness.clock.now()
    start = due_at or now
    if every is None:
        every = timedelta(seconds=1)
        start -= every * (count - 1)
    with harness.db() as session:
        ids = []
        for i in range(count):
            reminder = enqueue(
                session,
                kind=TEST_KIND,
                due_at=start + every * i,
                now=now,
                recipient_id=recipient_id,
                channel_id=channel_id,
                payload={"title": f"{title} #{i + 1}" if count > 1 else title},
            )
            assert reminder is not None
            ids.append(reminder.id)
    return ids


def posted_reminder_ids(fake: FakeSlack) -> list[int]:
    """The reminder ids carried by every chat.postMessage the fake received (a combined one: all)."""
    ids: list[int] = []
    for params in fake.params("chat.postMessage"):
        payload = (params.get("metadata") or {}).get("event_payload") or {}
        ids += payload.get("reminder_ids") or [payload.get("reminder_id")]
    return ids


def add_task(
    bot: Harness,
    account: str,
    title: str,
    due: datetime,
    *,
    assignee: str = "U0ALICE",
    kind: str = "followup",
    created_by: str | None = None,
) -> int:
    """An open task on the named account, stored as the feature that owns its kind stores it."""
    with bot.db() as s:
        account_id = s.scalars(select(Account.id).where(Account.name == account)).one()
        task = Task(
            kind=kind,
            account_id=account_id,
            title=title,
            assignee_id=assignee,
            created_by=created_by,
            due_at=due,
            status="open",
            created_at=bot.clock.now(),
        )
        s.add(task)
        s.flush()
        if kind == "followup":
            followups.assign(s, task, assignee)  # numbered in the assignee's sequence
        return task.id


def hold_calls(
    fake: FakeSlack, matches: Callable[[str], bool], wait: float = 60.0
) -> tuple[threading.Event, threading.Event]:
    """Hold the fake Slack's answers to the calls whose path ``matches`` (an app in another process
    is then mid-call): (holding, set when the first such call arrives; release, set to let them through)."""
    holding, release = threading.Event(), threading.Event()
    handle = fake._handle

    def held(path: str, params: dict[str, Any], *rest: Any) -> Any:
        if matches(path):
            holding.set()
            release.wait(wait)
        return handle(path, params, *rest)

    fake._handle = held  # type: ignore[method-assign]
    return holding, release


def database_for_a_process(directory: Path, template: Path, fake: FakeSlack) -> tuple[str, Engine, Harness]:
    """A copy of the migrated template for ``salesbot run`` in another process, holding Acme Corp:
    its URL, an engine on it, and a harness (the test's own app) to set things up and read them."""
    db = directory / "run.db"
    shutil.copy(template, db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    bot = Harness.create(fake, session_factory_for(engine))
    bot.command("/account", "add Acme Corp")
    return url, engine, bot
