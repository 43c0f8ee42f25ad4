"""Requests for another workspace or app are refused; Slack's retries and replayed copies run once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.settings import Settings
from bot.storage.models import Account, Activity, Base, SeenRequest
from bot.workspace_guard import guard_applies
from tests.helpers import FakeSlack, Harness, session_factory_for


def row_counts(bot: Harness) -> dict[str, int]:
    with bot.db() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
            if t.name != "seen_requests"  # what a refused or repeated request may record: that it came
        }


@pytest.fixture
def guarded(fake_slack: FakeSlack, session_factory) -> Harness:  # type: ignore[no-untyped-def]
    return Harness.create(fake_slack, session_factory)  # SLACK_TEAM_ID=T_LOCAL, SLACK_APP_ID=A_SALESBOT


def command_fields(bot: Harness, text: str, **overrides: str) -> dict[str, str]:
    return {
        "team_id": "T_LOCAL",
        "channel_id": "C_GENERAL",
        "user_id": "U0ALICE",
        "command": "/account",
        "text": text,
        "api_app_id": "A_SALESBOT",
        "response_url": bot.fake.response_url(bot.slack.next_id("cmd")),
        "trigger_id": bot.slack.next_id("trigger."),
        **overrides,
    }


def test_a_command_from_another_workspace_is_refused_logged_and_writes_nothing(
    guarded: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    before = row_counts(guarded)
    with caplog.at_level(logging.WARNING, logger="salesbot.request"):
        sent = guarded.slack.send_form(command_fields(guarded, "add Evil Corp", team_id="T_OTHER"))
    assert sent.status == 403
    assert row_counts(guarded) == before
    assert guarded.replies() == []
    [line] = [r for r in caplog.records if r.getMessage() == "request refused"]
    assert line.fields["team"] == "T_OTHER" and line.fields["reason"] == "another workspace"  # type: ignore[attr-defined]
    # Our own workspace is served as usual.
    guarded.command("/account", "add Acme Corp")
    assert guarded.count(Account) == 1


def test_a_request_for_another_app_is_refused(guarded: Harness) -> None:
    sent = guarded.slack.send_form(command_fields(guarded, "add Evil Corp", api_app_id="A_SOMEONE_ELSE"))
    assert sent.status == 403
    assert guarded.count(Account) == 0


def test_button_presses_and_events_of_another_workspace_are_refused(guarded: Harness) -> None:
    guarded.command("/account", "add Acme Corp")
    before = row_counts(guarded)
    press = guarded.slack.send_payload(
        {
            "type": "block_actions",
            "team": {"id": "T_OTHER", "domain": "other"},
            "user": {"id": "U0ALICE", "team_id": "T_OTHER"},
            "api_app_id": "A_SALESBOT",
            "trigger_id": "t.1",
            "actions": [{"type": "button", "action_id": "noop", "block_id": "b", "value": "1"}],
        }
    )
    assert press.status == 403
    event = guarded.slack.send(
        '{"type": "event_callback", "team_id": "T_OTHER", "api_app_id": "A_SALESBOT", "event_id": "Ev9",'
        ' "event": {"type": "message", "channel_type": "im", "user": "U0ALICE", "text": "hi", "channel": "D1"}}',
        "application/json",
    )
    assert event.status == 403
    assert row_counts(guarded) == before


def test_an_event_from_a_shared_channel_authorised_for_our_workspace_is_accepted(guarded: Harness) -> None:
    body = (
        '{"type": "event_callback", "team_id": "T_PARTNER", "api_app_id": "A_SALESBOT", "event_id": "Ev7",'
        ' "authorizations": [{"team_id": "T_LOCAL", "user_id": "UBOT", "is_bot": true}],'
        ' "event": {"type": "app_home_opened", "user": "U0ALICE", "tab": "home"}}'
    )
    assert guarded.slack.send(body, "application/json").status == 200


def test_without_a_configured_team_the_token_s_team_is_asked_of_slack_once(
    fake_slack: FakeSlack, session_factory
) -> None:  # type: ignore[no-untyped-def]
    # No SLACK_TEAM_ID: the token's auth.test (which Bolt makes anyway) tells, T_LOCAL.
    bot = Harness.create(fake_slack, session_factory, team_id=None, app_id=None)
    assert bot.slack.send_form(command_fields(bot, "add Evil Corp", team_id="T_OTHER")).status == 403
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "add Globex")
    assert bot.count(Account) == 2
    assert len(fake_slack.calls("auth.test")) == 1


def test_the_guard_is_off_when_switched_off_or_without_a_single_token() -> None:
    assert guard_applies(Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}))
    assert not guard_applies(
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SALESBOT_WORKSPACE_GUARD": "off"})
    )
    # Many workspaces (OAuth): no bot token in the environment; each install has its own.
    assert not guard_applies(Settings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}))


def test_switched_off_a_foreign_team_is_served(fake_slack: FakeSlack, session_factory) -> None:  # type: ignore[no-untyped-def]
    bot = Harness.create(fake_slack, session_factory, workspace_guard=False)
    assert bot.slack.send_form(command_fields(bot, "add Other Corp", team_id="T_OTHER")).status == 200
    assert bot.count(Account) == 1


# -- retries and replays -----------------------------------------------------------------------------
def test_slack_retries_and_replayed_copies_of_a_slash_command_run_once(db_bot: Harness) -> None:
    db_bot.command("/account", "add Acme Corp")
    sent = db_bot.command("/log", "call Acme Corp: pricing for 20 more seats")
    replies = len(db_bot.replies())
    # The same signed bytes again: three replays (re-signed, as an attacker within 5 minutes would
    # not need to), and Slack's own retry.
    for _ in range(3):
        assert db_bot.slack.send(sent.body, "application/x-www-form-urlencoded").status == 200
    retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    assert db_bot.slack.send(sent.body, "application/x-www-form-urlencoded", retry).status == 200
    assert db_bot.count(Activity) == 1
    assert len(db_bot.replies()) == replies
    # A new command with the same text is a new request (Slack gives it its own trigger id).
    db_bot.command("/log", "call Acme Corp: pricing for 20 more seats")
    assert db_bot.count(Activity) == 2


def test_a_replayed_button_press_runs_once(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/log", "call Acme Corp: pricing")
    sent = bot.click("Undo")
    assert bot.count(Activity) == 1  # undone activities are kept, marked
    with bot.db() as s:
        undone = s.scalars(select(Activity.undone_at)).one()
    assert undone is not None
    audit_before = row_counts(bot)
    assert bot.slack.send(sent.body, "application/x-www-form-urlencoded").status == 200
    assert row_counts(bot) == audit_before


def test_a_replay_is_refused_by_another_instance_on_the_same_database(
    fake_slack: FakeSlack, db_engine: Engine
) -> None:
    first = Harness.create(fake_slack, session_factory_for(db_engine))
    second = Harness.create(fake_slack, session_factory_for(db_engine))
    first.command("/account", "add Acme Corp")
    sent = first.command("/log", "call Acme Corp: pricing")
    assert second.slack.send(sent.body, "application/x-www-form-urlencoded").status == 200
    assert first.count(Activity) == 1


def test_what_is_remembered_expires(bot: Harness) -> None:
    bot.command("/account", "add Acme Corp")
    bot.command("/account", "add Globex")
    assert bot.count(SeenRequest) == 2
    bot.clock.advance(timedelta(minutes=11))
    bot.command("/account", "add Initech")
    assert bot.count(SeenRequest) == 1  # the table holds the last minutes only, whatever the history
