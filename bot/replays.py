"""Each signed request is acted on once: Slack's retries and replayed copies are acknowledged, not re-run.

A signed request stays valid for five minutes (its timestamp), so a copy of one (a replay), or Slack
sending a slash command again (``X-Slack-Retry-Num``), would otherwise run the command twice.
``once_per_request`` is a Bolt global middleware that records the SHA-256 of each command's,
button press's, form submission's and shortcut's exact bytes in ``seen_requests`` (with an expiry);
a digest already there means the request was seen: it is acknowledged with an empty 200 and a log
line, and nothing runs. The unique key makes this hold across instances sharing a database. Events
are deduplicated by their ``event_id`` (``bot/handlers/events.py``); select-menu option loads only
read, and are not recorded.

The ack never waits for the database: a command, button press or shortcut only acks on the request
thread and hands everything to the work pool (``bot/workers.py``), so its record is written by that
work, first, before anything else (``BEFORE_WORK`` in the request's context); a copy seen there runs nothing. Copies arriving
at this process are caught at once from memory (the digests of the last ten minutes). A form
submission does its work on the request thread (it may answer with field errors), so it is recorded
there, before its listener.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.services import Services
from bot.storage.models import SeenRequest
from bot.workers import BEFORE_WORK

log = logging.getLogger("salesbot.request")

# Longer than a signature stays valid (5 minutes), so a copy is refused either way.
REMEMBER_FOR = timedelta(minutes=10)
RECORDED_TYPES = {"block_actions", "view_submission", "message_action", "shortcut"}
# Requests whose listeners do nothing on the request thread but ack (``AckFirstApp``): recorded by their work.
RECORDED_BY_WORK = {"block_actions", "message_action", "shortcut"}


def digest_of(req: BoltRequest) -> str | None:
    """The key of a request that must run once (None: not recorded)."""
    body = req.body if isinstance(req.body, dict) else {}
    if not (isinstance(body.get("command"), str) or body.get("type") in RECORDED_TYPES):
        return None
    raw = req.raw_body.encode("utf-8", "surrogateescape") if isinstance(req.raw_body, str) else b""
    if not raw:  # Socket Mode hands Bolt the parsed payload, not bytes: its canonical JSON stands in
        raw = json.dumps(body, sort_keys=True).encode()
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


class Recent:
    """The digests this process saw in the last ``REMEMBER_FOR``: a copy is caught without the database."""

    def __init__(self, limit: int = 100_000) -> None:
        self._seen: dict[str, datetime] = {}  # digest → forgotten after
        self._limit = limit
        self._lock = threading.Lock()

    def first_time(self, digest: str, now: datetime) -> bool:
        with self._lock:
            until = self._seen.get(digest)
            if until is not None and until > now:
                return False
            if len(self._seen) >= self._limit:
                self._seen = {d: t for d, t in self._seen.items() if t > now}
                while len(self._seen) >= self._limit:  # a flood of distinct requests: the oldest go
                    del self._seen[next(iter(self._seen))]
            self._seen[digest] = now + REMEMBER_FOR
            return True


def _log_copy(body: dict[str, Any], headers: dict[str, Any], digest: str) -> None:
    retry = (headers.get("x-slack-retry-num") or [None])[0]
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


def once_per_request(services: Services) -> Callable[..., BoltResponse | None]:
    recent = Recent()

    def once(req: BoltRequest, context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        digest = digest_of(req)
        if digest is None:
            return next()
        body: dict[str, Any] = req.body
        if recent.first_time(digest, services.clock.now()):
            if isinstance(body.get("command"), str) or body.get("type") in RECORDED_BY_WORK:

                def record() -> bool:  # run by the work, before anything else
                    if first_time(services, digest):
                        return True
                    _log_copy(body, req.headers, digest)
                    return False

                context[BEFORE_WORK] = record
                return next()
            if first_time(services, digest):
                return next()
        _log_copy(body, req.headers, digest)
        return BoltResponse(status=200, body="")

    return once
