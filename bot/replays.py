"""Each signed request is acted on once: Slack's retries and replayed copies are acknowledged, not re-run.

A signed request stays valid for five minutes (its timestamp), so a copy of one (a replay), or Slack
sending a slash command again (``X-Slack-Retry-Num``), would otherwise run the command twice.
``once_per_request`` is a Bolt global middleware that records the SHA-256 of each command's,
button press's, form submission's and shortcut's exact bytes in ``seen_requests`` (with an expiry),
in its own transaction, before any listener runs; a digest already there means the request was seen:
it is acknowledged with an empty 200 and a log line, and nothing runs. The unique key makes this hold
across instances sharing a database. Events are deduplicated by their ``event_id``
(``bot/handlers/events.py``); select-menu option loads only read, and are not recorded.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.services import Services
from bot.storage.models import SeenRequest

log = logging.getLogger("salesbot.request")

# Longer than a signature stays valid (5 minutes), so a copy is refused either way.
REMEMBER_FOR = timedelta(minutes=10)
RECORDED_TYPES = {"block_actions", "view_submission", "message_action", "shortcut"}


def digest_of(req: BoltRequest) -> str | None:
    """The key of a request that must run once (None: not recorded)."""
    body = req.body if isinstance(req.body, dict) else {}
    if not (isinstance(body.get("command"), str) or body.get("type") in RECORDED_TYPES):
        return None
    raw = req.raw_body.encode("utf-8", "surrogateescape") if isinstance(req.raw_body, str) else b""
    return hashlib.sha256(raw).hexdigest()


def first_time(services: Services, digest: str) -> bool:
    """Record ``digest``; False when it was recorded (and has not expired) already."""
    now = services.clock.now()
    try:
        with services.uow() as session:
            session.execute(
                delete(SeenRequest)
                .where(SeenRequest.expires_at < now)
                .execution_options(synchronize_session=False)
            )
            session.add(SeenRequest(digest=digest, expires_at=now + REMEMBER_FOR))
    except IntegrityError:
        return False
    return True


def once_per_request(services: Services) -> Callable[..., BoltResponse | None]:
    def once(req: BoltRequest, next: Callable[[], None]) -> BoltResponse | None:
        digest = digest_of(req)
        if digest is None or first_time(services, digest):
            return next()
        body: dict[str, Any] = req.body
        retry = (req.headers.get("x-slack-retry-num") or [None])[0]
        log.info(
            "request already handled",
            extra={
                "fields": {
                    "kind": "command" if "command" in body else body.get("type"),
                    "retry": retry,
                    "digest": digest[:16],
                }
            },
        )
        return BoltResponse(status=200, body="")

    return once
