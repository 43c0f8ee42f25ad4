"""Was an earlier send delivered after all? Look for it in the conversation's history.

Every reminder is posted with message metadata ``{event_type: salesbot_reminder, event_payload:
{reminder_id}}`` (a combined message also lists ``reminder_ids``). When a send's outcome is unknown
(the process died after ``chat.postMessage``, or the call timed out), the next attempt first reads
the target conversation since the row was first claimed. If the message is there, its ``ts`` is
recorded and nothing is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

EVENT_TYPE = "salesbot_reminder"
# Slack's clock and ours may differ a little: look a bit further back than the first claim.
CLOCK_MARGIN = timedelta(minutes=5)
MAX_PAGES = 20


@dataclass(frozen=True)
class Found:
    channel: str
    ts: str


def metadata_for(reminder_ids: list[int]) -> dict[str, Any]:
    payload: dict[str, Any] = {"reminder_id": reminder_ids[0]}
    if len(reminder_ids) > 1:
        payload["reminder_ids"] = list(reminder_ids)
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def carries(message: dict[str, Any], reminder_id: int) -> bool:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return False
    payload = metadata.get("event_payload") or {}
    ids = payload.get("reminder_ids") or [payload.get("reminder_id")]
    return any(str(i) == str(reminder_id) for i in ids)


def conversation_id(client: WebClient, target: str) -> str:
    """The conversation a message to ``target`` lands in: a user id means the DM, opened to learn its id."""
    if target[:1] in ("U", "W"):
        return str(client.conversations_open(users=target)["channel"]["id"])
    return target


def find_posted(client: WebClient, target: str, reminder_id: int, since: datetime) -> Found | None:
    """The message carrying ``reminder_id`` posted to ``target`` since ``since``, if there is one.

    Slack errors propagate: when the history can't be read, nothing is proven either way.
    """
    channel = conversation_id(client, target)
    oldest = f"{(since - CLOCK_MARGIN).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = client.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
        )
        for message in response.get("messages") or []:
            if carries(message, reminder_id):
                return Found(channel, str(message["ts"]))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not response.get("has_more") or not cursor:
            return None
    raise RuntimeError(f"history of {channel} too long to search for reminder {reminder_id}")
