"""Build and sign requests exactly as Slack sends them: slash-command forms, ``payload=`` posts, events.

``SlackDriver`` sends them into a Bolt app (in process, through signature verification) and is what
both the console and the tests use to play Slack's part.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse

from bot.console.fake_slack import FakeSlack

TEAM = {"id": "T_LOCAL", "domain": "local"}


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


@dataclass
class Sent:
    body: str
    headers: dict[str, str]
    response: BoltResponse

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.response.body) if self.response.body else {}


class SlackDriver:
    """Plays Slack: builds payloads, signs them, dispatches them into ``app``."""

    def __init__(
        self, app: App, signing_secret: str, fake: FakeSlack, *, team: dict[str, str] | None = None
    ) -> None:
        self.team = team or TEAM  # the workspace the requests come from
        self.app = app
        self.secret = signing_secret
        self.fake = fake
        self._ids = itertools.count(1)

    # -- transport -----------------------------------------------------------------------------
    def send(self, body: str, content_type: str, extra_headers: dict[str, str] | None = None) -> Sent:
        headers = {"content-type": content_type, **sign(self.secret, body), **(extra_headers or {})}
        response = self.app.dispatch(BoltRequest(body=body, headers={k: [v] for k, v in headers.items()}))
        if response.status == 200 and isinstance(response.body, str):  # checked as Slack would
            self.fake.answered(response.body, (response.headers.get("content-type") or [""])[0])
        return Sent(body, headers, response)

    def send_form(self, fields: dict[str, Any]) -> Sent:
        return self.send(urlencode(fields), "application/x-www-form-urlencoded")

    def send_payload(self, payload: dict[str, Any]) -> Sent:
        return self.send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def next_id(self, prefix: str) -> str:
        workspace = "" if self.team is TEAM else f"{self.team['id']}."  # ids of two workspaces never meet
        return f"{prefix}{workspace}{next(self._ids)}"

    # -- Slack's request kinds -----------------------------------------------------------------
    def command(
        self, command: str, text: str = "", *, user: str = "U0ALICE", channel: str = "C_GENERAL"
    ) -> Sent:
        return self.send_form(
            {
                "token": "legacy",
                "team_id": self.team["id"],
                "team_domain": self.team["domain"],
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A_SALESBOT",
                "response_url": self.fake.response_url(self.next_id("cmd")),
                "trigger_id": self.next_id("trigger."),
            }
        )

    def block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str = "U0ALICE",
        channel: str = "C_GENERAL",
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        action: dict[str, Any] | None = None,
    ) -> Sent:
        element = action or {
            "type": "button",
            "action_id": action_id,
            "block_id": "b",
            "value": value,
            "action_ts": "1",
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": self.team,
            "user": {"id": user, "username": user.lower(), "team_id": self.team["id"]},
            "api_app_id": "A_SALESBOT",
            "trigger_id": self.next_id("trigger."),
            "actions": [element],
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        else:
            payload["channel"] = {"id": channel, "name": "general"}
            ts = str((message or {}).get("ts") or "")
            key = self.next_id("act")
            if ts and self._posted(channel, ts):
                # A message the bot posted: Slack sends it whole, and it can be edited.
                conversation = self.fake.message(channel, ts)["channel"]
                payload["channel"] = {"id": conversation, "name": "directmessage"}
                payload["container"] = {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": conversation,
                    "is_ephemeral": False,
                }
                payload["message"] = {k: v for k, v in (message or {}).items() if k != "channel"}
                payload["response_url"] = self.fake.response_url(key, channel=conversation, ts=ts)
            else:
                # An ephemeral message (a reply to a command or a button): only its response_url edits it.
                ts = ts or self.fake.new_ephemeral_ts()
                payload["container"] = {
                    "type": "message",
                    "message_ts": ts,
                    "channel_id": channel,
                    "is_ephemeral": True,
                }
                payload["message"] = {**(message or {}), "ts": ts, "text": (message or {}).get("text", "")}
                payload["response_url"] = self.fake.response_url(key)
        return self.send_payload(payload)

    def _posted(self, channel: str, ts: str) -> bool:
        try:
            self.fake.message(channel, ts)
        except KeyError:
            return False
        return True

    def click(
        self,
        button: dict[str, Any],
        *,
        user: str = "U0ALICE",
        channel: str = "C_GENERAL",
        message: dict[str, Any] | None = None,
        block_id: str = "b",
    ) -> Sent:
        """Press a button element taken from a rendered message (``message``: a posted one, with its ``ts``)."""
        element = {
            "type": "button",
            "action_id": button["action_id"],
            "block_id": block_id,
            "value": button.get("value", ""),
            "text": button.get("text"),
            "action_ts": "1",
        }
        return self.block_action(
            button["action_id"], user=user, channel=channel, message=message, action=element
        )

    def shortcut(
        self, callback_id: str, message: dict[str, Any], *, user: str = "U0ALICE", channel: str = "C_GENERAL"
    ) -> Sent:
        return self.send_payload(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "team": self.team,
                "user": {"id": user, "username": user.lower(), "team_id": self.team["id"]},
                "channel": {"id": channel, "name": "general"},
                "message": message,
                "message_ts": message.get("ts"),
                "trigger_id": self.next_id("trigger."),
                "response_url": self.fake.response_url(self.next_id("sc")),
                "action_ts": "1",
            }
        )

    def submit(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], *, user: str = "U0ALICE"
    ) -> Sent:
        """Submit a modal. ``values`` is Slack's state: ``{block_id: {action_id: {...}}}``."""
        return self.send_payload(
            {
                "type": "view_submission",
                "team": self.team,
                "user": {"id": user, "username": user.lower(), "team_id": self.team["id"]},
                "api_app_id": "A_SALESBOT",
                "trigger_id": self.next_id("trigger."),
                "view": {
                    "id": view.get("id", "V1"),
                    "type": "modal",
                    "callback_id": view.get("callback_id"),
                    "private_metadata": view.get("private_metadata", ""),
                    "blocks": view.get("blocks", []),
                    "state": {"values": values},
                },
            }
        )

    def options(
        self, action_id: str, value: str, *, user: str = "U0ALICE", block_id: str = "account"
    ) -> Sent:
        return self.send_payload(
            {
                "type": "block_suggestion",
                "team": self.team,
                "user": {"id": user, "team_id": self.team["id"]},
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "api_app_id": "A_SALESBOT",
            }
        )

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None) -> Sent:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": self.team["id"],
                "api_app_id": "A_SALESBOT",
                "type": "event_callback",
                "event_id": event_id or self.next_id("Ev"),
                "event_time": int(time.time()),
                "event": event,
            }
        )
        extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} if retry else None
        return self.send(body, "application/json", extra)
