"""Salesbot in OAuth mode over real loopback HTTP, with the fake Slack standing in for slack.com."""

from __future__ import annotations

import http.cookiejar
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Engine

from bot.app import build_app
from bot.clock import FixedClock
from bot.console.fake_slack import FakeWorkspace
from bot.console.slack_requests import SlackDriver
from bot.http_server import create_http_server, make_wsgi_app, stop_http_server
from bot.runner import open_services
from bot.services import Services
from bot.settings import Settings
from tests.helpers import DEFAULT_NOW, FakeSlack, sign

SECRET = "oauth-signing-secret"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


@dataclass
class Page:
    status: int
    url: str
    body: str


class _BehindHttps(http.cookiejar.DefaultCookiePolicy):
    """Production serves the pages over HTTPS (a proxy in front); here the loopback is plain HTTP, so
    the browser returns Bolt's ``Secure`` state cookie as it would over HTTPS."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return True


class Browser:
    """A person's browser: keeps cookies, follows redirects."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar(_BehindHttps())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, url: str) -> Page:
        try:
            with self.opener.open(url, timeout=10) as response:
                return Page(response.status, response.geturl(), response.read().decode())
        except urllib.error.HTTPError as err:
            with err:
                return Page(err.code, err.geturl(), err.read().decode())


@dataclass
class Server:
    base: str
    app: App
    services: Services
    engine: Engine
    clock: FixedClock
    fake: FakeSlack

    def install(self, team: str | None = None, browser: Browser | None = None) -> Page:
        """What a new admin does: open the install page, click "Add to Slack", allow on Slack's page."""
        browser = browser or Browser()
        page = browser.get(self.base + "/slack/install" + (f"?team={team}" if team else ""))
        assert page.status == 200, page.body
        [add] = [link for link in links(page.body) if "/oauth/v2/authorize" in link]
        return browser.get(add.replace("&amp;", "&"))

    def post(self, body: str, content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str]:
        headers = {"Content-Type": content_type, **sign(SECRET, body)}
        request = urllib.request.Request(
            self.base + "/slack/events", data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read().decode()

    def command(
        self, team: str, command: str, text: str, *, user: str = "U0ALICE", key: str = "1", **extra: Any
    ) -> tuple[int, str]:
        body = {
            "team_id": team,
            "team_domain": team.lower(),
            "channel_id": "C_GENERAL",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "response_url": self.fake.response_url(f"{team}-{key}"),
            "trigger_id": f"trigger.{key}",
            **extra,
        }
        return self.post(urlencode(body))


@pytest.fixture
def oauth_server(fake_slack: FakeSlack, db_url: str) -> Iterator[Server]:
    settings = Settings(
        signing_secret=SECRET,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        slack_api_url=fake_slack.api_url,
        database_url=db_url,
        process_before_response=True,
    )
    assert settings.oauth
    clock = FixedClock(DEFAULT_NOW)
    fake_slack.clock = clock.now
    engine, services = open_services(settings, clock=clock)
    app = build_app(
        settings,
        client=services.client,
        session_factory=services.session_factory,
        clock=clock,
        services=services,
    )
    server = create_http_server(make_wsgi_app(app, engine), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    fake_slack.oauth_redirect_uri = base + "/slack/oauth_redirect"
    try:
        yield Server(base, app, services, engine, clock, fake_slack)
    finally:
        server.task_dispatcher.shutdown()  # let a request still being served finish first
        stop_http_server(server)
        thread.join(timeout=30)
        engine.dispose()


# -- two workspaces installed side by side, driven by signed requests --------------------------------
SECRET = "isolation-secret"
TEAMS = {"T0NORTH": "north", "T0SOUTH": "south"}


@dataclass
class Deployment:
    app: App
    services: Services
    engine: Engine
    settings: Settings
    clock: FixedClock
    fake: FakeSlack
    drivers: dict[str, SlackDriver]

    def command(self, team: str, command: str, text: str = "", *, user: str = "U0ALICE") -> str:
        """What ``user`` of ``team`` reads back: the replies to this command's response_url."""
        before = len(self.fake.calls("response_url"))
        sent = self.drivers[team].command(command, text, user=user)
        assert sent.status == 200, sent.response.body
        replies = self.fake.calls("response_url")[before:]
        assert all(team in (c.response_key or "") for c in replies)
        return json.dumps([c.params for c in replies])

    def seen_by(self, team: str) -> str:
        """Everything the app sent to Slack as ``team``: posts, views, uploads, replies."""
        token = f"xoxb-{team}"
        calls = [c.params for c in self.fake.calls() if c.token == token]
        calls += [c.params for c in self.fake.calls("response_url") if team in (c.response_key or "")]
        return json.dumps(calls, default=str)


@contextmanager
def deploy(
    fake_slack: FakeSlack, db_url: str, *, config_path: str | None = None, installer: str = "U0ALICE"
) -> Iterator[Deployment]:
    """One deployment in OAuth mode with the workspaces of ``TEAMS`` installed (by ``installer``)."""
    settings = Settings(
        signing_secret=SECRET,
        client_id="1111.2222",
        client_secret="client-secret",
        slack_api_url=fake_slack.api_url,
        database_url=db_url,
        config_path=config_path,
        process_before_response=True,
    )
    clock = FixedClock(DEFAULT_NOW)
    fake_slack.clock = clock.now
    engine, services = open_services(settings, clock=clock)
    app = build_app(
        settings,
        client=services.client,
        session_factory=services.session_factory,
        clock=clock,
        services=services,
    )
    assert services.installations is not None
    drivers = {}
    for team, name in TEAMS.items():
        token = f"xoxb-{team}"
        fake_slack.add_workspace(FakeWorkspace(team, name.title()))
        fake_slack.state.tokens[token] = team
        services.installations.save(
            Installation(
                app_id="A0SALESBOT",
                team_id=team,
                team_name=name.title(),
                bot_token=token,
                bot_id="BBOT",
                bot_user_id="UBOT",
                bot_scopes="commands,chat:write",
                user_id=installer,
            )
        )
        drivers[team] = SlackDriver(app, SECRET, fake_slack, team={"id": team, "domain": name})
    try:
        yield Deployment(app, services, engine, settings, clock, fake_slack, drivers)
    finally:
        engine.dispose()


@pytest.fixture
def deployment(fake_slack: FakeSlack, db_url: str) -> Iterator[Deployment]:
    with deploy(fake_slack, db_url) as d:
        yield d
