"""Hostile input for every command, button and form, and the properties every request must keep.

Shared by the suite (``tests/hostile/test_fuzz.py``: bounded, fixed seed) and the long campaign
(``python -m bench.fuzz``). A *world* is the app with a few rows of everything (accounts, follow-ups,
opportunities, signals, contacts, visits, a team, reminders delivered as DMs) and every button and
form those produced; requests are then sent with hostile texts and values, and each is checked:

- it gets HTTP 200 and a reply (a response, a message, a modal, or an answer in the ack);
- nothing is logged at ERROR (no unhandled exception);
- a refused request (its reply starts with ``:warning:`` or says the row is gone or the button out of
  date; a form answered with errors) leaves every table unchanged (row counts and a checksum of the
  rows; the records of requests already seen are bookkeeping, not data: ``snapshot.VOLATILE``);
- nothing the bot sends holds a ping taken from typed text (``<!channel>``, ``<!here>``, ``<@U…|name>``).
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from slack_bolt import App
from sqlalchemy import Engine, select

from bot.console.fake_slack import FakeSlack, FakeSlackState
from bot.storage.models import Opportunity, Task
from tests.helpers import Harness, buttons, session_factory_for
from tests.hostile.snapshot import changed, pings, snapshot

COMMANDS: dict[str, list[str]] = {
    "/log": ["", "call", "meeting", "email", "visit", "demo", "video", "note", "noshow", "help"],
    "/account": ["", "add", "set", "link", "list", "history", "help"],
    "/followup": ["", "list", "done", "cancel", "help"],
    "/visit": ["", "list", "stop", "help"],
    "/agenda": ["", "week", "help"],
    "/signal": ["", "help"],
    "/opportunity": ["", "add", "set", "won", "lost", "list", "history", "team", "help"],
    "/contact": ["", "add", "set", "list", "remove", "help"],
    "/pipeline": ["", "help"],
    "/salesbot": ["", "help", "digest now", "nudges", "nudges off", "nudges on", "failed"],
    "/team": ["", "add", "remove", "show", "channel", "help"],
    "/targets": ["", "team", "show", "clear", "simulate", "help"],
    "/stats": ["", "team", "help"],
}
USERS = ["U0ALICE", "U0BOB", "U0CAROL"]
# One text that holds a bit of everything: a special mention, Unicode and huge numbers, absurd dates,
# a NUL, an unbalanced quote, a labelled mention and an amount PostgreSQL's integers can't hold.
HOSTILE = "<!channel> ² 99999999999999999999 0001-01-01 in 99999999 days \x00 “ <@U0BOB|bob> mrr:3000000000"
# Listeners that are not buttons: slash commands, events, shortcuts, forms, option loads.
NOT_BUTTONS = {"app_home_opened", "message", "log_message_as_activity", "flag_signal", "account"}
# How a reply says that nothing was done: a warning, a row that is gone, a button out of date.
REFUSALS = (
    ":warning:", ":lock:", "no longer exists", "no longer planned", "out of date", "There is no",
    "nothing to snooze",
)  # fmt: skip
# Values no button of ours carries: each must be refused politely, writing nothing.
FORGED = ["", "garbage", "²", "٣", "-1", "0", "99999999999999999999", "{", "[]", "null",
          '{"a": "x"}', '{"a": 99999999999999999999}', '{"t": -1, "w": "week"}', '{"v": [1]}',
          "0:2026-02-30", "<!channel>", "\x00", "x" * 3000]  # fmt: skip

FRAGMENTS = [
    "Acme Corp", "Acme", "acme corp", "Globex", "<!channel> Corp", "Jane Doe", '"Jane Doe"', "Tom",
    "tomorrow", "9am", "yesterday 3pm", "friday 14h", "next tuesday", "end of quarter", "in 3 weeks",
    "in 99999999 days", "99999999 days ago", "0001-01-01", "9999-12-31", "2026-02-30", "31/02", "25:00",
    "13pm", "every 2 weeks", "every 0 days", "every 99999 months", "quarterly", "on 2026-12-10 10:00",
    "upsell", "cross-sell", "churn-risk", "advocacy", "renewal", "with", "with Jane Doe, Tom", ":", "::",
    '"', "'", "“", "”", "#1", "#2", "1", "2", "0", "-5", "²", "٣", "१२", "99999999999999999999", "1e308",
    "nan", "inf", "<@U0BOB|bob>", "<@U0ALICE>", "<@U0CAROL|carol>", "<@UNOBODY999>", "<#C0SALES|sales>",
    "<#C0GONE>", "<!here>", "<!everyone>", "<!subteam^S123|@team>", "<https://example.com|link>",
    "<mailto:a@b.example|a@b.example>", "&amp;", "&lt;", "&gt;", "<", ">", "&", "\x00", "\x1b[31m",
    "\u202e", "\u200b", "ß" * 120, "ﬃ" * 80, "%", "_", "*", "[a-z]", "?", "\\", "all", "week", "team",
    "month", "2026-Q4", "9999-Q9", "help", "none", "-",
]  # fmt: skip
FIELDS = [
    "tier", "status", "owner", "csm", "tags", "mrr", "renewal", "channel", "external_id", "name",
    "stage", "close", "reason", "title", "role", "email", "phone", "notes", "kind", "tag", "calls",
    "meetings", "won_mrr", "bogus",
]  # fmt: skip
VALUES = [
    "gold", "customer", "@alice", "<@U0BOB|bob>", "<@U" + "A" * 60 + ">", "retail,north", "4.2k",
    "+1200", "3000000000", "-1", "1e400", "2027-03-31", "0001-01-01", "2026-02-30", "<#C0SALES|sales>",
    "<#C" + "X" * 60 + ">", "e" * 130, '"two words"', "", "none", "qualified", "price", "5/week",
    "99999999999999999/week", "jane@acme.example", "+1-555-0100", "x" * 300,
]  # fmt: skip
LONG_TEXTS = [
    " ".join(["w"] * 10_000) + " : n",
    "a" * 50_000,
    "Acme Corp " + " ".join(["with"] * 3_000),
    " ".join(["Acme"] * 4_000) + " tomorrow 9am",
    "<!channel> " * 2_000,
    '"' * 5_000,
    ": " * 5_000,
]


def texts() -> st.SearchStrategy[str]:
    """Command texts: known words, arbitrary Unicode, key:value pairs, and now and then a huge one."""
    pair = st.builds(
        lambda k, v: f"{k}:{v}", st.sampled_from(FIELDS), st.sampled_from(VALUES) | st.text(max_size=12)
    )
    piece = st.one_of(
        st.sampled_from(FRAGMENTS),
        st.sampled_from(FRAGMENTS),
        pair,
        st.text(max_size=15),
        st.integers(-(2**70), 2**70).map(str),
    )
    short = st.lists(piece, max_size=10).map(" ".join)
    return st.one_of(short, short, short, short, short, short, short, short, st.sampled_from(LONG_TEXTS))


def garbage_values() -> st.SearchStrategy[str]:
    """What a forged button or form value may be."""
    return st.one_of(
        st.sampled_from(
            ["", "0", "-1", "999999", "99999999999999999999", "²", "٣", "abc", "null", "[]", "{}"]
        ),
        st.sampled_from(['{"a": 999999}', '{"t": "x"}', '{"a": null}', '{"v": "²"}', "[1, 2]", '"1"']),
        st.text(max_size=30),
        st.integers(-(2**40), 2**40).map(str),
    )


def mutated(value: str) -> st.SearchStrategy[str]:
    """A button's real value with its ids swapped for others (rows that don't exist, garbage)."""
    try:
        data = json.loads(value)
    except ValueError:
        return garbage_values()
    if not isinstance(data, dict) or not data:
        return garbage_values()
    replacement = st.one_of(
        st.integers(-5, 1_000_000),
        st.integers(2**31, 2**64),
        st.text(max_size=10),
        st.none(),
        st.sampled_from([[], {}, 1.5, True]),
    )
    return st.builds(
        lambda key, new: json.dumps({**data, key: new}), st.sampled_from(sorted(data)), replacement
    )


def _registered(app: App, kinds: tuple[str, ...]) -> set[str]:
    """The ids Bolt matches listeners of ``kinds`` on (``action``, ``view_submission``): a pattern
    gives one id it matches."""
    samples = {
        "followup_snooze_": "followup_snooze_1h",
        "followup_next_": "followup_next_3",
        "edit_account": "edit_account",
    }
    found: set[str] = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None or func.__qualname__.split(".")[0] not in kinds:
                continue
            for cell in [c.cell_contents for c in (func.__closure__ or [])]:
                if isinstance(cell, str):
                    found.add(cell)
                elif hasattr(cell, "pattern"):
                    found.add(next((v for k, v in samples.items() if k in cell.pattern), ""))
    return found - {""}


def registered_actions(app: App) -> list[str]:
    """The action id of every button (and menu) listener the app registered."""
    return sorted(_registered(app, ("action", "block_action")) - NOT_BUTTONS)


def registered_views(app: App) -> list[str]:
    """The callback id of every form (``view_submission``) listener the app registered."""
    return sorted(_registered(app, ("view_submission",)))


# -- what a request did ---------------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str  # command | button | form
    what: str  # "/log call …", an action_id, a callback_id
    status: int = 0
    replied: bool = False
    refused: bool = False
    answer: str = ""  # the reply's first text, or the ack's body
    errors: list[str] = field(default_factory=list)  # ERROR log lines
    changed: list[str] = field(default_factory=list)  # tables a refused request changed
    pings: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = []
        if self.status != 200:
            found.append(f"HTTP {self.status}")
        if self.errors:
            found.append("logged: " + " | ".join(self.errors)[:600])
        if self.kind == "command" and not self.replied:
            found.append("no reply")
        if self.changed:
            found.append(f"refused, yet changed {self.changed}")
        if self.pings:
            found.append(f"pings {self.pings}")
        return found


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        self.lines.append(text)


@contextmanager
def errors_logged() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _sent(bot: Harness) -> dict[str, int]:
    fake = bot.fake
    return {
        "responses": len(fake.responses()),
        **{m: len(fake.params(m)) for m in ("chat.postMessage", "chat.postEphemeral", "views.open",
                                              "views.push", "views.update", "chat.update", "views.publish")},
    }  # fmt: skip


def _new_payloads(bot: Harness, before: dict[str, int]) -> list[dict[str, Any]]:
    fake = bot.fake
    out = list(fake.responses()[before["responses"] :])
    for method, count in before.items():
        if method != "responses":
            out.extend(fake.params(method)[count:])
    return out


def _first_text(payload: dict[str, Any]) -> str:
    for block in payload.get("blocks") or []:
        text = (block.get("text") or {}).get("text") if isinstance(block, dict) else None
        if isinstance(text, str):
            return text
    return str(payload.get("text") or "")


class World:
    """The app on one database with rows of every kind, and the buttons and forms they produced."""

    def __init__(self, bot: Harness, engine: Engine) -> None:
        self.bot = bot
        self.engine = engine
        self.buttons: list[tuple[dict[str, Any], dict[str, Any] | None, str]] = []  # element, message, block
        self.views: list[dict[str, Any]] = []
        self._seen_buttons: set[tuple[str, str]] = set()
        self._seen_views: set[str] = set()

    # -- building the world ------------------------------------------------------------------------
    def populate(self) -> World:
        bot = self.bot
        script = [
            ("U0ALICE", "/account", "add Acme Corp tier:gold status:customer owner:<@U0ALICE|alice> "
             "csm:<@U0BOB|bob> mrr:4200 renewal:2027-03-31 channel:<#C0ACME|acme-team>"),
            ("U0BOB", "/account", "add Globex owner:<@U0BOB|bob>"),
            ("U0ALICE", "/account", "add <!channel> Corp owner:<@U0CAROL|carol>"),
            ("U0ALICE", "/contact", 'add Acme Corp "Jane Doe" title:"VP Finance" role:economic-buyer'),
            ("U0ALICE", "/log", "meeting Acme Corp with Jane Doe: pricing <!here> for 20 seats"),
            ("U0ALICE", "/log", "noshow <!channel> Corp"),
            ("U0ALICE", "/followup", "Acme Corp: send the proposal tomorrow 9am"),
            ("U0BOB", "/followup", "Globex: call back friday 14h"),
            ("U0ALICE", "/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified'),
            ("U0BOB", "/opportunity", "add Globex new Pilot"),
            ("U0BOB", "/signal", "Acme Corp upsell: asked for 20 more seats"),
            ("U0ALICE", "/visit", "Acme Corp every 2 weeks"),
            ("U0ALICE", "/team", "add <@U0BOB|bob> <@U0CAROL|carol>"),
            ("U0ALICE", "/targets", "<@U0BOB|bob> calls:8/week"),
            ("U0ALICE", "/account", "Acme Corp"),
            ("U0ALICE", "/account", "history Acme Corp"),
            ("U0ALICE", "/followup", "list"),
            ("U0ALICE", "/opportunity", "list"),
            ("U0ALICE", "/opportunity", "1"),
            ("U0ALICE", "/contact", "list Acme Corp"),
            ("U0ALICE", "/agenda", "week"),
            ("U0ALICE", "/log", ""),
            ("U0ALICE", "/log", "call Acme Crop: typo"),
            ("U0ALICE", "/salesbot", "nudges"),
            ("U0ALICE", "/salesbot", "failed"),
        ]  # fmt: skip
        for user, command, text in script:
            bot.command(command, text, user=user)
        # Reminders come due: follow-ups, visit announcements, the morning message, signal routing.
        for days in (1, 2, 4, 8):
            bot.clock.advance(days=days)
            bot.tick()
        self.collect()
        # Open every form a button opens (Edit, Slot booked, Dismiss …): forms are fuzzed too.
        for element, message, block_id in list(self.buttons):
            self.press(element, message, block_id, element.get("value", ""), "U0ALICE")
        self.collect()
        self.open_remaining_forms()
        return self

    def open_remaining_forms(self) -> None:
        """The forms no button shown so far opened: edit menus, "Slot booked", the message shortcut."""
        bot = self.bot
        ahead = (bot.clock.now() + timedelta(days=30)).date().isoformat()
        bot.command("/visit", f"Globex on {ahead} 10:00", user="U0BOB")  # days ahead: "Slot booked"
        with bot.db() as session:
            tasks = session.execute(select(Task.id, Task.kind, Task.assignee_id).order_by(Task.id)).all()
            opportunities = session.execute(select(Opportunity.id, Opportunity.owner_id)).all()
        for task_id, kind, assignee in tasks:
            action = "visit_done" if kind == "visit" else "edit_followup"
            bot.slack.block_action(action, str(task_id), user=assignee or "U0ALICE")
        for opportunity_id, owner in opportunities:
            bot.slack.block_action("edit_opportunity", str(opportunity_id), user=owner or "U0ALICE")
        message = {"type": "message", "user": "U0BOB", "ts": "1796700000.000100", "text": "20 more seats?"}
        bot.slack.shortcut("flag_signal", message, user="U0ALICE", channel="C0ACME")
        bot.give_role("U0CAROL", "admin")  # the playbook form is an admin's
        bot.command("/salesbot", "playbook set", user="U0CAROL")
        self.collect()

    def collect(self) -> None:
        """Every button and modal the bot has sent so far."""
        fake = self.bot.fake
        for reply in fake.responses():
            self._add_buttons(reply.get("blocks"), None)
        for channel, messages in list(fake.state.messages.items()):
            for message in messages:
                self._add_buttons(message.get("blocks"), fake.message(channel, message["ts"]))
        for method in ("views.open", "views.push", "views.update", "views.publish"):
            for params in fake.params(method):
                view = params.get("view") or {}
                self._add_buttons(view.get("blocks"), None)
                key = view.get("callback_id") or ""
                if view.get("type") == "modal" and key and key not in self._seen_views:
                    self._seen_views.add(key)
                    self.views.append(view)

    def _add_buttons(self, blocks: list[dict[str, Any]] | None, message: dict[str, Any] | None) -> None:
        for block in blocks or []:
            for element in buttons([block]):
                key = (element.get("action_id", ""), str(element.get("value", ""))[:40])
                if key not in self._seen_buttons:
                    self._seen_buttons.add(key)
                    self.buttons.append((element, message, block.get("block_id", "b")))

    # -- requests --------------------------------------------------------------------------------
    def _observe(self, kind: str, what: str, send: Any, *, refused: bool = False) -> Outcome:
        """Send a request and check it; ``refused``: it must be refused (a forged value), so it must
        change nothing whatever its reply says."""
        before_rows = snapshot(self.engine)
        before_sent = _sent(self.bot)
        outcome = Outcome(kind, what)
        with errors_logged() as logged:
            sent = send()
        outcome.status = sent.status
        outcome.errors = logged.lines
        payloads = _new_payloads(self.bot, before_sent)
        ack = sent.response.body or ""
        outcome.replied = bool(payloads) or bool(ack.strip())
        outcome.pings = [p for payload in payloads for p in pings(payload)]
        if ack.strip().startswith("{"):
            outcome.pings += pings(json.loads(ack))
        first = _first_text(payloads[0]) if payloads else ack
        outcome.answer = first if payloads else ack
        outcome.refused = refused or any(word in first for word in REFUSALS) or '"errors"' in ack
        if outcome.refused:
            outcome.changed = changed(before_rows, snapshot(self.engine))
        return outcome

    def command(self, command: str, text: str, user: str) -> Outcome:
        return self._observe(
            "command", f"{command} {text[:60]}", lambda: self.bot.slack.command(command, text, user=user)
        )

    def press(
        self, element: dict[str, Any], message: dict[str, Any] | None, block_id: str, value: str, user: str
    ) -> Outcome:
        pressed = {**element, "value": value}

        def send() -> Any:
            if message is not None:
                return self.bot.slack.click(
                    pressed, user=user, channel=str(message["channel"]), message=message, block_id=block_id
                )
            return self.bot.slack.click(pressed, user=user, block_id=block_id)

        return self._observe("button", f"{element.get('action_id')}={value[:60]!r}", send)

    def forge(self, action_id: str, value: str, user: str) -> Outcome:
        """A press of ``action_id`` with a value no message of ours carries: refused, nothing written."""
        return self._observe(
            "button",
            f"{action_id}={value[:60]!r}",
            lambda: self.bot.slack.block_action(action_id, value, user=user),
            refused=True,
        )

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, Any],
        metadata: str | None,
        user: str,
        *,
        refused: bool = False,
    ) -> Outcome:
        """Submit ``view`` with ``values`` and ``metadata`` (``None``: its own); ``refused``: it must be."""
        sent_view = {
            **view,
            "private_metadata": view.get("private_metadata", "") if metadata is None else metadata,
        }
        return self._observe(
            "form",
            str(view.get("callback_id")),
            lambda: self.bot.slack.submit(sent_view, values, user=user),
            refused=refused,
        )


def _copy_state(state: FakeSlackState) -> FakeSlackState:
    with state.lock:
        kept = {f.name: copy.deepcopy(getattr(state, f.name)) for f in fields(state) if f.name != "lock"}
    return FakeSlackState(**kept, lock=threading.Lock())


@dataclass
class SavedWorld:
    """A populated world as it stood: its database is saved by the caller (a file, a template
    database); ``restore`` turns a copy of it into a world of its own, with its own fake Slack and app,
    exactly where the populated one was (as if the app had restarted there). Populating is slow: the
    suite populates once per database backend and process, and every test gets a copy."""

    state: FakeSlackState
    next_ts: int  # the fake's next message ts, the driver's next request id: never reused
    next_request: int
    now: datetime
    buttons: list[tuple[dict[str, Any], dict[str, Any] | None, str]]
    views: list[dict[str, Any]]
    seen_buttons: set[tuple[str, str]]
    seen_views: set[str]

    @classmethod
    def of(cls, world: World) -> SavedWorld:
        bot = world.bot
        return cls(
            _copy_state(bot.fake.state),
            next(bot.fake._ts),
            next(bot.slack._ids),
            bot.clock.now(),
            copy.deepcopy(world.buttons),
            copy.deepcopy(world.views),
            set(world._seen_buttons),
            set(world._seen_views),
        )

    def restore(self, fake: FakeSlack, engine: Engine) -> World:
        """The world on ``engine`` (a copy of the saved database), ``fake`` holding what Slack held."""
        fake.state = _copy_state(self.state)
        fake._ts = itertools.count(self.next_ts)
        bot = Harness.create(fake, session_factory_for(engine), now=self.now)
        bot.slack._ids = itertools.count(self.next_request)
        world = World(bot, engine)
        world.buttons = copy.deepcopy(self.buttons)
        world.views = copy.deepcopy(self.views)
        world._seen_buttons = set(self.seen_buttons)
        world._seen_views = set(self.seen_views)
        return world


def inputs_of(view: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(block_id, element) of every input in a modal."""
    out = []
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            out.append((block.get("block_id", ""), block["element"]))
    return out


def state_for(view: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Slack's ``state.values`` for a modal, each input filled with something hostile (or left empty)."""
    parts = []
    for block_id, element in inputs_of(view):
        parts.append(
            st.tuples(st.just(block_id), st.just(element.get("action_id", "")), _input_value(element))
        )
    return st.tuples(*parts).map(
        lambda filled: {block: {action: value} for block, action, value in filled if value is not None}
    )


def _option_values(element: dict[str, Any]) -> list[str]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return [str(o.get("value")) for o in options if isinstance(o, dict)]


def _input_value(element: dict[str, Any]) -> st.SearchStrategy[dict[str, Any] | None]:
    kind = element.get("type")
    text = st.one_of(texts(), st.text(max_size=40), st.just(""))
    day = st.sampled_from(["2026-12-01", "2026-02-30", "0001-01-01", "9999-12-31", "garbage", ""])
    choice = st.sampled_from(_option_values(element) or ["x"]) | garbage_values()
    option = choice.map(lambda v: {"value": v, "text": {"type": "plain_text", "text": v[:70] or "x"}})
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = st.builds(lambda v: {"type": kind, "value": v}, text)
    elif kind in ("static_select", "external_select", "radio_buttons"):
        value = st.builds(lambda o: {"type": kind, "selected_option": o}, option | st.none())
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        value = st.builds(lambda os: {"type": kind, "selected_options": os}, st.lists(option, max_size=3))
    elif kind == "datepicker":
        value = st.builds(lambda d: {"type": kind, "selected_date": d or None}, day)
    elif kind == "timepicker":
        value = st.builds(
            lambda t: {"type": kind, "selected_time": t}, st.sampled_from(["09:00", "25:00", "x", ""])
        )
    elif kind in ("users_select", "multi_users_select"):
        user = st.sampled_from([*USERS, "UNOBODY", "", "U" + "A" * 60])
        value = st.builds(lambda u: {"type": kind, "selected_user": u, "selected_users": [u]}, user)
    elif kind in ("conversations_select", "channels_select"):
        channel = st.sampled_from(["C0SALES", "C0GONE", "", "C" + "X" * 60])
        value = st.builds(
            lambda c: {"type": kind, "selected_conversation": c, "selected_channel": c}, channel
        )
    else:
        value = st.builds(lambda v: {"type": kind, "value": v}, text)
    return value | st.none()


def metadata_for(view: dict[str, Any]) -> st.SearchStrategy[str | None]:
    """The modal's own ``private_metadata`` (``None``), or a forged one."""
    original = str(view.get("private_metadata") or "")
    return st.one_of(st.none(), st.none(), mutated(original) if original else garbage_values())


FILLERS = {"mrr": "1200", "reason": "They chose a competitor", "notes": "Went well"}


def initial_state(view: dict[str, Any], *, day: str | None = None) -> dict[str, Any]:
    """Slack's ``state.values`` for a modal submitted as it was opened (what it showed, and a plain
    answer where it showed nothing; every date ``day`` if given): what the form accepts while its
    rows exist."""
    state: dict[str, Any] = {}
    for block_id, element in inputs_of(view):
        kind, action = element.get("type"), element.get("action_id", "")
        options = [o for o in _option_values(element) if o]
        if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
            value: dict[str, Any] = {"value": element.get("initial_value") or FILLERS.get(block_id, "Words")}
        elif kind in ("static_select", "external_select", "radio_buttons"):
            option = element.get("initial_option") or ({"value": options[0]} if options else None)
            if option is None:
                continue
            value = {"selected_option": option}
        elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
            value = {"selected_options": element.get("initial_options") or []}
        elif kind == "datepicker":
            value = {"selected_date": day or element.get("initial_date") or "2027-06-01"}
        elif kind == "timepicker":
            value = {"selected_time": element.get("initial_time") or "10:00"}
        elif kind == "users_select":
            value = {"selected_user": element.get("initial_user") or "U0ALICE"}
        elif kind in ("conversations_select", "channels_select"):
            channel = element.get("initial_conversation") or element.get("initial_channel")
            if not channel:
                continue
            value = {"selected_conversation": channel, "selected_channel": channel}
        else:
            continue
        state[block_id] = {action: {"type": kind, **value}}
    return state


# The keys under which a form's metadata names a row (the others say where to answer).
ROW_KEYS = {"a", "t", "account", "task", "opportunity", "signal"}


def forged_metadata(view: dict[str, Any]) -> list[str]:
    """``private_metadata`` no form of ours carries: unreadable, or naming rows that don't exist."""
    forged = ["garbage", "[]", "null", "{", '"{}"']
    try:
        original = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        original = {}
    for key in original if isinstance(original, dict) else []:
        if key in ROW_KEYS:
            for other in (999_999, 99_999_999_999_999_999_999, -1, "²", None):
                forged.append(json.dumps({**original, key: other}))
    return forged
