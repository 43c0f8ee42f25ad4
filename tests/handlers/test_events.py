"""Slack retries events it thinks were missed; each event_id is acted on once."""

from __future__ import annotations

from typing import Any

from bot.storage.models import ProcessedEvent
from tests.helpers import Harness


def listen(bot: Harness) -> list[str]:
    seen: list[str] = []

    @bot.app.event("app_mention")
    def on_mention(event: dict[str, Any]) -> None:
        seen.append(event["text"])

    return seen


def mention(text: str) -> dict[str, Any]:
    return {"type": "app_mention", "user": "U0ALICE", "text": text, "channel": "C1", "ts": "1.2"}


def test_a_retried_event_is_processed_once(bot: Harness) -> None:
    seen = listen(bot)
    first = bot.slack.event(mention("hello"), event_id="Ev001")
    retry = bot.slack.event(mention("hello"), event_id="Ev001", retry=1)
    again = bot.slack.event(mention("hello"), event_id="Ev001", retry=2)
    assert (first.status, retry.status, again.status) == (200, 200, 200)
    assert seen == ["hello"]
    assert bot.count(ProcessedEvent) == 1


def test_different_events_are_each_processed(bot: Harness) -> None:
    seen = listen(bot)
    bot.slack.event(mention("one"), event_id="Ev001")
    bot.slack.event(mention("two"), event_id="Ev002")
    assert seen == ["one", "two"]


def test_commands_are_not_deduplicated(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "Acme Corp")
    assert len(bot.replies()) == 2
    assert bot.count(ProcessedEvent) == 0
