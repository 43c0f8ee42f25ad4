"""Buttons answer where they were pressed, as real Slack allows it.

- On a message that bundles several items (reminders due together, "While I was away…"), a button
  changes its own item only; every other item keeps its text and buttons.
- On an ephemeral message (the thank-you after /signal), a modal's result replaces it through its
  response_url: Slack refuses ``chat.update`` on an ephemeral ``ts`` (the fake does too).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.storage.models import Account, Opportunity, Reminder, Signal, Task
from tests.helpers import FakeSlack, Harness, all_text, buttons, line_button


def _three_followups_at_nine(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    for what in ("send the proposal", "book the demo", "call the CFO"):
        bot.command("/followup", f"Acme Corp: {what} tomorrow 9am")


def _titles(message: dict) -> list[str]:
    return [line for line in all_text(message["blocks"]).splitlines() if "Acme Corp" in line]


def test_reminders_due_together_come_as_one_message_and_done_changes_one_line(bot: Harness) -> None:
    _three_followups_at_nine(bot)
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # 09:00 in Paris
    report = bot.dispatch()
    assert len(report.sent) == 3 and report.messages == 1
    [message] = bot.messages("U0ALICE")
    assert "3 reminders for you" in all_text(message["blocks"])
    assert sum(b["text"]["text"] == "Done" for b in buttons(message["blocks"])) == 3
    with bot.db() as s:
        rows = s.scalars(select(Reminder)).all()
        assert {(r.status, r.sent_ts) for r in rows} == {("sent", message["ts"])}

    bot.press(message, "Done", line="book the demo")
    [message] = bot.messages("U0ALICE")  # the same message, edited
    shown = all_text(message["blocks"])
    assert "3 reminders for you" in shown
    assert "send the proposal" in shown and "call the CFO" in shown
    line_button(message["blocks"], "send the proposal", "Done")
    line_button(message["blocks"], "call the CFO", "Done")
    assert sum(b["text"]["text"] == "Done" for b in buttons(message["blocks"])) == 2
    with bot.db() as s:
        done = s.scalars(select(Task.title).where(Task.status == "done")).all()
        assert done == ["book the demo"]

    # A second button on another line builds on the first: both results stay.
    bot.press(message, "Done", line="call the CFO")
    [message] = bot.messages("U0ALICE")
    assert sum(b["text"]["text"] == "Done" for b in buttons(message["blocks"])) == 1
    line_button(message["blocks"], "send the proposal", "Done")


def test_a_single_due_reminder_stays_a_message_of_its_own(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/followup", "Acme Corp: send the proposal tomorrow 9am")
    bot.command("/followup", "Acme Corp: call the CFO tomorrow 10am")
    bot.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # both due: 09:00 and 10:00 Paris
    assert bot.dispatch().messages == 2
    assert all("reminders for you" not in all_text(m["blocks"]) for m in bot.messages("U0ALICE"))


def test_while_i_was_away_keeps_the_other_reminders_when_one_is_done(bot: Harness) -> None:
    _three_followups_at_nine(bot)
    bot.clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # the bot was down all morning
    assert bot.dispatch().messages == 1
    [message] = bot.messages("U0ALICE")
    assert "While I was away" in all_text(message["blocks"])
    bot.press(message, "Snooze 1 hour", line="send the proposal")
    [message] = bot.messages("U0ALICE")
    shown = all_text(message["blocks"])
    assert "While I was away" in shown and "book the demo" in shown and "call the CFO" in shown
    line_button(message["blocks"], "book the demo", "Done")
    line_button(message["blocks"], "call the CFO", "Done")
    assert sum(b["text"]["text"] == "Done" for b in buttons(message["blocks"])) == 2


def test_create_opportunity_from_the_ephemeral_thank_you_answers_through_its_response_url(
    bot: Harness,
) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/signal", "Acme Corp advocacy: happy to be a reference", user="U0ALICE")
    thanks = bot.last_reply()
    assert "It's your account" in all_text(thanks["blocks"])
    bot.click("Create opportunity")  # on the ephemeral thank-you
    bot.slack.submit(bot.last_view(), {"title": {"title": {"value": "Case study"}}})
    with bot.db() as s:
        assert s.scalars(select(Signal.status)).one() == "acted"
        assert s.scalars(select(Opportunity.title)).one() == "Case study"
    assert bot.fake.params("chat.update") == []
    reply = bot.last_reply()
    assert reply.get("replace_original") and "created opportunity #1" in all_text(reply["blocks"])
    assert bot.refusals() == []


def test_dismiss_from_the_ephemeral_thank_you_replaces_it(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/signal", "Acme Corp upsell: 20 more seats", user="U0ALICE")
    bot.click("Dismiss")
    bot.slack.submit(bot.last_view(), {"reason": {"reason": {"value": "already bought"}}})
    assert bot.fake.params("chat.update") == []
    assert "dismissed it: already bought" in all_text(bot.last_reply()["blocks"])


def test_the_fake_refuses_what_slack_refuses(bot: Harness) -> None:
    client = WebClient(token="xoxb-test", base_url=bot.fake.api_url)  # not the app's: it fits messages
    ephemeral = client.chat_postEphemeral(channel="C_GENERAL", user="U0ALICE", text="only you")
    for call in (
        lambda: client.chat_update(channel="C_GENERAL", ts=ephemeral["message_ts"], text="edited"),
        lambda: client.chat_delete(channel="C_GENERAL", ts=ephemeral["message_ts"]),
        lambda: client.chat_postMessage(channel="U0ALICE", text="x", blocks=[{"type": "divider"}] * 51),
        lambda: client.chat_postMessage(
            channel="U0ALICE",
            text="x",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}],
        ),
        lambda: client.chat_postMessage(channel="U0ALICE", text="a" * 40_001),
        lambda: client.chat_postMessage(channel="C0NOWHERE", text="hello"),
    ):
        with pytest.raises(SlackApiError):
            call()
    errors = [r.error for r in bot.fake.take_refusals()]
    assert errors == [
        "message_not_found",
        "message_not_found",
        "invalid_blocks",
        "invalid_blocks",
        "msg_too_long",
        "channel_not_found",
    ]


def test_whats_next_form_from_a_grouped_message_changes_that_item_only(bot: Harness) -> None:
    _three_followups_at_nine(bot)
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    bot.dispatch()
    [message] = bot.messages("U0ALICE")
    bot.press(message, "Done", line="book the demo")
    [message] = bot.messages("U0ALICE")
    bot.press(message, "Custom", line="book the demo")
    bot.slack.submit(
        bot.last_view(),
        {"what": {"what": {"value": "Send the deck"}}, "date": {"date": {"selected_date": "2026-12-10"}}},
    )
    [message] = bot.messages("U0ALICE")
    shown = all_text(message["blocks"])
    assert "Send the deck" in shown and "3 reminders for you" in shown
    line_button(message["blocks"], "send the proposal", "Done")
    line_button(message["blocks"], "call the CFO", "Done")
    with bot.db() as s:
        assert s.scalars(select(Task.title).where(Task.status == "open").order_by(Task.id)).all() == [
            "send the proposal",
            "call the CFO",
            "Send the deck",
        ]


def test_log_visit_on_a_morning_line_marks_that_line_and_keeps_the_others(
    fake_slack: FakeSlack, session_factory: Any, tmp_path: Path
) -> None:
    config = tmp_path / "salesbot.toml"
    config.write_text("followup_rules = []\n")
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    for name in ("Acme Corp", "Globex"):
        bot.command("/account", f"add {name} tier:gold status:partner owner:<@U0ALICE|alice>")
        bot.command("/log", f"visit {name} 2026-06-20: quarterly review")
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # 09:00 in Paris: Alice's morning message
    bot.tick()
    [morning] = bot.messages("U0ALICE")
    bot.press(morning, "Log visit", line="*Acme Corp*")
    view = bot.last_view()
    assert json.loads(view["private_metadata"]).get("origin")  # the form remembers its line
    with bot.db() as s:
        acme = _option(str(s.scalars(select(Account.id).where(Account.name == "Acme Corp")).one()))
    bot.slack.submit(
        view,
        {
            "account": {"account": {"type": "external_select", "selected_option": acme}},
            "type": {"type": {"type": "static_select", "selected_option": _option("visit")}},
            "date": {"date": {"type": "datepicker", "selected_date": "2026-11-24"}},
            "time": {"time": {"type": "timepicker", "selected_time": "08:00"}},
            "notes": {"notes": {"type": "plain_text_input", "value": "all good"}},
        },
    )
    morning = bot.fake.message(morning["channel"], morning["ts"])
    shown = all_text(morning["blocks"])
    assert "Logged a *visit* with *Acme Corp*" in shown and "Good morning" in shown
    line_button(morning["blocks"], "*Globex*", "Log visit")
    assert [b["text"]["text"] for b in buttons(morning["blocks"])] == ["Log visit", "Snooze 1 week"]


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}
