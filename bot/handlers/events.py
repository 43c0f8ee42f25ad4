"""Request plumbing that runs before every listener.

- Slack retries events it thinks we missed: act on each ``event_id`` once.
- Control characters (NUL …) are dropped from everything a person sent (``bot.domain.inputs.clean``):
  no listener sees them, and no database is asked to store them.
- Slack sends ``&``, ``<`` and ``>`` typed in a slash command as ``&amp;``, ``&lt;``, ``&gt;``: listeners
  (and the database) get the text as typed; it is escaped again whenever it is echoed. (A message a
  shortcut runs on is read with ``bot.domain.text.message_as_read``.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from bot.domain.inputs import cleaned
from bot.domain.text import unescape_typed
from bot.services import Services
from bot.storage.models import ProcessedEvent

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.middleware
    def without_control_characters(
        body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body.update(cleaned(body))
        return next()

    @app.middleware
    def command_text_as_typed(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if isinstance(body.get("command"), str) and isinstance(body.get("text"), str):
            body["text"] = unescape_typed(body["text"])
        return next()

    @app.middleware
    def deduplicate_events(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id or getattr(app, "work_processes", None) is not None:
            return next()  # forwarded to a work process, which records it (bot/work_processes.py)
        try:
            with services.uow() as session:
                session.add(ProcessedEvent(event_id=event_id, received_at=services.clock.now()))
        except IntegrityError:
            log.info("event %s already handled; ignoring Slack's retry", event_id)
            return BoltResponse(status=200, body="")
        return next()
