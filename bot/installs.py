"""OAuth mode: salesbot installed by link in any number of workspaces, from one deployment.

Chosen when ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_SIGNING_SECRET`` are set and no
``SLACK_BOT_TOKEN`` (``Settings.oauth``). Bolt runs the OAuth v2 flow (``GET /slack/install``, the
"Add to Slack" page; ``GET /slack/oauth_redirect``, Slack's redirect) with slack_sdk's SQLAlchemy
installation and state stores on salesbot's own database (tables created by the migrations). Every
request is authorised from its workspace's installation; a workspace without one gets Bolt's
standard answer and nothing runs.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_, delete, select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain import roles, teams
from bot.settings import Settings
from bot.slack_client import SlackClient
from bot.storage import tenancy
from bot.storage.db import READ_ONLY
from bot.storage.models import Reminder, WorkspaceRecord

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600  # an "Add to Slack" link is good for ten minutes
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.json"


def bot_scopes() -> list[str]:
    """The bot scopes asked for at install: the manifest's, so both set-ups ask for the same."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return list(manifest["oauth_config"]["scopes"]["bot"])


class ClockedStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's SQLAlchemy state store, telling time with salesbot's clock (tests control expiry)."""

    def __init__(self, engine: Engine, clock: Clock, expiration_seconds: int = STATE_SECONDS) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine)
        self.clock = clock

    def _now(self) -> Any:
        return self.clock.now().replace(tzinfo=None)  # the table holds naive UTC

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = str(uuid4())
        expires = self._now() + timedelta(seconds=self.expiration_seconds)
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.insert(), {"state": state, "expire_at": expires})
        return state

    def consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; a forged, used or stale one is False."""
        if not state:
            return False
        c = self.oauth_states.c
        with self.engine.begin() as conn:
            row = conn.execute(
                select(c.id).where(and_(c.state == state, c.expire_at > self._now())).limit(1)
            ).first()
            # A used or expired state is gone either way: it can never be replayed.
            conn.execute(delete(self.oauth_states).where(c.state == state))
        return row is not None


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy installation store, with each workspace's bot token kept in memory for a
    minute (every call to Slack needs it) and forgotten at once when the workspace changes."""

    TOKEN_SECONDS = 60.0

    def __init__(self, client_id: str, engine: Engine) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self._reader = engine.execution_options(**{READ_ONLY: True})
        self._tokens: dict[tuple[str | None, str | None], tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def save(self, installation: Any) -> None:
        super().save(installation)
        self.forget(installation.enterprise_id, installation.team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.forget(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        super().delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        self.forget(enterprise_id, team_id)

    def forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        with self._lock:
            self._tokens.clear() if team_id is None else self._tokens.pop((enterprise_id, team_id), None)

    def bot_token(self, workspace: tenancy.Workspace) -> str | None:
        """The bot token of ``workspace``'s installation (its own, or its organisation's), if any."""
        key = (workspace.enterprise_id, workspace.team_id)
        with self._lock:
            cached = self._tokens.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        token = self._read_token(workspace.enterprise_id, workspace.team_id, org_wide=False)
        if token is None and workspace.enterprise_id:
            token = self._read_token(workspace.enterprise_id, None, org_wide=True)
        with self._lock:
            self._tokens[key] = (time.monotonic() + self.TOKEN_SECONDS, token)
        return token

    def _read_token(self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool) -> str | None:
        """The newest bot token of an installation. Read without taking SQLite's write lock: it is
        asked for inside units of work that hold it."""
        c = self.bots.c
        query = select(c.bot_token).where(c.client_id == self.client_id, c.enterprise_id == enterprise_id)
        query = (
            query.where(c.is_enterprise_install.is_(True)) if org_wide else query.where(c.team_id == team_id)
        )
        with self._reader.connect() as conn:
            return conn.scalar(query.order_by(c.installed_at.desc()).limit(1))

    def installed_teams(self) -> list[tenancy.Workspace]:
        """Every installed workspace (an org-wide install: the organisation)."""
        c = self.bots.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.enterprise_id, c.team_id, c.is_enterprise_install)
                .where(c.client_id == self.client_id)
                .distinct()
            ).all()
        return [
            tenancy.Workspace(str(team or enterprise), enterprise, bool(org))
            for enterprise, team, org in rows
            if team or enterprise
        ]


class WorkspaceClient(SlackClient):
    """A Web API client whose token is the current workspace's (``bot.storage.tenancy``): the one
    client the scheduler, the dispatcher and the services use in OAuth mode."""

    def __init__(self, store: InstallationStore, **kwargs: Any) -> None:
        self._store = store
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def token(self) -> str | None:
        return self._store.bot_token(tenancy.current())

    @token.setter
    def token(self, _value: str | None) -> None:
        pass  # always the current workspace's

    def without_retries(self, *, timeout: float | None = None) -> WorkspaceClient:
        """The same client with no automatic retries and at most ``timeout`` per call (delivery)."""
        return WorkspaceClient(
            self._store,
            base_url=self.base_url,
            timeout=max(1, int(min(self.timeout, timeout))) if timeout else self.timeout,
            headers=dict(self.headers or {}),
            logger=self.logger,
            retry_handlers=[],
            keep_alive=True,
        )


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d3557}}
a.button{{display:inline-block;padding:.6rem 1rem;background:#1d3557;color:#fff;border-radius:6px;text-decoration:none}}</style>
</head><body><h1>{title}</h1>{body}</body></html>"""

FAILURES = {
    "access_denied": (
        "Installation cancelled",
        "salesbot was not added: the installation was cancelled on Slack's page.",
    ),
    "invalid_state": (
        "This installation link has expired",
        "The link was already used, is older than ten minutes, or did not come from this server.",
    ),
    "invalid_browser": (
        "This installation link has expired",
        "The installation was started in another browser, or the link was already used.",
    ),
    "missing_code": ("Installation incomplete", "Slack's answer carried no authorisation code."),
    "invalid_code": ("Installation failed", "Slack did not accept the authorisation code."),
    "storage_error": ("Installation failed", "The installation could not be saved. Nothing was kept."),
}


def page(title: str, body: str, status: int) -> BoltResponse:
    return BoltResponse(
        status=status,
        body=PAGE.format(title=html.escape(title), body=body),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def _success(args: SuccessArgs, services: Services | None = None) -> BoltResponse:
    installation = args.installation
    if services is not None and installation.team_id and not installation.is_enterprise_install:
        # Served from now on; its roles are seeded at install (an org-wide install: as each of the
        # organisation's workspaces is first seen).
        remember(services, tenancy.Workspace(installation.team_id, installation.enterprise_id))
    where = installation.team_name or installation.enterprise_name or installation.team_id or "your workspace"
    log.info(
        "installed in team %s (enterprise %s, org-wide %s)",
        installation.team_id,
        installation.enterprise_id,
        installation.is_enterprise_install,
    )
    return page(
        "salesbot is installed",
        f"<p>salesbot is now in <strong>{html.escape(where)}</strong>. Open Slack and type "
        "<code>/salesbot help</code> to start, or <code>/account add Acme Corp</code> to add your "
        "first account.</p>",
        200,
    )


def _failure(args: FailureArgs) -> BoltResponse:
    title, why = FAILURES.get(args.reason, ("Installation failed", "Slack answered with an error."))
    log.warning("installation failed: %s", args.reason)
    again = f'<p><a class="button" href="{INSTALL_PATH}">Start again</a></p>'
    status = args.suggested_status_code if args.suggested_status_code >= 400 else 400
    return page(title, f"<p>{html.escape(why)}</p>{again}", status)


def oauth_settings(
    settings: Settings,
    *,
    installation_store: InstallationStore,
    state_store: ClockedStateStore,
    services: Services | None = None,
) -> OAuthSettings:
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=bot_scopes(),
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.authorize_url,
        installation_store=installation_store,
        state_store=state_store,
        callback_options=CallbackOptions(success=lambda args: _success(args, services), failure=_failure),
    )


def app_options(settings: Settings, services: Services) -> dict[str, Any]:
    """The Bolt ``App`` arguments of OAuth mode: the flow's settings on the services' database."""
    store = services.installations
    if store is None:
        raise ValueError("OAuth mode needs the installation store (open_services builds it)")
    engine = services.session_factory.kw["bind"]
    state_store = ClockedStateStore(engine, services.clock)
    return {
        "oauth_settings": oauth_settings(
            settings, installation_store=store, state_store=state_store, services=services
        )
    }


def register(app: App, services: Services) -> None:
    """Every served workspace is remembered (the scheduler's passes run for it); ``app_uninstalled``
    and ``tokens_revoked``: the workspace's tokens are deleted (its data is kept until
    ``salesbot purge team``) and its pending deliveries are cancelled."""
    store = services.installations
    assert store is not None
    revocation = TokenRevocationListeners(store)
    seen: set[str] = set()

    @app.use
    def remember_workspace(next: Callable[[], None]) -> None:
        # Runs after Bolt found the workspace's installation: a workspace without one never gets here.
        workspace = tenancy.current()
        if workspace.team_id not in seen:
            remember(services, workspace)
            seen.add(workspace.team_id)
        next()

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        revocation.handle_app_uninstalled_events(context)
        stopped(services, "the app was uninstalled")

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        revocation.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            stopped(services, "the bot token was revoked")


def stopped(services: Services, reason: str) -> None:
    """The current workspace can no longer be reached: its pending deliveries are cancelled, with
    the reason (its data stays until ``salesbot purge team``)."""
    workspace = tenancy.current()
    with services.uow() as session:
        cancelled = session.execute(
            update(Reminder)
            .where(Reminder.status == "pending")
            .values(status="cancelled", last_error=reason)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
    log.warning("team %s: %s; %d pending deliveries cancelled", workspace.team_id, reason, cancelled)


def remember(services: Services, workspace: tenancy.Workspace) -> None:
    """Note a workspace salesbot serves (once), with its organisation for an org-wide install. The
    first time, its roles and teams are seeded (``seed_workspace``)."""
    with tenancy.as_workspace(workspace):
        with services.uow(read_only=True) as session:
            if session.get(WorkspaceRecord, workspace.team_id) is not None:
                return
        installer = installer_of(services, workspace)  # read before the write lock is taken
        with services.uow() as session:
            if session.get(WorkspaceRecord, workspace.team_id) is not None:
                return  # another instance got there first
            session.add(
                WorkspaceRecord(
                    team_id=workspace.team_id,
                    enterprise_id=workspace.enterprise_id,
                    first_seen_at=services.clock.now(),
                )
            )
            seed_workspace(services, session, installer)


def seed_workspace(services: Services, session: Session, installer: str | None) -> None:
    """A workspace served for the first time gets the playbook's ``[roles]`` as its roles and its
    ``[roles] managers`` as its teams, like the single workspace at its first start. When the playbook
    names no admin, the person who installed salesbot is the workspace's first admin (someone must be
    able to give roles)."""
    playbook = services.playbook
    now = services.clock.now()
    seed = dict(playbook.role_seed)
    if not seed.get(roles.ADMIN) and installer:
        seed[roles.ADMIN] = (installer,)
    teams.seed_from_playbook(session, playbook.managers, now=now)
    seeded = roles.seed_from_playbook(session, seed, now=now)
    if seeded:
        log.info(
            "team %s: %d roles from the playbook (admins: %s)",
            tenancy.current_team(),
            seeded,
            seed.get(roles.ADMIN),
        )


def installer_of(services: Services, workspace: tenancy.Workspace) -> str | None:
    """Who installed salesbot for ``workspace`` (its own install, else its organisation's)."""
    store = services.installations
    if store is None:
        return None
    found = store.find_installation(enterprise_id=workspace.enterprise_id, team_id=workspace.team_id)
    if found is None and workspace.enterprise_id:
        found = store.find_installation(
            enterprise_id=workspace.enterprise_id, team_id=None, is_enterprise_install=True
        )
    return found.user_id if found is not None else None


def served_workspaces(services: Services) -> list[tenancy.Workspace]:
    """The workspaces whose work runs now: the one workspace of a bot token, or every workspace that
    has been served and is still installed (its own install or its organisation's)."""
    store = services.installations
    if store is None:
        return [tenancy.LOCAL]
    with services.session_factory() as session:
        rows = session.execute(select(WorkspaceRecord.team_id, WorkspaceRecord.enterprise_id)).all()
    workspaces = [tenancy.Workspace(team, enterprise) for team, enterprise in rows]
    return [w for w in workspaces if store.bot_token(w) is not None]
