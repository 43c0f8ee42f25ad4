"""Property-based: every command, button and form, fed hostile input, on SQLite and PostgreSQL.

Fixed seed and bounded examples (the ``salesbot`` Hypothesis profile in tests/conftest.py) keep the
suite fast and reproducible; ``python -m bench.fuzz`` runs the same properties over 10 000+ examples.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.fuzzing import (
    COMMANDS,
    FORGED,
    HOSTILE,
    USERS,
    World,
    forged_metadata,
    garbage_values,
    initial_state,
    metadata_for,
    mutated,
    registered_actions,
    registered_views,
    state_for,
    texts,
)

# The forged values every registered action is pressed with in the suite (all of them: bench/fuzz.py).
SUITE_FORGED = ["garbage", "²", "99999999999999999999", '{"a": "x"}', "0:2026-02-30", "<!channel>"]


# ``world`` (tests/conftest.py): a copy of a world populated once per database backend.


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


def test_every_registered_button_refuses_a_forged_value_politely(world: World) -> None:
    actions = registered_actions(world.bot.app)
    assert len(actions) >= 30, actions
    assert set(SUITE_FORGED) <= set(FORGED)
    for action_id in actions:
        for value in SUITE_FORGED:
            outcome = world.forge(action_id, value, "U0BOB")
            assert outcome.replied, (action_id, value, "no reply")
            assert not outcome.problems(), (action_id, value, outcome.problems())


def test_every_registered_form_is_reached_and_refuses_forged_metadata_in_the_form(world: World) -> None:
    assert {v["callback_id"] for v in world.views} == set(registered_views(world.bot.app))
    for view in world.views:
        for metadata in forged_metadata(view):
            outcome = world.submit(view, initial_state(view), metadata, "U0ALICE", refused=True)
            assert outcome.replied, (view["callback_id"], metadata, "no answer")
            assert not outcome.problems(), (view["callback_id"], metadata, outcome.problems())


@settings(max_examples=60)
@given(data=st.data())
def test_fuzzed_buttons_keep_every_property(world: World, data: st.DataObject) -> None:
    element, message, block_id = data.draw(st.sampled_from(world.buttons))
    value = str(element.get("value", ""))
    forged = data.draw(st.one_of(st.just(value), mutated(value), garbage_values()))
    outcome = world.press(element, message, block_id, forged, data.draw(st.sampled_from(USERS)))
    assert not outcome.problems(), (element.get("action_id"), forged[:200], outcome.problems())


@settings(max_examples=60)
@given(data=st.data())
def test_fuzzed_forms_keep_every_property(world: World, data: st.DataObject) -> None:
    view = data.draw(st.sampled_from(world.views))
    values = data.draw(state_for(view))
    metadata = data.draw(metadata_for(view))
    outcome = world.submit(view, values, metadata, data.draw(st.sampled_from(USERS)))
    assert not outcome.problems(), (view["callback_id"], values, metadata, outcome.problems())
