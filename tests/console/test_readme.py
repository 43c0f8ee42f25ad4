"""The README's examples work in the console as written: its session, then every command it shows."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.console.repl import Console
from bot.console.terminal import Terminal
from bot.console.world import World
from bot.settings import Settings
from tests.helpers import DEFAULT_NOW, FixedClock

README = Path(__file__).resolve().parents[2] / "README.md"
PROMPT = " › "


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    db = tmp_path / "console.db"
    shutil.copy(sqlite_template, db)
    world = World.start(Settings(database_url=f"sqlite:///{db}"), base_clock=FixedClock(DEFAULT_NOW))
    yield world
    world.close()


def play(world: World, lines: list[str]) -> str:
    out = io.StringIO()
    script = io.StringIO("".join(line + "\n" for line in lines))
    assert Console(world, Terminal(script, out, echo=True)).run() == 0
    return out.getvalue()


def readme_session() -> list[str]:
    """The console session under "Try it in a minute", as printed there."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Try it in a minute") :]
    start = section.index("```text\n") + len("```text\n")
    return section[start : section.index("```", start)].splitlines()


def readme_commands() -> list[str]:
    """Every slash command the README shows in `code`, in order, once; not `/log` alone (it opens a
    form, played elsewhere), nor those with "…" standing for what you would type."""
    found: list[str] = []
    for command in re.findall(r"`(/[a-z]+(?: [^`]*)?)`", README.read_text(encoding="utf-8")):
        if command != "/log" and "…" not in command and command not in found:
            found.append(command)
    return found


def replies(out: str) -> dict[str, str]:
    """What the console printed after each input, by the input."""
    shown: dict[str, str] = {}
    parts = re.split(r"^\w+ in #[\w-]+ › (.*)$", out, flags=re.MULTILINE)
    for typed, printed in zip(parts[1::2], parts[2::2], strict=True):
        if typed:  # not the last prompt, where the script ended
            shown[typed] = printed
    return shown


def test_the_readme_session_plays_as_printed(world: World) -> None:
    session = readme_session()
    typed = [line.split(PROMPT, 1)[1] for line in session if PROMPT in line]
    assert len(typed) >= 3
    out = play(world, typed)
    position = 0
    for line in session:
        if line.strip() == "…":
            continue
        found = out.find(line, position)
        assert found >= 0, f"the README shows {line!r}, the console printed:\n{out[position:]}"
        position = found + len(line)


def test_every_command_the_readme_shows_works_in_the_console(world: World) -> None:
    commands = readme_commands()
    assert "/account link Acme Corp #acme-shared" in commands and len(commands) > 20
    # The accounts the examples talk about first, then every example in the README's order.
    adds = [c for c in commands if c.startswith("/account add ")]
    shown = replies(play(world, [*adds, *(c for c in commands if c not in adds)]))
    assert set(shown) == set(commands)
    for command, printed in shown.items():
        assert printed.strip(), f"{command}: no answer"
        for refusal in (":warning:", "is not a valid command", "something went wrong"):
            assert refusal not in printed, f"{command} does not work as written:\n{printed}"
