"""The bot's DM answers: anything typed in the Messages tab gets the help and the next commands."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.helpers import Harness, add_task, all_text

MANIFEST = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text())


def typed(text: str, *, user: str = "U0ALICE", **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D" + user[1:],
        "user": user,
        "text": text,
        "ts": "1700000000.000100",
        **extra,
    }


def answers(bot: Harness, user: str = "U0ALICE") -> list[str]:
    return [all_text(m["blocks"]) for m in bot.messages(user)]


def test_help_in_the_dm_gets_the_help_and_next_steps(bot: Harness) -> None:
    sent = bot.slack.event(typed("help"), event_id="EvDM1")
    assert sent.status == 200
    [answer] = answers(bot)
    assert "I'm salesbot" in answer
    assert "`/account add Acme Corp tier:gold status:customer owner:@you`" in answer  # nothing yet
    assert "/log" in answer and "/followup" in answer  # the help itself
    assert bot.fake.params("chat.postMessage")[-1]["channel"] == "D0ALICE"


def test_next_steps_follow_where_the_person_is(bot: Harness) -> None:
    bot.command("/account", "add Globex status:customer owner:<@U0ALICE|alice>")
    add_task(bot, "Globex", "Send the proposal", bot.clock.now() - timedelta(days=1))
    bot.slack.event(typed("hi there"))
    [answer] = answers(bot)
    assert "/account add" not in answer.split("salesbot — your sales assistant")[0]
    assert "`/agenda` — 1 of your follow-ups is overdue" in answer
    assert "`/log call Globex: discussed renewal`" in answer


def test_a_command_typed_without_its_slash_is_shown_with_it(bot: Harness) -> None:
    bot.slack.event(typed("log call Acme Corp: <!channel> pricing"))
    [answer] = answers(bot)
    assert "`/log call Acme Corp: &lt;!channel&gt; pricing`" in answer
    assert "<!channel>" not in answer


def test_bot_messages_edits_and_retries_get_no_answer(bot: Harness) -> None:
    bot.slack.event(typed("my own reminder", bot_id="BBOT"))
    bot.slack.event(typed("edited", subtype="message_changed"))
    bot.slack.event(typed("in a channel", channel_type="channel", channel="C_GENERAL"))
    bot.slack.event(typed("joined", subtype="channel_join"))
    assert bot.messages("U0ALICE") == []
    bot.slack.event(typed("help"), event_id="EvRetry")
    bot.slack.event(typed("help"), event_id="EvRetry", retry=1)
    assert len(bot.messages("U0ALICE")) == 1


def test_the_manifest_subscribes_to_dm_messages() -> None:
    assert "message.im" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert "im:history" in MANIFEST["oauth_config"]["scopes"]["bot"]
    assert MANIFEST["features"]["app_home"]["messages_tab_enabled"] is True
