"""Event plumbing: Slack retries events it thinks we missed; act on each ``event_id`` once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from bot.services import Services
from bot.storage.models import ProcessedEvent

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.middleware
    def deduplicate_events(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        try:
            with services.uow() as session:
                session.add(ProcessedEvent(event_id=event_id, received_at=services.clock.now()))
        except IntegrityError:
            log.info("event %s already handled; ignoring Slack's retry", event_id)
            return BoltResponse(status=200, body="")
        return next()
