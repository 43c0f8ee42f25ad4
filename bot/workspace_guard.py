"""One workspace per install: requests from another workspace or for another Slack app are refused.

With a single bot token, salesbot serves the workspace that token belongs to. ``single_workspace_guard``
is a Bolt global middleware that answers 403 (and logs a warning with the ids, nothing else) to a
request whose ``team_id`` is not that workspace's, or whose ``api_app_id`` is not this app's. The
workspace is ``SLACK_TEAM_ID`` when set, otherwise the team of the token (``auth.test``, asked once);
the app is ``SLACK_APP_ID`` when set, otherwise the app of the token's bot (``bots.info``), when Slack
says. An event from a channel shared with another organisation names our workspace in its
``authorizations``, and is accepted.

The guard is installed only in single-token mode (``guard_applies``): an install serving many
workspaces (OAuth) checks each request against its installations instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.internals import extract_team_id
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings

log = logging.getLogger("salesbot.request")

Middleware = Callable[..., BoltResponse | None]


def guard_applies(settings: Settings) -> bool:
    """Single-token mode: one bot token, hence one workspace (off when no token is configured)."""
    return bool(settings.bot_token) and not settings.oauth and settings.workspace_guard


class Installation:
    """The workspace and app this install serves: configured, or asked of Slack once (then kept)."""

    def __init__(self, client: WebClient, *, team_id: str | None, app_id: str | None) -> None:
        self.client = client
        self._team_id = team_id
        self._app_id = app_id
        self._resolved = team_id is not None and app_id is not None
        self._lock = threading.Lock()

    def ids(self, known: AuthorizeResult | None = None) -> tuple[str, str | None]:
        """(team id, app id or None when Slack does not say); ``known``: Bolt's own ``auth.test`` of
        the token, when it has one. Raises ``SlackApiError`` when Slack can't be asked."""
        if not self._resolved:
            with self._lock:
                if not self._resolved:
                    self._resolve(known)
        assert self._team_id is not None
        return self._team_id, self._app_id

    def _resolve(self, known: AuthorizeResult | None) -> None:
        auth: dict[str, Any]
        if known is not None and known.team_id:
            auth = {"team_id": known.team_id, "bot_id": known.bot_id}
        else:
            auth = dict(self.client.auth_test().data)  # type: ignore[arg-type]
        self._team_id = self._team_id or str(auth["team_id"])
        if self._app_id is None and auth.get("bot_id"):
            try:
                bot = self.client.bots_info(bot=str(auth["bot_id"])).get("bot") or {}
            except SlackApiError as exc:
                log.info("bots.info failed (%s): the app id is not checked", exc.response.get("error"))
                bot = {}
            self._app_id = bot.get("app_id") if isinstance(bot, dict) else None
        self._resolved = True


def request_teams(body: dict[str, Any]) -> set[str]:
    """Every workspace a request says it comes from or is authorised for."""
    teams = {extract_team_id(body)}
    if isinstance(body.get("team_id"), str):
        teams.add(body["team_id"])
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict):
            teams.add(authorization.get("team_id"))
    return {t for t in teams if isinstance(t, str) and t}


def single_workspace_guard(installation: Installation) -> Middleware:
    """A Bolt global middleware refusing requests for another workspace or another app (403)."""

    def single_workspace(req: BoltRequest, next: Callable[[], None]) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("type") in ("url_verification", "ssl_check") or body.get("ssl_check"):
            return next()
        try:
            team_id, app_id = installation.ids(req.context.authorize_result)
        except SlackApiError as exc:
            log.error("cannot tell which workspace this install serves: auth.test failed: %s", exc)
            return BoltResponse(status=503, body="")
        teams = request_teams(body)
        request_app = body.get("api_app_id")
        if team_id not in teams:
            reason = "another workspace" if teams else "no workspace"
        elif app_id and isinstance(request_app, str) and request_app and request_app != app_id:
            reason = "another app"
        else:
            return next()
        log.warning(
            "request refused",
            extra={
                "fields": {
                    "status": 403,
                    "reason": reason,
                    "team": ",".join(sorted(teams)) or None,
                    "app": request_app if isinstance(request_app, str) else None,
                    "expected_team": team_id,
                }
            },
        )
        return BoltResponse(status=403, body="")

    return single_workspace
