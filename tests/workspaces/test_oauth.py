"""OAuth mode: installing by link, the tokens each workspace's requests are served with, uninstalling."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select

from bot.console.fake_slack import FakeWorkspace
from bot.installs import bot_scopes
from bot.storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, Account
from tests.workspaces.conftest import Browser, Server, links


def count(server: Server, table: Any) -> int:
    with server.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


def test_two_workspaces_install_from_the_install_page_and_are_served_with_their_own_token(
    oauth_server: Server,
) -> None:
    fake = oauth_server.fake
    fake.add_workspace(FakeWorkspace("T0NORTH", "North"))
    fake.add_workspace(FakeWorkspace("T0SOUTH", "South"))

    page = Browser().get(oauth_server.base + "/slack/install")
    assert page.status == 200 and "Add to Slack" in page.body
    [add] = [link for link in links(page.body) if "/oauth/v2/authorize" in link]
    query = parse_qs(urlparse(add.replace("&amp;", "&")).query)
    assert query["client_id"] == ["1111.2222"]
    assert set(query["scope"][0].split(",")) == set(bot_scopes()) and "chat:write" in bot_scopes()

    for team, name in (("T0NORTH", "North"), ("T0SOUTH", "South")):
        done = oauth_server.install(team)
        assert done.status == 200, done.body
        assert "salesbot is installed" in done.body and name in done.body
    assert count(oauth_server, SLACK_BOTS) == 2
    assert (
        count(oauth_server, SLACK_OAUTH_STATES) == 1
    )  # each used state is gone; the one only looked at stays
    [north] = fake.tokens_of("T0NORTH")
    [south] = fake.tokens_of("T0SOUTH")

    status, _ = oauth_server.command("T0NORTH", "/account", "add Acme Corp tier:gold", key="n1")
    assert status == 200
    assert "Created *Acme Corp*" in json.dumps(fake.responses()[-1])
    status, _ = oauth_server.command("T0SOUTH", "/account", "add Globex", key="s1", user="U0BOB")
    assert status == 200
    # Bolt checked each request's installation with that workspace's token, and salesbot's own calls
    # (the person's profile) went out with it too: never the other workspace's.
    assert {c.method for c in fake.calls_with(north)} >= {"auth.test", "users.info"}
    assert all(c.params.get("user") != "U0BOB" for c in fake.calls_with(north) if c.method == "users.info")
    assert any(c.params.get("user") == "U0BOB" for c in fake.calls_with(south) if c.method == "users.info")


def test_a_workspace_without_an_installation_gets_bolts_answer_and_nothing_runs(
    oauth_server: Server,
) -> None:
    status, _ = oauth_server.command("T0NOBODY", "/account", "add Acme Corp", key="x")
    assert status == 200
    [answer] = oauth_server.fake.responses()
    assert "Please reinstall this app" in answer["text"]
    assert count(oauth_server, Account) == 0


def test_a_second_install_of_the_same_team_replaces_its_token(oauth_server: Server) -> None:
    fake = oauth_server.fake
    fake.add_workspace(FakeWorkspace("T0NORTH", "North"))
    assert oauth_server.install("T0NORTH").status == 200
    [first] = fake.tokens_of("T0NORTH")
    oauth_server.clock.advance(timedelta(minutes=5))
    assert oauth_server.install("T0NORTH").status == 200
    second = next(t for t in fake.tokens_of("T0NORTH") if t != first)
    fake.revoke(first)  # rotated: the old token no longer works
    fake.clear()
    assert oauth_server.command("T0NORTH", "/salesbot", "help", key="n2")[0] == 200
    assert fake.calls_with(second) and not fake.calls_with(first)


def test_a_cancelled_install_shows_why_and_keeps_nothing(oauth_server: Server) -> None:
    oauth_server.fake.deny_installs = True
    page = oauth_server.install()
    assert page.status == 400
    assert "Installation cancelled" in page.body and "/slack/install" in page.body
    assert count(oauth_server, SLACK_INSTALLATIONS) == 0


def test_forged_replayed_and_stale_states_are_refused(oauth_server: Server) -> None:
    fake = oauth_server.fake
    fake.add_workspace(FakeWorkspace("T0NORTH", "North"))
    browser = Browser()
    forged = browser.get(oauth_server.base + "/slack/oauth_redirect?code=whatever&state=forged")
    assert forged.status in (400, 401) and "expired" in forged.body

    # A link older than ten minutes: refused, and the code is never exchanged.
    page = browser.get(oauth_server.base + "/slack/install")
    [add] = [link for link in links(page.body) if "/oauth/v2/authorize" in link]
    oauth_server.clock.advance(timedelta(minutes=11))
    stale = browser.get(add.replace("&amp;", "&"))
    assert stale.status == 401 and "This installation link has expired" in stale.body
    assert not fake.calls("oauth.v2.access")

    # A fresh one works once; replaying Slack's redirect (same state, same code) is refused.
    done = oauth_server.install(browser=browser)
    assert done.status == 200
    replay = browser.get(done.url)
    assert replay.status in (400, 401) and "expired" in replay.body
    assert count(oauth_server, SLACK_BOTS) == 1

    missing = Browser()
    page = missing.get(oauth_server.base + "/slack/install")
    state = page.body.split("state=")[1].split('"')[0].split("&")[0]
    no_code = missing.get(oauth_server.base + f"/slack/oauth_redirect?state={state}")
    assert no_code.status == 401 and "no authorisation code" in no_code.body


def test_an_org_wide_install_serves_every_workspace_of_the_organisation(oauth_server: Server) -> None:
    fake = oauth_server.fake
    fake.add_workspace(FakeWorkspace("E0GRID", "Grid", enterprise_id="E0GRID", org_wide=True))
    done = oauth_server.install("E0GRID")
    assert done.status == 200, done.body
    [token] = fake.tokens_of("E0GRID")
    status, _ = oauth_server.command(
        "T0BRANCH", "/salesbot", "help", key="g1", enterprise_id="E0GRID", is_enterprise_install="true"
    )
    assert status == 200
    assert fake.calls_with(token)


def test_uninstalling_deletes_the_workspace_tokens(oauth_server: Server) -> None:
    fake = oauth_server.fake
    fake.add_workspace(FakeWorkspace("T0NORTH", "North"))
    assert oauth_server.install("T0NORTH").status == 200
    event = {
        "token": "legacy",
        "team_id": "T0NORTH",
        "api_app_id": "A0SALESBOT",
        "type": "event_callback",
        "event_id": "Ev1",
        "event_time": 1,
        "event": {"type": "app_uninstalled", "event_ts": "1.0"},
        "authorizations": [{"team_id": "T0NORTH", "user_id": "UBOT", "is_bot": True}],
    }
    status, _ = oauth_server.post(json.dumps(event), "application/json")
    assert status == 200
    assert count(oauth_server, SLACK_BOTS) == 0 and count(oauth_server, SLACK_INSTALLATIONS) == 0
    fake.clear()
    status, _ = oauth_server.command("T0NORTH", "/account", "add Acme Corp", key="after")
    assert status == 200
    assert "Please reinstall this app" in fake.responses()[-1]["text"]
    assert count(oauth_server, Account) == 0
