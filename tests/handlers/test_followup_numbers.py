"""Follow-up numbers a person can remember: 1, 2, 3 … in each assignee's own sequence, shown on
every message and typed in every command (signed requests)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from bot.domain import followups
from bot.storage.db import alembic_config, make_engine, upgrade
from bot.storage.models import Account, Task
from tests.handlers.test_edit_forms import opened_after, select_menu, state
from tests.helpers import Harness, all_text, find_button

BOB = "<@U0BOB|bob>"


def numbers(bot: Harness) -> dict[str, tuple[str, int | None, str]]:
    with bot.db() as s:
        return {t.title: (t.assignee_id, t.number, t.status) for t in s.scalars(select(Task))}


def setup_accounts(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/account", "add Globex status:customer owner:<@U0ALICE|alice>")


def test_each_person_counts_their_own_follow_ups_from_one(bot: Harness) -> None:
    setup_accounts(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    assert "`#1`" in bot.last_text()
    bot.command("/followup", f"Globex: prepare QBR friday for {BOB}")
    assert "<@U0BOB> `#1`" in bot.last_text()  # Bob's first, named as his to Alice
    bot.command("/followup", "Globex: call back next monday", user="U0CAROL")
    bot.command("/followup", "Globex: send the contract end of month")
    assert "`#2`" in bot.last_text()  # Alice's second: the rows in between do not count
    assert numbers(bot) == {
        "send the proposal": ("U0ALICE", 1, "open"),
        "prepare QBR": ("U0BOB", 1, "open"),
        "call back": ("U0CAROL", 1, "open"),
        "send the contract": ("U0ALICE", 2, "open"),
    }

    bot.command("/followup", "list")
    listed = bot.last_text()
    assert "`#1` *send the proposal*" in listed and "`#2` *send the contract*" in listed
    assert "call back" not in listed and "prepare QBR" not in listed

    bot.command("/followup", "done 2")
    assert "Done: ~send the contract~" in bot.last_text()
    bot.command("/followup", "cancel #1")
    assert "Cancelled: ~send the proposal~" in bot.last_text()
    bot.command("/followup", "done 1", user="U0CAROL")  # Carol's #1, not Alice's
    assert numbers(bot)["call back"] == ("U0CAROL", 1, "done")
    assert numbers(bot)["prepare QBR"] == ("U0BOB", 1, "open")

    bot.command("/followup", "Acme Corp: next call tomorrow")
    assert "`#3`" in bot.last_text()  # never reused: #1 and #2 stay the ones in old messages


def test_a_colleagues_number_is_typed_with_their_mention(bot: Harness) -> None:
    setup_accounts(bot)
    bot.command("/followup", "Acme Corp: my own thing tomorrow")
    bot.command("/followup", f"Globex: prepare QBR friday for {BOB}")
    bot.command("/followup", f"cancel {BOB} 1")  # Alice asked for it: she may call it off
    assert "Cancelled: ~prepare QBR~" in bot.last_text() and "<@U0BOB> `#1`" in bot.last_text()
    assert numbers(bot)["my own thing"] == ("U0ALICE", 1, "open")
    bot.command("/followup", f"done {BOB} 7")
    assert "There is no follow-up #7 in that colleague's list" in bot.last_text()
    bot.command("/followup", "done 9")
    assert "There is no follow-up #9 of yours" in bot.last_text()


def test_snooze_by_number_moves_that_follow_up_in_the_assignees_hours(bot: Harness) -> None:
    setup_accounts(bot)
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "Globex: call back tomorrow 10am")
    bot.command("/followup", "snooze 2 friday 14h")
    reply = bot.last_text()
    assert "Snoozed: *call back* · *Globex* `#2`" in reply and "Fri 27 Nov, 14:00" in reply
    bot.command("/followup", "snooze 1 next week")
    assert "Snoozed (next week): *send the proposal*" in bot.last_text()
    assert "Mon 30 Nov, 09:00" in bot.last_text()
    with bot.db() as s:
        due = {t.number: t.due_at for t in s.scalars(select(Task))}
    assert due == {1: datetime(2026, 11, 30, 8, 0, tzinfo=UTC), 2: datetime(2026, 11, 27, 13, 0, tzinfo=UTC)}

    for typed, fragment in [
        ("snooze 2", "Until when?"),
        ("snooze 2 25:00", "“25:00” is not a time of day"),
        ("snooze 2 someday", "I couldn't read “someday” as a time"),
        ("snooze two tomorrow", "Which follow-up? Give its number"),
    ]:
        bot.command("/followup", typed)
        assert fragment in bot.last_text(), typed
        assert "/followup snooze 12 tomorrow" in bot.last_text()
    with bot.db() as s:
        assert {t.number: t.due_at for t in s.scalars(select(Task))} == due  # nothing written


def test_buttons_menus_and_the_card_show_the_persons_number(bot: Harness) -> None:
    setup_accounts(bot)
    bot.command("/followup", "Globex: unrelated tomorrow", user="U0BOB")  # a row id before Alice's
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "list")
    menu = bot.last_reply()["blocks"]
    labels = [o["text"]["text"] for b in menu for e in b.get("elements", []) for o in e.get("options", [])]
    assert labels == ["#1 send the proposal"]
    with bot.db() as s:
        task_id = s.scalars(select(Task.id).where(Task.assignee_id == "U0ALICE")).one()
    view = opened_after(bot, select_menu(bot, menu, "edit_followup", str(task_id)))
    assert view["title"]["text"] == "Edit follow-up #1"
    saved = bot.slack.submit(view, state(view, assignee="U0CAROL"))  # handed over to Carol
    assert saved.status == 200
    assert numbers(bot)["send the proposal"] == ("U0CAROL", 1, "open")  # Carol's first
    assert "<@U0CAROL> `#1`" in all_text(bot.fake.params("chat.postEphemeral")[-1]["blocks"])

    bot.command("/account", "Acme Corp")
    assert "<@U0CAROL> `#1`" in bot.last_text()
    bot.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # Carol's 09:00
    bot.dispatch()
    reminder = bot.last_dm("U0CAROL")
    assert "*send the proposal* `#1`" in all_text(reminder["blocks"])
    bot.click("Done", user="U0CAROL", blocks=reminder["blocks"])
    assert "Done: ~send the proposal~ · *Acme Corp* `#1`" in bot.last_text()
    find_button(bot.last_reply()["blocks"], "Follow up in 1 week")


def test_the_migration_numbers_existing_follow_ups_per_assignee(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "perf_0002_planning_marks")  # the revision before numbers
        conn.execute(
            text(
                "INSERT INTO accounts (team_id, name, name_key, search_key, status, tags, created_at, updated_at) "
                "VALUES ('T_LOCAL', 'Acme', 'acme', 'acme', 'customer', '[]', '2026-11-23 09:00:00', "
                "'2026-11-23 09:00:00')"
            )
        )
        rows = [("followup", "U0A"), ("visit", "U0A"), ("followup", "U0B"), ("followup", "U0A")]
        for kind, who in rows:
            conn.execute(
                text(
                    "INSERT INTO tasks (kind, account_id, title, assignee_id, due_at, all_day, status, created_at) "
                    "VALUES (:kind, 1, 't', :who, '2026-11-24 09:00:00', 0, 'open', '2026-11-23 09:00:00')"
                ),
                {"kind": kind, "who": who},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT id, kind, assignee_id, number FROM tasks ORDER BY id")).all()
    assert [tuple(r) for r in found] == [
        (1, "followup", "U0A", 1),
        (2, "visit", "U0A", None),
        (3, "followup", "U0B", 1),
        (4, "followup", "U0A", 2),
    ]
    engine.dispose()


def test_concurrent_creations_get_distinct_numbers(db_bot: Harness) -> None:
    """Two requests numbering the same person's follow-ups at once (SQLite file; PostgreSQL when
    given): the second sees the first's number taken and takes the next, never a duplicate."""
    db_bot.command("/account", "add Acme Corp")
    with db_bot.db() as s:
        account = s.scalars(select(Account)).one()
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            start.wait()
            with db_bot.services.uow() as session:
                followups.create(
                    session,
                    account=session.get(Account, account.id),  # type: ignore[arg-type]
                    title=f"task {n}",
                    assignee_id="U0ALICE",
                    created_by="U0ALICE",
                    due_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
                    all_day=False,
                    now=db_bot.clock.now(),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with db_bot.db() as s:
        assert sorted(s.scalars(select(Task.number))) == [1, 2, 3, 4]


def test_a_taken_number_is_retried_with_the_next(bot: Harness) -> None:
    """What the concurrent test cannot force on SQLite: the number read is taken by the time the
    row is written (another transaction committed it meanwhile)."""
    bot.command("/account", "add Acme Corp")
    bot.command("/followup", "Acme Corp: first tomorrow")
    with bot.services.uow() as session:
        account = session.scalars(select(Account)).one()
        task = followups.create(
            session,
            account=account,
            title="second",
            assignee_id="U0BOB",
            created_by="U0ALICE",
            due_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
            all_day=False,
            now=bot.clock.now(),
        )
        assert task.number == 1
        taken = session.scalar(select(Task).where(Task.title == "first"))
        assert taken is not None
        calls = {"n": 0}
        real_scalar = session.scalar

        def stale_max(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 1:  # the first read is stale: it misses Alice's #1
                return None
            return real_scalar(statement, *args, **kwargs)

        session.scalar = stale_max  # type: ignore[method-assign]
        followups.assign(session, task, "U0ALICE")
        session.scalar = real_scalar  # type: ignore[method-assign]
        assert (task.assignee_id, task.number, calls["n"]) == ("U0ALICE", 2, 2)
