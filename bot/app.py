"""The one factory that builds the Slack app. Socket Mode, HTTP, the console and the tests all use it."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.clock import Clock
from bot.domain import roles, teams
from bot.handlers import register_all
from bot.oplog import log_request
from bot.people import People
from bot.playbook import Playbook, load_playbook
from bot.reminders import listeners
from bot.replays import once_per_request
from bot.services import Services
from bot.settings import Settings
from bot.slack_client import SlackClient
from bot.slack_client import install as fit_everything_sent
from bot.storage import tenancy
from bot.storage.audit import acting_as
from bot.storage.db import SessionFactory
from bot.workers import AS_SENT, AckFirstApp, WorkPool
from bot.workspace_guard import Installation, guard_applies, single_workspace_guard
from bot.workspace_playbooks import Playbooks

if TYPE_CHECKING:  # OAuth mode only (bot/installs.py): imported when that mode is chosen
    from bot.installs import InstallationStore

log = logging.getLogger(__name__)


class _InjectedClientIsMeant(logging.Filter):
    """Bolt reads ``SLACK_BOT_TOKEN`` itself and warns that the client we inject takes precedence.
    That client carries the same token (``make_client``): the warning is noise on every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.App").addFilter(_InjectedClientIsMeant())


SURFACE_OF_TYPE = {
    "block_actions": "button",
    "block_suggestion": "button",
    "view_submission": "modal",
    "view_closed": "modal",
    "message_action": "shortcut",
    "shortcut": "shortcut",
    "event_callback": "event",
}


def actor_of(body: dict[str, Any]) -> tuple[str | None, str]:
    """(user id, surface) of a request."""
    if "command" in body:
        return body.get("user_id"), "command"
    surface = SURFACE_OF_TYPE.get(str(body.get("type")), "event")
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id"), surface
    event = body.get("event")
    if isinstance(event, dict) and isinstance(event.get("user"), str):
        return event["user"], surface
    return (user if isinstance(user, str) else None), surface


class SalesbotApp(AckFirstApp):
    """The app, with every request's changes attributed to who sent it and from where (the audit
    trail, ``bot/storage/audit.py``) and, installed in many workspaces, kept to the workspace it
    comes from (``bot/storage/tenancy.py``). Listeners ack inside ``dispatch``; the work they hand
    to ``services.work`` carries the same context (``WorkPool.submit``)."""

    def __init__(self, *, many_workspaces: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.many_workspaces = many_workspaces
        self.log_requests = True  # a work process dispatches requests the serving process logged

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        body = req.body if isinstance(req.body, dict) else {}
        if self.work_processes is not None and req.mode == "socket_mode":
            # Forwarded as Slack sent it, before any middleware changed the payload (``_forward``).
            req.context[AS_SENT] = json.loads(json.dumps(body))
        user_id, surface = actor_of(body)
        workspace = tenancy.workspace_of(body) if self.many_workspaces else None
        status = 500
        try:
            with acting_as(user_id, surface), tenancy.as_workspace(workspace or tenancy.LOCAL):
                response = super().dispatch(req)
            status = response.status
            return response
        finally:
            if self.log_requests:
                log_request(body, req.headers, status, started)  # one line per request (bot/oplog.py)


def make_client(settings: Settings, installations: InstallationStore | None = None) -> WebClient:
    """A Web API client that talks to ``SLACK_API_URL`` (Slack itself unless told otherwise) and fits
    every message and view to Slack's limits before sending it (``bot/slack_client.py``); in OAuth
    mode it carries the bot token of the workspace being served (``WorkspaceClient``)."""
    if installations is not None:
        from bot.installs import WorkspaceClient

        return WorkspaceClient(installations, base_url=settings.slack_api_url)
    return SlackClient(token=settings.bot_token, base_url=settings.slack_api_url)


def build_services(
    settings: Settings,
    *,
    client: WebClient,
    session_factory: SessionFactory,
    clock: Clock,
    playbook: Playbook | None = None,
    installations: InstallationStore | None = None,
) -> Services:
    playbook = playbook or load_playbook(settings.config_path)
    playbooks = Playbooks(playbook, session_factory, config_path=settings.config_path)
    people = People(client, session_factory, clock, playbooks.of)
    inline = settings.process_before_response
    services = Services(
        settings,
        playbook,
        client,
        session_factory,
        clock,
        people,
        work=WorkPool("work", workers=settings.workers, bound=settings.work_queue, inline=inline),
        background=WorkPool("background", workers=2, bound=settings.work_queue, inline=inline),
        installations=installations,
        playbooks=playbooks,
    )
    listeners.install(services.bus, lambda: services.playbook)
    return services


def prepare(services: Services) -> None:
    """Once at start, after the migrations: at the very first start the playbook's ``[roles]`` become
    the stored roles and its ``[roles] managers`` the stored teams (later starts leave the roles and
    teams that ``/salesbot role`` and ``/team`` manage alone). Installed in many workspaces, each one
    is seeded when it is first served instead (``bot/installs.py: remember``)."""
    if services.installations is not None:
        return
    with services.uow() as session:
        teams.seed_from_playbook(session, services.playbook.managers, now=services.clock.now())
        roles.seed_from_playbook(session, services.playbook.role_seed, now=services.clock.now())


def build_app(
    settings: Settings,
    *,
    client: WebClient,
    session_factory: SessionFactory,
    clock: Clock,
    playbook: Playbook | None = None,
    services: Services | None = None,
) -> App:
    """Wire listeners to their dependencies. Does no I/O: no auth.test, no database access."""
    services = services or build_services(
        settings, client=client, session_factory=session_factory, clock=clock, playbook=playbook
    )
    # Listeners ack on the request thread and do their work in services.work (bot/workers.py).
    oauth: dict[str, Any] = {}
    if settings.oauth:
        from bot import installs

        oauth = installs.app_options(settings, services)
    app = SalesbotApp(
        name="salesbot",  # else Bolt names the app from inspect.stack(), which reads every module's source path
        pool=services.work,
        many_workspaces=settings.oauth,
        client=client,
        **oauth,
        signing_secret=settings.signing_secret or "",
        token_verification_enabled=False,
        request_verification_enabled=True,
        ignoring_self_events_enabled=True,
        url_verification_enabled=True,
        ssl_check_enabled=True,
    )
    fit_everything_sent(app)  # first: every reply is fitted to Block Kit's limits
    if guard_applies(settings):
        installation = Installation(client, team_id=settings.team_id, app_id=settings.app_id)
        app.middleware(single_workspace_guard(installation))
    app.middleware(once_per_request(services))  # Slack's retries and replayed copies run once
    register_all(app, services)
    if settings.oauth:
        installs.register(app, services)
    return app
