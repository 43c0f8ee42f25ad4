"""Buttons and forms naming rows that no longer exist (or are another workspace's) get a polite reply,
change nothing and raise nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from bot.blocks.playbook import PLAYBOOK_MODAL
from bot.storage.models import Base
from tests.helpers import Harness, all_text, block_of, buttons
from tests.hostile.fuzzing import World, initial_state, registered_views

POLITE = ("no longer exists", "There is no", "nothing to snooze")
GONE = ("no longer", "deleted meanwhile", "There is no")  # what a form says of a row that is gone
# Forms that name no row of their own: the workspace's playbook (its own tests cover who may save it).
NAMES_NO_ROW = {PLAYBOOK_MODAL}
# What pressing a button may never change; the people, teams and records of requests stay.
KEPT = {
    "user_profiles",
    "team_members",
    "team_settings",
    "job_runs",
    "processed_events",
    "seen_requests",
    "audit_entries",
    "alembic_version",
    "nudge_states",
    "targets",
}


def counts(bot: Harness) -> dict[str, int]:
    with bot.db() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
            if t.name not in ("seen_requests", "audit_entries", "processed_events", "user_profiles")
        }


def shown_buttons(bot: Harness) -> list[tuple[dict[str, Any] | None, list[dict[str, Any]], dict[str, Any]]]:
    """(posted message or None for an ephemeral reply, its blocks, button) for every button shown so far."""
    found = []
    for reply in bot.replies():
        for b in buttons(reply.get("blocks")):
            found.append((None, reply.get("blocks") or [], b))
    with bot.fake.state.lock:
        conversations = {c: list(ms) for c, ms in bot.fake.state.messages.items()}
    for channel, messages in conversations.items():
        for m in messages:
            message = bot.fake.message(channel, m["ts"])
            for b in buttons(message.get("blocks")):
                found.append((message, message.get("blocks") or [], b))
    return found


def test_every_button_naming_a_row_that_is_gone_gets_a_polite_reply(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp owner:<@U0BOB|bob> csm:<@U0CAROL|carol>")
    bot.command("/account", "Acme Corp")
    bot.command("/log", "meeting Acme Corp: pricing for 20 more seats")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "list")
    bot.command("/signal", "Acme Corp upsell: asked for 20 more seats")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" mrr:+1200')
    bot.command("/opportunity", "list")
    bot.command("/visit", "Acme Corp every 4 months")
    bot.command("/agenda", "week")
    bot.clock.advance(days=1, hours=1)  # the follow-up's reminder and the signal's routing go out
    bot.tick()
    shown = shown_buttons(bot)
    assert len(shown) > 10
    with bot.db() as s:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEPT:
                s.execute(delete(table))
    before = counts(bot)
    problems = []
    answered = 0
    for message, blocks, button in shown:
        label = button["text"]["text"]
        replies = len(bot.replies())
        views = len(bot.fake.params("views.open"))
        try:
            if message is not None:
                sent = bot.slack.click(
                    button,
                    channel=str(message["channel"]),
                    message=message,
                    block_id=block_of(blocks, button),
                )
            else:
                sent = bot.slack.click(button, block_id=block_of(blocks, button))
        except Exception as exc:  # inline work: an unhandled error surfaces here
            problems.append(f"{label} ({button['action_id']}): raised {exc!r}")
            continue
        if sent.status != 200:
            problems.append(f"{label} ({button['action_id']}): HTTP {sent.status}")
        new = bot.replies()[replies:]
        opened = len(bot.fake.params("views.open")) > views
        if not new and not sent.response.body and not opened:
            problems.append(f"{label} ({button['action_id']}): no reply")
        elif new:
            said = all_text(new[-1].get("blocks")) or str(new[-1].get("text"))
            if not any(polite in said for polite in POLITE):
                problems.append(f"{label} ({button['action_id']}): {said[:100]!r}")
            answered += 1
    assert answered > 20
    after = counts(bot)
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("how", ["deleted", "moved to another workspace"])
def test_every_form_naming_a_row_that_is_gone_or_another_workspaces_is_refused_politely(
    world: World, how: str
) -> None:
    """Each form, opened while its rows were there and submitted as shown once they are gone (or belong
    to another workspace): an answer in the form (or a note to the person), nothing written."""
    db_bot = world.bot
    assert {v["callback_id"] for v in world.views} == set(registered_views(db_bot.app))
    with db_bot.db() as s:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in KEPT:
                continue
            if how == "deleted":
                s.execute(delete(table))
            elif "team_id" in table.c:
                s.execute(update(table).values(team_id="T_OTHER"))
    ahead = (db_bot.clock.now() + timedelta(days=30)).date().isoformat()
    problems = []
    for view in world.views:
        if view["callback_id"] in NAMES_NO_ROW:
            continue
        logged = view["callback_id"] == "log_activity_modal"  # what happened: today, on Acme Corp (#1)
        state = initial_state(view, day=None if logged else ahead)
        if logged:
            state["account"] = {"account": {"type": "external_select", "selected_option": {"value": "1"}}}
        outcome = world.submit(view, state, None, "U0ALICE", refused=True)
        said = outcome.answer
        if outcome.problems() or not any(polite in said for polite in GONE):
            problems.append(f"{view['callback_id']}: {outcome.problems()} {said[:200]!r}")
    assert not problems, "\n".join(problems)
