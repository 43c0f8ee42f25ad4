"""Two workspaces side by side on one deployment (same account names, same user ids): nothing crosses.

Each workspace drives the app through signed requests; every call the app makes to Slack carries the
bot token of the workspace it works for, so what each one saw is read from the fake Slack by token.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.exporter import run_export
from bot.importer import run_import
from bot.purge import run_purge_team
from bot.reminders.scheduler import run_due
from bot.storage.db import unit_of_work
from bot.storage.models import Account, Activity, Reminder
from bot.storage.tenancy import ALL_TEAMS, as_team
from tests.workspaces.conftest import TEAMS, Deployment


def use_fully(d: Deployment, team: str) -> None:
    """One workspace's day: the same account name and people as the other, its own secrets."""
    word = TEAMS[team]
    assert "Created *Acme Corp*" in d.command(
        team, "/account", "add Acme Corp tier:gold owner:<@U0ALICE|alice>"
    )
    d.command(team, "/account", "add Globex Ltd")
    assert "Logged" in d.command(team, "/log", f"call Acme Corp: {word}-pricing-secret")
    assert ":warning:" not in d.command(team, "/followup", f"Acme Corp: {word}-followup-secret tomorrow 10am")
    assert ":warning:" not in d.command(
        team, "/signal", f"Acme Corp churn-risk: {word}-signal-secret", user="U0BOB"
    )
    assert "Added" in d.command(team, "/opportunity", "add Acme Corp upsell mrr:1200 stage:proposal")
    assert "Added" in d.command(
        team, "/team", "add <@U0CAROL|carol> <@U0ALICE|alice> <@U0BOB|bob>", user="U0CAROL"
    )


def other(team: str) -> str:
    return next(t for t in TEAMS if t != team)


def test_two_workspaces_use_salesbot_fully_and_nothing_crosses(
    deployment: Deployment, tmp_path: Path
) -> None:
    d = deployment
    for team in TEAMS:
        use_fully(d, team)

    for team in TEAMS:
        secret, foreign = TEAMS[team], TEAMS[other(team)]
        card = d.command(team, "/account", "Acme Corp")
        assert f"{secret}-pricing-secret" in card and f"{foreign}-" not in card
        listed = d.command(team, "/account", "list")
        assert "*2 accounts* in all" in listed and "Globex Ltd" in listed
        agenda = d.command(team, "/agenda", "week")
        assert f"{secret}-followup-secret" in agenda and f"{foreign}-" not in agenda
        picker = d.drivers[team].options("account", "acm").json["options"]
        assert [o["text"]["text"] for o in picker] == ["Acme Corp"]
        d.drivers[team].event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"})
        d.command(team, "/salesbot", "nudges")
        d.command(team, "/salesbot", "failed", user="U0CAROL")
        d.command(team, "/salesbot", "digest", user="U0CAROL")

    # The scheduler's work: every workspace in turn, with its own token and its own rows.
    d.clock.advance(timedelta(days=1, hours=2))
    run_due(d.services, d.clock.now())
    d.clock.advance(timedelta(days=7))
    run_due(d.services, d.clock.now())

    for team in TEAMS:
        seen = d.seen_by(team)
        assert f"{TEAMS[team]}-followup-secret" in seen  # its reminder went out, as itself
        assert f"{TEAMS[other(team)]}-" not in seen  # not a byte of the other's
        assert any(c.method == "views.publish" for c in d.fake.calls() if c.token == f"xoxb-{team}")

    # Exports and imports name their workspace.
    for team in TEAMS:
        out = io.StringIO()
        with as_team(team):
            assert run_export(d.settings, out=out, err=io.StringIO()) == 0
        assert f"{TEAMS[team]}-pricing-secret" in out.getvalue()
        assert f"{TEAMS[other(team)]}-" not in out.getvalue()
    csv = tmp_path / "accounts.csv"
    csv.write_text("name,status\nInitech,customer\n", encoding="utf-8")
    with as_team("T0SOUTH"):
        assert run_import(d.settings, str(csv)) == 0
    assert "Initech" in d.command("T0SOUTH", "/account", "list")
    assert "Initech" not in d.command("T0NORTH", "/account", "list")


def test_uninstall_cancels_that_workspace_deliveries_and_purge_deletes_only_its_rows(
    deployment: Deployment,
) -> None:
    d = deployment
    for team in TEAMS:
        use_fully(d, team)
    sent = d.drivers["T0SOUTH"].event({"type": "app_uninstalled"})
    assert sent.status == 200
    everywhere = {ALL_TEAMS: True}
    with unit_of_work(d.services.session_factory) as session:
        rows = session.execute(
            select(Reminder.team_id, Reminder.status, Reminder.last_error).execution_options(**everywhere)
        ).all()
    south = {(status, error) for team, status, error in rows if team == "T0SOUTH"}
    north = {status for team, status, _ in rows if team == "T0NORTH"}
    assert south == {("cancelled", "the app was uninstalled")}
    assert "pending" in north
    # South's people now get Slack's "reinstall" answer, and nothing is written.
    reply = d.command("T0SOUTH", "/account", "add Initech")
    assert "reinstall" in reply

    answers = iter(["T0WRONG"])
    assert run_purge_team(d.settings, "T0SOUTH", out=io.StringIO(), ask=lambda _: next(answers)) == 1
    assert run_purge_team(d.settings, "T0SOUTH", out=io.StringIO(), ask=lambda _: "T0SOUTH") == 0
    with unit_of_work(d.services.session_factory) as session:
        accounts = session.execute(select(Account.team_id).execution_options(**everywhere)).scalars().all()
        activities = session.execute(select(Activity.team_id).execution_options(**everywhere)).scalars().all()
    assert set(accounts) == {"T0NORTH"} and set(activities) == {"T0NORTH"}
    assert "north-pricing-secret" in d.command("T0NORTH", "/account", "Acme Corp")


def test_the_same_person_in_two_workspaces_gets_each_app_home(deployment: Deployment) -> None:
    """App Home refreshes are kept per workspace and person: U0ALICE of one is not U0ALICE of the other."""
    d = deployment
    for team in TEAMS:
        with as_team(team):
            d.services.changed("U0ALICE")  # nothing planned in either: the very same view
    for team in TEAMS:
        published = [c for c in d.fake.calls("views.publish") if c.token == f"xoxb-{team}"]
        assert [c.params["user_id"] for c in published] == ["U0ALICE"]
