"""``salesbot console``: chat with the real app in a terminal, with this program playing Slack.

Every input becomes the signed request Slack would send (slash command, button press, modal
submission, message shortcut, App Home event). After each input the due work runs (planning passes
and the reminder dispatcher) and everything the app sent to the fake Slack is shown as text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.console.fake_slack import Call
from bot.console.inputs import Cancelled, ElementPrompter, flatten_options
from bot.console.render import Names, Renderer, mrkdwn, text_of
from bot.console.slack_requests import Sent
from bot.console.terminal import EndOfInput, Terminal
from bot.console.world import World
from bot.domain.dates import format_when
from bot.domain.text import escape
from bot.reminders.dispatcher import Dispatcher
from bot.settings import Settings

log = logging.getLogger(__name__)
Block = dict[str, Any]

HELP = """\
Type slash commands exactly as in Slack:  /log call Acme Corp: discussed renewal
  @alice and #acme-team become Slack mentions and channel links; @here and @channel too.
Buttons are numbered under each reply: type the number (1) or `press Undo`. Numbers are
  per person: a DM to someone else keeps its numbers for them (:as them to press).
Modals ask for each field in turn: Enter keeps the [default], :none leaves an optional field
  empty, :cancel closes the modal. Searchable pickers: type a few letters, then pick a number.
Console commands:
  :as bob                      act as another person (alice, bob, carol)
  :in #acme-team               send commands from another channel (a new name creates it)
  :home                        open the App Home tab and show what the app publishes there
  :shortcut log TEXT           run a message shortcut on a message saying TEXT
  :shortcut signal #acme-team from @bob TEXT
                               … posted in a channel, written by someone else
                               (shortcuts: log = Log as activity, signal = Flag a signal,
                               or any callback id)
  :time                        show the console's clock
  :time +2d   :time +3h30m     move the clock forward (m, h, d, w); due reminders then arrive
  :who                         people and channels of this workspace
  :back                        return to the message you came from, with its buttons
  :help                        this help
  :quit                        leave (Ctrl+D works too)"""

SHORTCUTS = {
    "log": "log_message_as_activity",
    "signal": "flag_signal",
    "flag": "flag_signal",
}
_DURATION = re.compile(r"(\d+)\s*([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SHOWN_METHODS = {
    "response_url",
    "files.completeUploadExternal",
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "views.open",
    "views.push",
    "views.update",
    "views.publish",
}


@dataclass
class Control:
    """Something pressable on screen, and where it lives (a message, or a view such as the App Home)."""

    element: Block
    block_id: str
    channel: str | None = None
    message: Block | None = None
    view: Block | None = None

    def label(self) -> str:
        for key in ("text", "placeholder"):
            text = self.element.get(key)
            if isinstance(text, dict) and text.get("text"):
                return str(text["text"])
        return "Choose"


def parse_duration(text: str) -> timedelta:
    """``+2d``, ``+3h30m``, ``1w`` → a timedelta; ``ValueError`` otherwise."""
    cleaned = text.strip().lstrip("+").replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        raise ValueError(text)
    delta = timedelta()
    for amount, unit in _DURATION.findall(cleaned):
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    return delta


@dataclass
class Screen:
    """What one person was shown at once (the lines as printed) and the buttons on it, numbered for them."""

    lines: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)


class Console:
    def __init__(self, world: World, term: Terminal, *, user: str = "alice") -> None:
        self.world = world
        self.term = term
        person = world.user_named(user)
        if person is None:
            raise ValueError(f"no demo user {user!r}; pick one of {self._people()}")
        self.user_id = person.id
        self.channel_id = "C_GENERAL"
        # Button numbers belong to the person who sees them: alice typing 1 presses her own button,
        # never the one in a DM to carol. Each person's current screen, and the earlier ones for :back.
        self.screens: dict[str, Screen] = {}
        self.earlier: dict[str, list[Screen]] = {}
        self.seen = len(world.fake.calls())
        # App Home updates are silent in Slack (you see them when you open the tab): shown on :home only.
        self.showing_home = False
        self.dispatcher = Dispatcher(world.runtime.services, instance_id="console")
        self.prompter = ElementPrompter(
            term,
            self.names,
            resolve_user=lambda typed: u.id if (u := world.user_named(typed)) else None,
            resolve_channel=world.channel_named,
            load_options=self._load_options,
        )
        self._message_seq = 0
        self._acks: list[Block] = []  # replies carried by acknowledgements, shown with the rest

    @property
    def controls(self) -> list[Control]:
        """The buttons the current person can press by number."""
        screen = self.screens.get(self.user_id)
        return screen.controls if screen else []

    # -- names -----------------------------------------------------------------------------------
    @property
    def names(self) -> Names:
        users = {u.id: u.name for u in self.world.users.values()}
        return Names(
            users=users, channels=self.world.channels, tz=ZoneInfo(self.world.users[self.user_id].tz)
        )

    def _people(self) -> str:
        return ", ".join(u.name for u in self.world.users.values())

    @property
    def user_name(self) -> str:
        return self.world.users[self.user_id].name

    @property
    def channel_name(self) -> str:
        return self.world.channels.get(self.channel_id, self.channel_id)

    def slackify(self, text: str) -> str:
        """What Slack sends for typed text: ``& < >`` escaped, @people and #channels as escaped links."""

        def user(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.lower() in ("here", "channel", "everyone"):
                return f"<!{name.lower()}>"
            person = self.world.user_named(name)
            return f"<@{person.id}|{person.name}>" if person else match.group(0)

        def channel(match: re.Match[str]) -> str:
            cid = self.world.channel_named(match.group(1))
            return f"<#{cid}|{self.world.channels[cid]}>" if cid else match.group(0)

        text = escape(text)
        text = re.sub(r"(?<![\w@])@([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)", user, text)
        return re.sub(r"(?<![\w#&])#([A-Za-z0-9_-]+)", channel, text)

    # -- the loop --------------------------------------------------------------------------------
    def intro(self) -> None:
        person = self.world.users[self.user_id]
        url = self.world.runtime.engine.url.render_as_string(hide_password=True)
        self.term.say("salesbot console: the real app, talking to a fake Slack workspace on this machine.")
        self.term.say(f"Database: {url}. You are @{person.name} ({person.tz}) in #{self.channel_name}.")
        self.term.say(
            "People: "
            + " ".join("@" + u.name for u in self.world.users.values())
            + " · Channels: "
            + " ".join("#" + n for n in self.world.channels.values())
        )
        self.term.say("Try: /account add Acme Corp tier:gold status:customer owner:@alice")
        self.term.say("then /log call Acme Corp: discussed renewal. :help lists console commands.")
        self.term.say()

    def prompt(self) -> str:
        return f"{self.user_name} in #{self.channel_name} › "

    def run(self) -> int:
        self.intro()
        while True:
            try:
                line = self.term.ask(self.prompt())
            except EndOfInput:
                break
            except KeyboardInterrupt:
                self.term.say()
                continue
            try:
                if not self.handle(line):
                    break
            except EndOfInput:
                break
            except (Cancelled, KeyboardInterrupt) as exc:
                if isinstance(exc, KeyboardInterrupt):
                    self.term.say()
                self.term.say("  (cancelled)")
            except Exception as exc:  # keep the session alive; the log has the details
                log.exception("console input failed")
                self.term.say(f"  ! something went wrong: {type(exc).__name__}: {exc}")
        self.term.say("Bye.")
        return 0

    def handle(self, line: str) -> bool:
        """Act on one line; returns False to leave."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            self.slash(line)
        elif line.startswith(":"):
            if not self.meta(line):
                return False
        elif line.isdigit() or line.lower().startswith("press "):
            self.press(line.removeprefix("press ").removeprefix("Press ").strip())
        else:
            self.term.say("  Type a slash command (/log call Acme Corp: …), a button number, or :help.")
        self.settle()
        return True

    def settle(self) -> None:
        """Run due work, show what the app sent, and walk through any modal it opened."""
        while True:
            services = self.world.runtime.services
            now = services.clock.now()
            for planning_pass in services.planning_passes:
                planning_pass(services, now)
            self.dispatcher.run_once()
            modal = self.show_new()
            if modal is None:
                return
            self.fill_modal(modal)

    # -- what people type ------------------------------------------------------------------------
    def slash(self, line: str) -> None:
        command, _, text = line.partition(" ")
        sent = self.world.driver.command(
            command, self.slackify(text.strip()), user=self.user_id, channel=self.channel_id
        )
        if sent.status == 404:
            self.term.say(f"  {command} is not a valid command (the app does not handle it).")
            return
        self._check(sent)

    def meta(self, line: str) -> bool:
        word, _, rest = line[1:].partition(" ")
        word, rest = word.lower(), rest.strip()
        if word in ("quit", "q", "exit"):
            return False
        if word == "help":
            self.term.say(HELP)
        elif word == "as":
            person = self.world.user_named(rest)
            if person is None:
                self.term.say(f"  Who? People here: {self._people()}. Example: :as bob")
            else:
                self.user_id = person.id
                self.term.say(f"  You are now @{person.name} ({person.tz}).")
                if self.controls:
                    self.term.say("  Your buttons: " + _listed(self.controls))
        elif word == "in":
            if not rest:
                self.term.say("  Which channel? Example: :in #acme-team")
            else:
                self.channel_id = self.world.add_channel(rest)
                self.term.say(f"  Now in #{self.channel_name}.")
        elif word == "home":
            self.home()
        elif word == "time":
            self.time(rest)
        elif word == "shortcut":
            self.shortcut(rest)
        elif word == "back":
            self.back()
        elif word == "who":
            for u in self.world.users.values():
                self.term.say(f"  @{u.name:<8} {u.id:<10} {u.tz:<18} {u.email or ''}")
            for cid, name in self.world.channels.items():
                self.term.say(f"  #{name:<20} {cid}")
        else:
            self.term.say(f"  Unknown console command :{word}. :help lists them.")
        return True

    def back(self) -> None:
        """Return to the message(s) shown before the current ones: shown again, buttons pressable again."""
        earlier = self.earlier.get(self.user_id)
        if not earlier:
            self.term.say("  No earlier message to go back to.")
            return
        screen = earlier.pop()
        self.screens[self.user_id] = screen
        self.term.say("  Back to where you came from:")
        for line in screen.lines:
            self.term.say(line)
        self.term.say("  Buttons again: " + _listed(screen.controls))

    def home(self) -> None:
        event = {
            "type": "app_home_opened",
            "user": self.user_id,
            "channel": "D" + self.user_id[1:],
            "tab": "home",
            "event_ts": f"{self.world.runtime.services.clock.now().timestamp():.6f}",
        }
        self.showing_home = True
        sent = self.world.driver.event(event)
        if sent.status == 404:
            self.term.say("  (the app does not handle app_home_opened: there is no App Home yet)")
            return
        self._check(sent)
        pending = self.world.fake.calls()[self.seen :]
        if not any(c.method == "views.publish" for c in pending):
            self.term.say("  (the app published nothing to your App Home)")

    def time(self, rest: str) -> None:
        clock = self.world.clock
        if rest:
            try:
                delta = parse_duration(rest)
            except ValueError:
                self.term.say("  Move the clock forward with e.g. :time +2d, :time +3h, :time +1d2h30m")
                return
            clock.advance(delta)
        person = self.world.runtime.services.people.get(self.user_id)
        local = clock.now().astimezone(person.tz)
        ahead = _describe(clock.offset)
        self.term.say(
            f"  Console time: {format_when(local, person.tz, now=local)} in {person.tz.key} ({ahead})."
        )

    def shortcut(self, rest: str) -> None:
        name, _, rest = rest.partition(" ")
        if not name:
            self.term.say('  Which shortcut? Example: :shortcut log "Client wants 20 more seats"')
            return
        callback = SHORTCUTS.get(name.lower(), name)
        channel, author = self.channel_id, self.user_id
        words = rest.split()
        while words:
            if words[0].startswith("#") and self.world.channel_named(words[0]):
                channel = self.world.channel_named(words.pop(0)) or channel
            elif words[0].lower() == "from" and len(words) > 1 and self.world.user_named(words[1]):
                author = self.world.user_named(words[1]).id  # type: ignore[union-attr]
                del words[:2]
            else:
                break
        text = " ".join(words)
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]
        self._message_seq += 1
        ts = f"{int(self.world.clock.now().timestamp())}.{self._message_seq:06d}"
        message = {"type": "message", "user": author, "ts": ts, "text": self.slackify(text)}
        sent = self.world.driver.shortcut(callback, message, user=self.user_id, channel=channel)
        if sent.status == 404:
            self.term.say(f"  The app has no message shortcut {callback!r}.")
            return
        self._check(sent)

    def press(self, ref: str) -> None:
        control = self._find_control(ref)
        if control is None:
            return
        element = control.element
        kind = element.get("type")
        action: Block = {
            "type": kind,
            "action_id": element.get("action_id", ""),
            "block_id": control.block_id,
            "action_ts": f"{self.world.clock.now().timestamp():.6f}",
        }
        label = control.label()
        if kind == "button":
            action["value"] = element.get("value", "")
            action["text"] = element.get("text")
            if element.get("url"):
                self.term.say(f"  (opens {element['url']})")
        elif kind == "overflow":
            option = self.prompter.pick(flatten_options(element), "Choose")
            if option is None:
                return
            action["selected_option"] = option
        else:
            state = self.prompter.value(
                element, label=label or str(kind), optional=False, block_id=control.block_id
            )
            action.update({k: v for k, v in state.items() if k != "type"})
        sent = self.world.driver.block_action(
            action["action_id"],
            user=self.user_id,
            channel=control.channel or self.channel_id,
            message=control.message,
            view=control.view,
            action=action,
        )
        self._check(sent)

    def _find_control(self, ref: str) -> Control | None:
        if not self.controls:
            self.term.say("  There is nothing to press right now.")
            return None
        if ref.isdigit():
            n = int(ref)
            if 1 <= n <= len(self.controls):
                return self.controls[n - 1]
            self.term.say(f"  Press a number from 1 to {len(self.controls)}.")
            return None
        matches = [c for c in self.controls if ref.lower() in c.label().lower()]
        if not matches:
            self.term.say(f"  No button “{ref}”. Buttons: " + ", ".join(c.label() for c in self.controls))
            return None
        return matches[-1]

    def _load_options(self, action_id: str, block_id: str, typed: str) -> list[Block]:
        sent = self.world.driver.options(action_id, typed, user=self.user_id, block_id=block_id)
        if sent.status != 200:
            self.term.say(f"  ! the app did not answer the search (HTTP {sent.status})")
            return []
        return flatten_options(sent.json)

    def _check(self, sent: Sent) -> None:
        """Report a failed request, and show what the app put in its acknowledgement."""
        if sent.status == 401:
            self.term.say("  ! the app rejected the request signature (HTTP 401)")
        elif sent.status != 200:
            self.term.say(f"  ! the app failed to answer (HTTP {sent.status}); see the log above")
        body = sent.response.body
        if sent.status == 200 and body:
            try:
                reply = sent.json
            except ValueError:
                reply = {"text": body}
            if isinstance(reply, dict) and (reply.get("blocks") or reply.get("text")):
                self._acks.append(reply)

    # -- what the app sent -----------------------------------------------------------------------
    def show_new(self) -> Block | None:
        """Render every call the fake recorded since last time; returns a modal that was opened, if any."""
        calls = self.world.fake.calls()
        new, self.seen = calls[self.seen :], len(calls)
        shown: dict[str, Screen] = {}  # by the person who sees it
        modal: Block | None = None
        acks, self._acks = self._acks, []
        for reply in acks:
            self._render_message(
                "salesbot · only visible to you",
                reply,
                self._screen(shown, self.user_id),
                channel=self.channel_id,
            )
        showing_home, self.showing_home = self.showing_home, False
        for call in new:
            if call.method not in _SHOWN_METHODS or (call.method == "views.publish" and not showing_home):
                continue
            screen = self._screen(shown, self._viewer(call))
            opened = self._show_call(call, screen)
            if opened is not None:
                modal = opened
        for viewer, screen in shown.items():
            if not screen.controls:
                continue
            current = self.screens.get(viewer)
            if current is not None and current.controls:
                self.earlier[viewer] = [*self.earlier.get(viewer, []), current][-10:]
            self.screens[viewer] = screen
            if viewer != self.user_id:
                name = self.names.users.get(viewer, viewer)
                self.term.say(f"  (the buttons for @{name} are theirs: `:as {name}`, then type the number)")
                self.term.say()
        return modal

    def _screen(self, shown: dict[str, Screen], viewer: str) -> Screen:
        return shown.setdefault(viewer, Screen())

    def _viewer(self, call: Call) -> str:
        """Who sees what ``call`` shows: a DM's or an ephemeral's recipient, an App Home's owner; else
        (replies, channel posts, modals) the person at the keyboard."""
        p = call.params
        if call.method == "chat.postEphemeral":
            return str(p.get("user") or self.user_id)
        if call.method in ("chat.postMessage", "chat.update"):
            channel = str(p.get("channel", ""))
            if channel.startswith(("U", "W")):
                return channel
            if channel.startswith("D") and ("U" + channel[1:]) in self.world.users:
                return "U" + channel[1:]
        if call.method == "views.publish":
            return str(p.get("user_id") or self.user_id)
        return self.user_id

    def _show_call(self, call: Call, screen: Screen) -> Block | None:
        p = call.params
        if call.method == "response_url":
            if p.get("delete_original"):
                self.term.say("  (salesbot deleted its message)")
                return None
            title = "salesbot · only visible to you"
            if p.get("replace_original") in (True, "true"):
                title += " · updated"
            if p.get("response_type") == "in_channel":
                title = f"salesbot in #{self.channel_name}"
            edited = call.result if call.result.get("ts") else None
            if edited and p.get("replace_original") in (True, "true"):  # a posted message, edited
                title = f"salesbot edited a message {self._where(str(edited['channel']))}"
                self._render_message(title, {**p, "ts": edited["ts"]}, screen, channel=str(edited["channel"]))
            else:
                self._render_message(title, p, screen, channel=self.channel_id)
        elif call.method in ("chat.postMessage", "chat.update"):
            channel = str(p.get("channel", ""))
            where = self._where(channel)
            verb = "edited a message" if call.method == "chat.update" else ""
            title = f"salesbot {verb + ' ' if verb else ''}{where}"
            if p.get("thread_ts"):
                title += " · in a thread"
            dm = "D" + channel[1:] if channel.startswith("U") else channel
            if call.result.get("ok") is False:
                self.term.say(f"  ! Slack refused a message: {call.result.get('error')}")
                return None
            # The posted message's ts: its buttons are pressed on it, and it can be edited.
            ts = call.result.get("ts") or p.get("ts")
            self._render_message(title, {**p, "ts": ts} if ts else p, screen, channel=dm)
        elif call.method == "chat.postEphemeral":
            who = self.names.users.get(str(p.get("user")), p.get("user"))
            title = f"salesbot in #{self.world.channels.get(p.get('channel', ''), p.get('channel'))} · only visible to @{who}"
            self._render_message(title, p, screen, channel=str(p.get("channel")))
        elif call.method == "views.publish":
            view = dict(p.get("view") or {})
            user = str(p.get("user_id", ""))
            view.setdefault("id", f"VHOME{user}")
            view.setdefault("type", "home")
            self._render_view(f"App Home of @{self.names.users.get(user, user)}", view, screen)
        elif call.method == "views.update":
            view = p.get("view") or {}
            self._render_view(
                f"salesbot updated a view: {text_of(view.get('title'), self.names)}", view, screen
            )
        elif call.method == "files.completeUploadExternal":
            self._show_upload(p)
        else:  # views.open / views.push: the modal is walked through by fill_modal
            view = p.get("view")
            return view if isinstance(view, dict) else None
        return None

    def _show_upload(self, params: dict[str, Any]) -> None:
        """Say where a file went, and keep a copy in the working directory to open."""
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        for item in files or []:
            upload = self.world.fake.state.uploads.get(str(item.get("id")))
            if upload is None:
                continue
            copy = Path.cwd() / Path(upload.filename).name
            copy.write_bytes(upload.content)
            where = self._where(str(params.get("channel_id") or upload.channel or ""))
            self.term.say(
                f"── salesbot uploaded {upload.filename} {where} ({len(upload.content):,} bytes): "
                f"“{upload.title or ''}” · a copy is in {copy.name}"
            )

    def _where(self, channel: str) -> str:
        if channel.startswith(("U", "W")):
            return f"→ DM to @{self.names.users.get(channel, channel)}"
        if channel.startswith("D"):
            return f"→ DM to @{self.names.users.get('U' + channel[1:], channel)}"
        return f"in #{self.world.channels.get(channel, channel)}"

    def _numbering(self, controls: list[Control], **origin: Any) -> Renderer:
        def number(element: Block, block: Block) -> int:
            block_id = element.get("block_id") or block.get("block_id") or ""
            controls.append(Control(element, block_id, **origin))
            return len(controls)

        return Renderer(self.names, number)

    def _render_message(self, title: str, message: Block, screen: Screen, *, channel: str) -> None:
        blocks = message.get("blocks")
        if isinstance(blocks, str):
            blocks = None
        body = {"ts": message.get("ts", "1.1"), "text": message.get("text", ""), "blocks": blocks or []}
        renderer = self._numbering(screen.controls, channel=channel, message=body)
        self._say(screen, f"── {title} ──")
        lines = (
            renderer.blocks(blocks)
            if blocks
            else ["  " + line for line in mrkdwn(str(message.get("text", "")), self.names).splitlines()]
        )
        for attachment in message.get("attachments") or []:
            if isinstance(attachment, dict):
                inner = renderer.blocks(attachment.get("blocks")) or [
                    "  " + mrkdwn(str(attachment.get("text", "")), self.names)
                ]
                lines += ["  ▌" + line[2:] for line in inner]
        self._say(screen, *lines, "")

    def _render_view(self, title: str, view: Block, screen: Screen) -> None:
        renderer = self._numbering(screen.controls, view=view)
        self._say(screen, f"── {title} ──")
        self._say(screen, *renderer.blocks(view.get("blocks")), "")

    def _say(self, screen: Screen, *lines: str) -> list[str]:
        """Print ``lines`` and keep them with ``screen`` (for :back)."""
        for line in lines:
            self.term.say(line)
        screen.lines.extend(lines)
        return screen.lines

    # -- modals ----------------------------------------------------------------------------------
    def fill_modal(self, view: Block) -> None:
        try:
            self._fill_modal(view)
        except (Cancelled, KeyboardInterrupt) as exc:
            if isinstance(exc, KeyboardInterrupt):
                self.term.say()
            self.term.say("  (modal closed without submitting)")
            self.term.say()

    def _fill_modal(self, view: Block) -> None:
        values: dict[str, dict[str, Any]] = {}
        todo = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        first = True
        while True:
            if first:
                self._show_modal(view)
                first = False
            if not view.get("submit") or not todo:
                self.term.say("  (nothing to fill in; modal closed)")
                return
            for block in todo:
                element = block.get("element") or {}
                values[block["block_id"]] = {
                    element.get("action_id", ""): self.prompter.value(
                        element,
                        label=text_of(block.get("label"), self.names),
                        optional=bool(block.get("optional")),
                        block_id=block["block_id"],
                    )
                }
            self.term.say(f"  → {text_of(view.get('submit'), self.names) or 'Submit'}")
            sent = self.world.driver.submit(view, values, user=self.user_id)
            if sent.status != 200:
                self._check(sent)
                return
            reply = sent.json if sent.response.body else {}
            action = reply.get("response_action")
            if action == "errors":
                errors: dict[str, str] = reply.get("errors") or {}
                by_id = {b.get("block_id"): b for b in view.get("blocks") or []}
                for block_id, message in errors.items():
                    label = text_of((by_id.get(block_id) or {}).get("label"), self.names) or block_id
                    self.term.say(f"  ! {label}: {message}")
                todo = [
                    b
                    for b in view.get("blocks") or []
                    if b.get("block_id") in errors and b.get("type") == "input"
                ]
                if not todo:
                    self.term.say("  (the errors name no field of this modal; closed)")
                    return
                continue
            if action in ("update", "push") and isinstance(reply.get("view"), dict):
                view = reply["view"]
                values = {}
                todo = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
                first = True
                continue
            self.term.say()
            return

    def _show_modal(self, view: Block) -> None:
        title = text_of(view.get("title"), self.names)
        self.term.say(f"┌─ {title} " + "─" * max(3, 40 - len(title)))
        scratch: list[Control] = []
        renderer = self._numbering(scratch, view=view)
        for block in view.get("blocks") or []:
            if block.get("type") != "input":
                for line in renderer.block(block):
                    self.term.say(line)
        self.term.say("  (Enter keeps [defaults]; :none leaves an optional field empty; :cancel closes)")


def _listed(controls: list[Control]) -> str:
    return "  ".join(f"[{n}] {c.label()}" for n, c in enumerate(controls, 1))


def _describe(offset: timedelta) -> str:
    if offset <= timedelta(0):
        return "real time"
    days, seconds = offset.days, offset.seconds
    parts = []
    if days:
        parts.append(f"{days}d")
    if seconds // 3600:
        parts.append(f"{seconds // 3600}h")
    if (seconds % 3600) // 60:
        parts.append(f"{(seconds % 3600) // 60}m")
    return (" ".join(parts) or "<1m") + " ahead of real time"


def run_console(
    settings: Settings,
    *,
    user: str = "alice",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    world = World.start(settings)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # Bolt warns about every request nobody handles; the console says so itself.
        world.runtime.app.logger.setLevel(logging.ERROR)
    try:
        echo = not _isatty(stdin)
        console = Console(world, Terminal(stdin, stdout, echo=echo), user=user)
        return console.run()
    finally:
        world.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
