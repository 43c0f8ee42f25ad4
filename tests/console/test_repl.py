"""The console driven by a script, as a person would type it."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.console.repl import Console, parse_duration
from bot.console.terminal import Terminal
from bot.console.world import World
from bot.reminders.outbox import OutgoingMessage, enqueue
from bot.settings import Settings
from bot.storage.db import unit_of_work
from bot.storage.models import Account, Activity, Task
from tests.helpers import DEFAULT_NOW, FixedClock


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    db = tmp_path / "console.db"
    shutil.copy(sqlite_template, db)
    world = World.start(Settings(database_url=f"sqlite:///{db}"), base_clock=FixedClock(DEFAULT_NOW))
    yield world
    world.close()


def play(world: World, *lines: str, user: str = "alice") -> str:
    out = io.StringIO()
    script = io.StringIO("".join(line + "\n" for line in lines))
    assert Console(world, Terminal(script, out, echo=True), user=user).run() == 0
    return out.getvalue()


def activities(world: World) -> list[Activity]:
    with unit_of_work(world.runtime.services.session_factory) as s:
        return list(s.scalars(select(Activity).order_by(Activity.id)))


def test_log_a_call_then_press_undo(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp tier:gold status:customer owner:@alice csm:@bob",
        "/log call Acme Corp: talked to @bob about #acme-team",
        "1",
    )
    assert "Created *Acme Corp*" in out
    assert "*CSM:* @bob" in out  # <@U0BOB> shown as a name
    assert "Logged a *call* with *Acme Corp*" in out
    assert "talked to @bob about #acme-team" in out
    assert "[1] Undo  [2] Open account" in out
    assert "Undone: the :telephone_receiver: *call* with *Acme Corp*" in out
    [activity] = activities(world)
    # Typed mentions reach the app in Slack's escaped form.
    assert activity.notes == "talked to <@U0BOB|bob> about <#C0ACME|acme-team>"
    assert activity.undone_at is not None


def test_press_by_label_and_switch_user(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp",
        ":as bob",
        "/log email Acme Corp: sent the quote",
        "press open account",
    )
    assert "You are now @bob (America/New_York)." in out
    assert "bob in #general ›" in out
    assert "Acme Corp\n  =========" in out  # the account card's header
    [activity] = activities(world)
    assert activity.user_id == "U0BOB"


def test_fill_the_log_modal_with_a_search_and_an_error(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp",
        "/account add Globex",
        "/log",
        "acm",  # search the account picker
        "1",
        "3",  # type: meeting
        "2099-01-01",  # a future day: the app answers with an error
        "",  # time: keep the default
        "met the buyer\\nand the CFO",
        "",  # date again, now the default (today)
    )
    assert "┌─ Log an activity" in out
    assert "1) Acme Corp" in out and "Globex" not in out.split("acm\n", 1)[1].split("pick", 1)[0]
    assert "! Date: That is in the future" in out
    assert "Logged a *meeting* with *Acme Corp*" in out
    [activity] = activities(world)
    assert (activity.type, activity.source, activity.notes) == (
        "meeting",
        "modal",
        "met the buyer\nand the CFO",
    )
    assert activity.occurred_at.date() == DEFAULT_NOW.date()


def test_cancel_a_modal(world: World) -> None:
    out = play(world, "/log", ":time +1d", ":cancel", ":help")
    assert ":time works once it is closed" in out
    assert "(modal closed without submitting)" in out
    assert world.clock.offset == timedelta(0)
    assert ":time +2d" in out  # the help came after
    assert activities(world) == []


def test_message_shortcut_prefills_the_modal(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp",
        "/account link Acme Corp #acme-team",
        ':shortcut log #acme-team from @bob "Client wants 20 more seats"',
        "",  # account: the channel's account, pre-selected
        "",
        "",
        "",
        "",  # notes: the message text
    )
    assert "[Client wants 20 more seats]" in out
    assert "only visible to @alice" in out
    [activity] = activities(world)
    assert activity.source == "shortcut" and activity.notes == "Client wants 20 more seats"
    assert activity.permalink and "C0ACME" in activity.permalink


def test_a_due_reminder_arrives_as_a_dm_after_moving_the_clock(world: World) -> None:
    services = world.runtime.services
    services.renderers["test"] = lambda services, session, r: OutgoingMessage(
        r.recipient_id or "",
        "Call *Acme* back",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "Call *Acme* back &lt;today&gt;"}}],
    )
    with services.uow() as s:
        enqueue(
            s, kind="test", due_at=DEFAULT_NOW + timedelta(days=2), now=DEFAULT_NOW, recipient_id="U0ALICE"
        )
    out = play(world, ":time +1d", ":time +1d")
    first, second = out.split(":time +1d\n")[1:3]
    assert "DM to @alice" not in first
    assert "── salesbot → DM to @alice ──\n  Call *Acme* back <today>" in second
    assert "Wed 25 Nov, 10:00 in Europe/Paris (2d ahead of real time)" in second


def test_planning_passes_run_after_every_input(world: World) -> None:
    seen: list[object] = []
    world.runtime.services.planning_passes.append(lambda services, now: seen.append(now))
    play(world, ":time +3h", ":who")
    assert seen == [DEFAULT_NOW + timedelta(hours=3)] * 2


def test_unknown_things_are_explained(world: World) -> None:
    out = play(world, "/nope", "hello", "7", ":as dave", ":home", ":time soon")
    assert "/nope is not a valid command" in out
    assert "Type a slash command" in out
    assert "There is nothing to press right now." in out
    assert "Who? People here: alice, bob, carol" in out
    assert "no App Home yet" in out or "App Home of @alice" in out
    assert "Move the clock forward with e.g. :time +2d" in out


def test_ack_replies_and_accounts_are_real(world: World) -> None:
    play(world, "/account add Initech tier:silver")
    with unit_of_work(world.runtime.services.session_factory) as s:
        assert s.scalars(select(Account.name)).all() == ["Initech"]


def test_parse_duration() -> None:
    assert parse_duration("+2d") == timedelta(days=2)
    assert parse_duration("1d3h30m") == timedelta(days=1, hours=3, minutes=30)
    assert parse_duration("+1w") == timedelta(weeks=1)
    with pytest.raises(ValueError):
        parse_duration("+2x")
    with pytest.raises(ValueError):
        parse_duration("")


def test_app_home_and_menus_in_messages(world: World) -> None:
    """The console shows the published App Home on :home, and asks for menu choices in messages."""
    app = world.runtime.app
    picked: list[tuple[str, str, object]] = []

    @app.command("/menu")
    def menu(ack: Any, command: dict) -> None:
        ack()
        world.runtime.services.client.chat_postMessage(
            channel=command["user_id"],
            text="pick",
            blocks=[
                {
                    "type": "section",
                    "block_id": "snooze",
                    "text": {"type": "mrkdwn", "text": "Snooze until?"},
                    "accessory": {
                        "type": "static_select",
                        "action_id": "snooze_pick",
                        "options": [
                            {"text": {"type": "plain_text", "text": "Tomorrow"}, "value": "1d"},
                            {"text": {"type": "plain_text", "text": "Next week"}, "value": "1w"},
                        ],
                    },
                }
            ],
        )

    @app.action("snooze_pick")
    def snooze(ack: Any, action: dict, body: dict) -> None:
        ack()
        picked.append(("snooze", action["selected_option"]["value"], body["channel"]["id"]))

    out = play(world, "/account add Acme Corp", ":home", "/menu", "1", "next")
    assert out.count("── App Home of @alice ──") == 1  # silent updates are not shown, :home is
    assert "── App Home of @alice ──\n\n  Your agenda" in out
    assert "── salesbot → DM to @alice ──\n  Snooze until?\n    [1] Choose ▾" in out
    assert "  Choose:\n    1) Tomorrow\n    2) Next week\n  pick 1-2 › next" in out
    assert picked == [("snooze", "1w", "D0ALICE")]


def test_a_reply_carried_by_the_ack_is_shown(world: World) -> None:
    received: list[str] = []

    def ping(ack: Any, command: dict) -> None:
        received.append(command["text"])
        ack(text=f"pong &lt;{command['text']}&gt;")

    # A listener that answers in its ack registers with Bolt's ack= form (others ack first: bot/workers.py).
    world.runtime.app.command("/ping")(ack=ping, lazy=[])

    out = play(world, "/ping a & b")
    assert received == ["a & b"]  # Slack sends "a &amp; b"; listeners read it as typed
    assert "── salesbot · only visible to you ──\n  pong <a & b>" in out


def test_back_brings_earlier_buttons_back(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp",
        "/log call Acme Corp: first",
        "/log call Acme Corp: second",
        ":back",
        "1",
    )
    assert "Buttons again: [1] Undo  [2] Open account" in out
    first, second = activities(world)
    assert first.notes == "first" and first.undone_at is not None  # the earlier message's Undo
    assert second.undone_at is None


def test_a_manager_gets_the_digest_chart_and_a_copy_of_it(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = play(world, "/team add @alice @bob @carol", "/targets @bob calls:5/week", "/salesbot digest now")
    assert "Added @bob, @carol to @alice's team" in out
    assert "salesbot uploaded team-digest-2026-W47.png → DM to @alice" in out
    assert "a copy is in team-digest-2026-W47.png" in out
    assert "Weekly digest · week of Mon 16 Nov 2026" in out
    assert (tmp_path / "team-digest-2026-W47.png").read_bytes().startswith(b"\x89PNG")


def test_button_numbers_belong_to_the_person_who_sees_them(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp",
        "/followup Acme Corp: call back in 1 hour for @carol",
        ":time +2h",  # carol's reminder arrives, with its buttons, while alice is at the keyboard
        "2",  # alice's own [2]: Open account on her confirmation, not carol's Snooze
        ":as carol",
        "1",  # carol's [1]: Done on her reminder
    )
    assert "→ DM to @carol" in out
    assert "(the buttons for @carol are theirs: `:as carol`, then type the number)" in out
    assert "Acme Corp\n  =========" in out  # alice opened the account
    assert "Your buttons: [1] Done  [2] Snooze 1 hour" in out
    assert "Done: ~call back~" in out
    with unit_of_work(world.runtime.services.session_factory) as s:
        task = s.scalars(select(Task)).one()
        assert (task.status, task.assignee_id) == ("done", "U0CAROL")
        assert task.completed_at == DEFAULT_NOW + timedelta(hours=2)


def test_back_returns_to_the_message_you_came_from(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp",
        "/log call Acme Corp: pricing for 20 more seats",
        "2",  # Open account: the card replaces the buttons
        ":back",
        "1",  # Undo, on the message we came back to
        ":back",
        ":back",
    )
    back = out.split("alice in #general › :back\n", 1)[1]
    assert back.startswith("  Back to where you came from:\n── salesbot · only visible to you ──\n")
    assert "Logged a *call* with *Acme Corp*" in back.split("Buttons again", 1)[0]
    assert "Buttons again: [1] Undo  [2] Open account" in back
    [activity] = activities(world)
    assert activity.undone_at is not None
    assert "No earlier message to go back to." in out


def test_a_button_on_one_of_several_reminders_edits_that_one_in_the_dm(world: World) -> None:
    out = play(
        world,
        "/account add Acme Corp owner:@alice",
        "/followup Acme Corp: send the proposal tomorrow 9am",
        "/followup Acme Corp: book the demo tomorrow 9am",
        ":time +1d",
        "7",  # book the demo's Done (the second reminder's first button)
    )
    arrived, pressed = out.split("alice in #general › 7\n", 1)
    assert "2 reminders" in arrived.split(":time +1d", 1)[1]  # one message for both
    assert pressed.startswith("── salesbot edited a message → DM to @alice ──")
    edited = pressed.split("alice in #general ›", 1)[0]
    assert "send the proposal" in edited and "[1] Done" in edited
    assert "book the demo" in edited and "Done: " in edited
    assert "Slack refused" not in out
