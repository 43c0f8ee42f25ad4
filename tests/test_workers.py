"""The request path: ack first, work in a bounded pool, failures told, Home refreshes coalesced,
profiles kept in memory, read-only units of work without the write lock."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bot.app import build_app, build_services, make_client
from bot.clock import FixedClock
from bot.console.slack_requests import SlackDriver
from bot.settings import Settings
from bot.storage.db import ReadOnlyUnitOfWork, SessionFactory, unit_of_work
from bot.storage.models import Account, Activity
from bot.workers import BUSY, NOTHING_SAVED, PARTLY_SAVED, WorkPool
from tests.helpers import DEFAULT_NOW, SIGNING_SECRET, FakeSlack, Harness


def add_acme(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice>")


# -- the pool ------------------------------------------------------------------------------------
def test_a_full_pool_refuses_with_a_log_line_and_never_blocks(caplog: pytest.LogCaptureFixture) -> None:
    pool = WorkPool("work", workers=1, bound=1)
    gate, started = threading.Event(), threading.Event()
    done: list[int] = []

    def blocker() -> None:
        started.set()
        gate.wait(5)

    assert pool.submit(blocker)
    assert started.wait(5)  # the worker is busy: the next item waits in the queue
    assert pool.submit(lambda: done.append(1))
    assert not pool.has_room()
    with caplog.at_level(logging.WARNING, logger="bot.workers"):
        assert not pool.submit(lambda: done.append(2))
    assert "1 items waiting (the bound); refused one" in caplog.text
    gate.set()
    assert pool.join()
    assert done == [1]


def test_an_error_in_a_work_item_does_not_stop_the_worker() -> None:
    pool = WorkPool("work", workers=1, bound=10)
    done: list[int] = []

    def boom() -> None:
        raise RuntimeError("boom")

    pool.submit(boom)
    pool.submit(lambda: done.append(1))
    assert pool.join()
    assert done == [1]


# -- an app whose work runs on worker threads, as in production ---------------------------------
def threaded_app(fake: FakeSlack, session_factory: SessionFactory, *, workers: int, queue: int) -> Any:
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        slack_api_url=fake.api_url,
        workers=workers,
        work_queue=queue,
    )
    clock = FixedClock(DEFAULT_NOW)
    client = make_client(settings)
    services = build_services(settings, client=client, session_factory=session_factory, clock=clock)
    app = build_app(settings, client=client, session_factory=session_factory, clock=clock, services=services)
    return services, SlackDriver(app, SIGNING_SECRET, fake)


def test_acks_come_before_the_work_and_do_not_wait_for_it(
    bot: Harness, fake_slack: FakeSlack, session_factory: SessionFactory
) -> None:
    add_acme(bot)
    services, slack = threaded_app(fake_slack, session_factory, workers=1, queue=5)
    gate, started = threading.Event(), threading.Event()
    services.work.submit(lambda: (started.set(), gate.wait(5)))
    assert started.wait(5)
    fake_slack.clear()
    sent = slack.command("/log", "call Acme Corp: pricing")
    assert sent.status == 200 and sent.response.body == ""  # acked while the only worker is busy
    with bot.db() as s:
        assert s.query(Activity).count() == 0  # the work has not run yet
    gate.set()
    assert services.work.join()
    assert "Logged a *call*" in str(fake_slack.responses()[-1])
    with bot.db() as s:
        assert s.query(Activity).count() == 1


def test_overload_acks_at_once_with_busy_and_saves_nothing(
    bot: Harness, fake_slack: FakeSlack, session_factory: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    add_acme(bot)
    services, slack = threaded_app(fake_slack, session_factory, workers=1, queue=1)
    gate, started = threading.Event(), threading.Event()
    services.work.submit(lambda: (started.set(), gate.wait(5)))
    assert started.wait(5)
    services.work.submit(lambda: None)  # fills the queue
    with caplog.at_level(logging.WARNING, logger="bot.workers"):
        sent = slack.command("/log", "call Acme Corp: pricing")
    assert sent.status == 200 and BUSY in sent.response.body
    assert "work is full: refusing /log from U0ALICE" in caplog.text
    gate.set()
    assert services.work.join()
    with bot.db() as s:
        assert s.query(Activity).count() == 0


# -- failures after the ack are told -----------------------------------------------------------
def test_a_failure_before_saving_says_nothing_was_saved(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_acme(bot)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("rendering failed")

    monkeypatch.setattr("bot.handlers.log.logged_blocks", broken)
    bot.fake.clear()
    bot.slack.command("/log", "call Acme Corp: pricing")
    assert bot.fake.responses()[-1]["text"] == NOTHING_SAVED
    assert bot.fake.responses()[-1]["response_type"] == "ephemeral"
    assert bot.count(Activity) == 0


def test_a_failure_after_saving_says_it_was_saved(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    add_acme(bot)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("reply failed")

    monkeypatch.setattr("bot.handlers.log.reply", broken)
    bot.fake.clear()
    bot.slack.command("/log", "call Acme Corp: pricing")
    assert bot.fake.responses()[-1]["text"] == PARTLY_SAVED
    assert bot.count(Activity) == 1


# -- App Home refreshes --------------------------------------------------------------------------
class Held:
    """A pool that holds work until told to run it."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def submit(self, work: Any) -> bool:
        self.items.append(work)
        return True

    def run(self) -> None:
        items, self.items = self.items, []
        for work in items:
            work()


def test_home_refreshes_are_coalesced_and_skipped_when_nothing_changed(bot: Harness) -> None:
    add_acme(bot)
    held = Held()
    bot.services.background = held  # type: ignore[assignment]
    bot.fake.clear()
    bot.command("/log", "call Acme Corp: one")
    bot.command("/log", "call Acme Corp: two")
    assert len(held.items) == 1  # one refresh waits for alice, however many changes
    assert bot.fake.params("views.publish") == []  # nothing published on the request path
    held.run()
    assert [p["user_id"] for p in bot.fake.params("views.publish")] == ["U0ALICE"]
    bot.command("/log", "note Acme Corp: three")  # changes nothing on the Home
    held.run()
    assert len(bot.fake.params("views.publish")) == 1
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    held.run()
    assert len(bot.fake.params("views.publish")) == 2
    assert "send the proposal" in str(bot.fake.params("views.publish")[-1]["view"])


# -- profiles ------------------------------------------------------------------------------------
def test_profiles_are_kept_in_memory_until_changed(bot: Harness) -> None:
    engine = bot.session_factory.kw["bind"]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    first = bot.services.people.get("U0ALICE")
    assert str(first.tz) == "Europe/Paris"
    statements.clear()
    assert bot.services.people.get("U0ALICE") == first
    assert statements == []  # from memory
    bot.command("/salesbot", "nudges off renewals")  # changes alice's profile
    assert bot.services.people.get("U0ALICE").nudges_off == ("renewal",)
    assert len(bot.fake.params("users.info")) == 1  # Slack was asked once


# -- read-only units of work -----------------------------------------------------------------------
def test_a_read_only_unit_of_work_cannot_write(bot: Harness) -> None:
    with pytest.raises(ReadOnlyUnitOfWork), bot.services.uow(read_only=True) as session:
        session.add(Account(team_id="T", name="X", name_key="x", status="customer", created_at=DEFAULT_NOW))
        session.flush()
    assert bot.count(Account) == 0


def test_a_read_only_unit_of_work_does_not_wait_for_a_writer(bot: Harness) -> None:
    add_acme(bot)
    read: list[int] = []
    with unit_of_work(bot.session_factory) as writer:  # holds SQLite's write lock
        writer.execute(text("UPDATE accounts SET tier = 'silver'"))

        def reader() -> None:
            with bot.services.uow(read_only=True) as session:
                read.append(session.query(Account).count())

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(5)
        assert read == [1]  # read while the writer still holds its transaction


def test_read_only_units_keep_loaded_objects_readable(bot: Harness) -> None:
    add_acme(bot)
    with bot.services.uow(read_only=True) as session:
        account = session.query(Account).one()
    assert isinstance(session, Session) and account.name == "Acme Corp"
