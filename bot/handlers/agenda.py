"""/agenda, its Done buttons, and the App Home (published when opened and after every change)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks.agenda import agenda_blocks, home_view
from bot.blocks.common import section
from bot.blocks.help import help_blocks
from bot.domain import noshows, permissions
from bot.domain.agenda import agenda, next_visits
from bot.domain.errors import UserError
from bot.domain.grammar import user_id_of
from bot.domain.text import escape, titled
from bot.domain.visits import complete_task
from bot.handlers.common import reply, reply_error
from bot.handlers.visits import log_for_task
from bot.services import Services
from bot.storage.models import Account, Task
from bot.storage.tenancy import current_team

log = logging.getLogger(__name__)
AGENDA_EXAMPLE = "/agenda week @bob"


def parse_agenda(text: str, user_id: str) -> tuple[bool, str]:
    """(week?, whose agenda) from ``week``, ``today``, ``@someone`` in any order."""
    week, subject = False, user_id
    for word in text.split():
        if word.lower() == "week":
            week = True
        elif word.lower() == "today":
            week = False
        elif (uid := user_id_of(word)) is not None:
            subject = uid
        else:
            raise UserError(
                f"I couldn't read “{word}”. `/agenda` takes `week` and an @mention.", AGENDA_EXAMPLE
            )
    return week, subject


def agenda_reply(services: Services, viewer: str, subject: str, week: bool) -> list[dict[str, Any]]:
    tz = services.people.tz(subject)
    now = services.clock.now()
    with services.uow(read_only=True) as session:
        found = agenda(session, subject, now=now, tz=tz, days=7 if week else 1)
    refresh = {"w": "week" if week else "today"}
    return agenda_blocks(found, now=now, week=week, own=subject == viewer, refresh=refresh)


def run_agenda_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if text.lower() == "help":
        reply(respond, help_blocks("/agenda"))
        return
    week, subject = parse_agenda(text, user_id)
    reply(respond, agenda_reply(services, user_id, subject, week))


class HomeRefresher:
    """App Home refreshes, off the request path and coalesced.

    ``request(user)`` after a change queues one refresh in ``services.background``, unless one is
    already waiting for that person (it will read the newest state when it runs). A refresh whose
    view is the same as the one last published for that person skips ``views.publish``.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        # By workspace and person: the same user id in two workspaces is two people.
        self._pending: set[tuple[str, str]] = set()
        self._published: dict[tuple[str, str], str] = {}  # → digest of the view last published
        self._lock = threading.Lock()

    def request(self, user_id: str) -> None:
        key = (current_team(), user_id)
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        if not self._services.background.submit(lambda: self._run(user_id)):
            with self._lock:
                self._pending.discard(key)

    def _run(self, user_id: str) -> None:
        with self._lock:
            self._pending.discard((current_team(), user_id))
        self.publish(user_id)

    def publish(self, user_id: str, *, force: bool = False) -> None:
        """Publish the person's App Home now (when opened, or if it changed); Slack errors are logged."""
        services = self._services
        try:
            tz = services.people.tz(user_id)
            now = services.clock.now()
            with services.uow(read_only=True) as session:
                today = agenda(session, user_id, now=now, tz=tz, days=1)
                week = agenda(session, user_id, now=now, tz=tz, days=7)
                visits = next_visits(session, user_id)
            view = home_view(today, week, visits, now=now)
            digest = hashlib.sha1(json.dumps(view, sort_keys=True).encode()).hexdigest()
            key = (current_team(), user_id)
            with self._lock:
                if not force and self._published.get(key) == digest:
                    return
            services.client.views_publish(user_id=user_id, view=view)
            with self._lock:
                self._published[key] = digest
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.info("views.publish for %s failed: %s", user_id, exc)


def finish_task(services: Services, task_id: int, user_id: str) -> tuple[str, str | None]:
    """Mark a task done from the agenda. Returns (what happened, the assignee)."""
    now = services.clock.now()
    with services.uow() as session:
        task = session.get(Task, task_id)
        if task is None:
            return "That task no longer exists.", None
        account = session.get(Account, task.account_id)
        shown = titled(task.title, account.name if account else "")
        if task.status != "open":
            return f"*{escape(shown)}* is already {task.status}.", task.assignee_id
        permissions.require(session, user_id, permissions.CHANGE, task)
        if task.kind == "visit":
            visit = True
        else:
            visit = False
            if task.kind == "noshow":
                noshows.mark_task_done(session, task, now)
            else:
                complete_task(session, task, now)
            title, assignee = shown, task.assignee_id
    if visit:  # a visit is done by logging it: that satisfies its plan and plans the next one
        log_for_task(services, task_id, user_id, noshow=False)
        return ":white_check_mark: Visit logged.", None
    return f":white_check_mark: Done: *{escape(title)}*.", assignee


def register(app: App, services: Services) -> None:
    home = HomeRefresher(services)
    services.change_listeners.append(home.request)

    @app.command("/agenda")
    def agenda_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_agenda_command(services, text, command["user_id"], respond, "")
        except UserError as err:
            reply_error(respond, err, command="/agenda", text=text)

    @app.action("agenda_done")
    def agenda_done(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = body["user"]["id"]
        raw = action.get("value", "")
        data = json.loads(raw) if raw.startswith("{") else {"t": int(raw)}
        message, assignee = finish_task(services, int(data["t"]), user_id)
        services.changed(user_id, assignee)
        if (body.get("container") or {}).get("type") == "view":
            return  # the App Home: the change listener republished it
        if "w" in data:
            blocks = [section(message), *agenda_reply(services, user_id, user_id, data["w"] == "week")]
            reply(respond, blocks, replace=True)
        else:
            reply(respond, [section(message)], replace=True)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        home.publish(event["user"], force=True)
