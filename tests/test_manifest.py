"""manifest.json declares what the app handles, so a workspace created from it works."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App

from bot.app import build_app, make_client
from bot.clock import FixedClock
from bot.settings import Settings
from tests.helpers import DEFAULT_NOW

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "manifest.json").read_text())
# The distributed set-up (OAuth mode): the same app, served over HTTP, installable by link.
OAUTH_MANIFEST = json.loads((ROOT / "manifest.oauth.json").read_text())
COMMANDS = {
    "/log",
    "/account",
    "/followup",
    "/visit",
    "/agenda",
    "/signal",
    "/opportunity",
    "/pipeline",
    "/contact",
    "/salesbot",
    "/team",
    "/targets",
    "/stats",
}


def registered(monkeypatch: pytest.MonkeyPatch, session_factory: Any) -> dict[str, list[str]]:
    """Build the app and record what it registers."""
    seen: dict[str, list[str]] = {"command": [], "shortcut": []}
    for kind in seen:
        original = getattr(App, kind)

        def spy(
            self: App, constraint: Any, *args: Any, _kind: str = kind, _orig: Any = original, **kw: Any
        ) -> Any:
            seen[_kind].append(constraint if isinstance(constraint, str) else constraint.get("callback_id"))
            return _orig(self, constraint, *args, **kw)

        monkeypatch.setattr(App, kind, spy)
    settings = Settings(bot_token="xoxb-test", signing_secret="s")
    build_app(
        settings, client=make_client(settings), session_factory=session_factory, clock=FixedClock(DEFAULT_NOW)
    )
    return seen


def test_every_registered_command_and_shortcut_is_declared(
    monkeypatch: pytest.MonkeyPatch, session_factory: Any
) -> None:
    seen = registered(monkeypatch, session_factory)
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    shortcuts = {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]}
    assert {"/log", "/account", "/salesbot"} <= set(seen["command"])
    assert set(seen["command"]) <= declared, "add the missing commands to manifest.json"
    assert set(seen["shortcut"]) <= shortcuts, "add the missing shortcuts to manifest.json"


def test_commands_escape_and_explain_themselves() -> None:
    commands = MANIFEST["features"]["slash_commands"]
    assert {c["command"] for c in commands} == COMMANDS
    for command in commands:
        assert command["should_escape"] is True, command["command"]
        assert command["usage_hint"] and command["description"], command["command"]


def test_shortcuts_scopes_events_and_settings() -> None:
    shortcuts = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    assert shortcuts["log_message_as_activity"]["name"] == "Log as activity"
    assert shortcuts["flag_signal"]["name"] == "Flag a signal"
    assert all(s["type"] == "message" for s in shortcuts.values())
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "chat:write.public", "users:read", "users:read.email",
        "im:write", "im:history", "channels:history", "groups:history",
        "files:write", "channels:read", "groups:read", "usergroups:read",
    }  # fmt: skip
    settings = MANIFEST["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened", "message.im"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_the_oauth_manifest_is_the_same_app_installable_by_link() -> None:
    assert OAUTH_MANIFEST["features"]["shortcuts"] == MANIFEST["features"]["shortcuts"]
    assert OAUTH_MANIFEST["oauth_config"]["scopes"] == MANIFEST["oauth_config"]["scopes"]
    commands = OAUTH_MANIFEST["features"]["slash_commands"]
    assert [{k: v for k, v in c.items() if k != "url"} for c in commands] == MANIFEST["features"][
        "slash_commands"
    ]
    [redirect] = OAUTH_MANIFEST["oauth_config"]["redirect_urls"]
    assert redirect.startswith("https://") and redirect.endswith("/slack/oauth_redirect")
    settings = OAUTH_MANIFEST["settings"]
    events_url = settings["event_subscriptions"]["request_url"]
    assert events_url.endswith("/slack/events") and settings["interactivity"]["request_url"] == events_url
    assert all(c["url"] == events_url for c in commands)
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened", "message.im", "app_uninstalled", "tokens_revoked",
    ]  # fmt: skip
    assert settings["socket_mode_enabled"] is False and settings["org_deploy_enabled"] is True
