"""Property-based: every command, button and form, fed hostile input, on SQLite and PostgreSQL.

Fixed seed and bounded examples (the ``salesbot`` Hypothesis profile in tests/conftest.py) keep the
suite fast and reproducible; ``python -m bench.fuzz`` runs the same properties over 10 000+ examples.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.helpers import Harness
from tests.hostile.fuzzing import (
    COMMANDS,
    HOSTILE,
    USERS,
    World,
    texts,
)


@pytest.fixture
def world(db_bot: Harness, db_engine: Engine) -> World:
    return World(db_bot, db_engine).populate()


def test_every_command_and_subcommand_answers_hostile_text(world: World) -> None:
    for command, subcommands in COMMANDS.items():
        for sub in subcommands:
            for text in (f"{sub} {HOSTILE}".strip(), f"{sub} ²".strip(), f"{sub} " + "x" * 5000):
                outcome = world.command(command, text, "U0BOB")
                assert not outcome.problems(), (command, text[:80], outcome.problems())


@settings(max_examples=150)
@given(data=st.data())
def test_fuzzed_commands_keep_every_property(world: World, data: st.DataObject) -> None:
    command = data.draw(st.sampled_from(sorted(COMMANDS)))
    sub = data.draw(st.sampled_from(COMMANDS[command]))
    text = f"{sub} {data.draw(texts())}".strip()
    outcome = world.command(command, text, data.draw(st.sampled_from(USERS)))
    assert not outcome.problems(), (command, text[:200], outcome.problems())
