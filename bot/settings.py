"""Secrets and endpoints, read from the environment once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

SLACK_API_DEFAULT = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    # The one workspace (and Slack app) a single bot token serves; asked of Slack when not set.
    # Requests for another are refused (bot/workspace_guard.py); SALESBOT_WORKSPACE_GUARD=off disables it.
    team_id: str | None = None
    app_id: str | None = None
    workspace_guard: bool = True
    slack_api_url: str = SLACK_API_DEFAULT
    database_url: str = "sqlite:///salesbot.db"
    config_path: str | None = None
    # Tests and the console want listeners to finish before the HTTP response; Slack wants the ack at once.
    process_before_response: bool = False
    # The work after an ack: worker threads, and how many requests may wait for one (bot/workers.py).
    workers: int = 8
    work_queue: int = 1000
    # ``salesbot run``: processes that do the work after the ack, so it never holds up an ack
    # (bot/work_processes.py); 0 does it in the serving process's worker threads.
    work_processes: int = 1
    # OAuth mode (installable by link in any number of workspaces; bot/installs.py): the app's
    # credentials, and the redirect URL registered with Slack when it is not derived from the request.
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        api = env.get("SLACK_API_URL") or SLACK_API_DEFAULT
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            team_id=env.get("SLACK_TEAM_ID") or None,
            app_id=env.get("SLACK_APP_ID") or None,
            workspace_guard=(env.get("SALESBOT_WORKSPACE_GUARD") or "on").lower()
            not in ("off", "0", "false", "no"),
            slack_api_url=api if api.endswith("/") else api + "/",
            database_url=env.get("DATABASE_URL") or "sqlite:///salesbot.db",
            config_path=env.get("SALESBOT_CONFIG") or None,
            workers=int(env.get("SALESBOT_WORKERS") or 8),
            work_queue=int(env.get("SALESBOT_WORK_QUEUE") or 1000),
            work_processes=int(env.get("SALESBOT_WORK_PROCESSES") or 1),
            client_id=env.get("SLACK_CLIENT_ID") or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            redirect_uri=env.get("SLACK_REDIRECT_URI") or None,
        )

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.bot_token)

    @property
    def oauth(self) -> bool:
        """OAuth mode: the app's client id, secret and signing secret are set and no bot token is.
        Each workspace's token then comes from its installation, not from the environment."""
        return bool(self.client_id and self.client_secret and self.signing_secret and not self.bot_token)

    @property
    def authorize_url(self) -> str:
        """Slack's consent page, next to the Web API (``…/api/`` → ``…/oauth/v2/authorize``)."""
        base = self.slack_api_url.removesuffix("/").removesuffix("/api")
        return base + "/oauth/v2/authorize"
