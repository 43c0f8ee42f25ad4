"""A playbook per workspace: shown as TOML, changed by the workspace's admins in a form checked like the
playbook at start, read by everything that works for that workspace (commands, hooks, planning passes),
and reset to the deployment's default."""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.blocks.playbook import MORE, PART
from bot.reminders.scheduler import run_due
from bot.storage.db import unit_of_work
from bot.storage.models import AuditEntry, WorkspacePlaybook
from bot.storage.tenancy import ALL_TEAMS
from tests.helpers import FakeSlack, all_text
from tests.workspaces.conftest import TEAMS, Deployment, deploy


def form(d: Deployment, team: str) -> dict[str, Any]:
    opened = [c.params["view"] for c in d.fake.calls("views.open") if c.token == f"xoxb-{team}"]
    assert opened, f"no form opened in {team}"
    return opened[-1]


def fields(view: dict[str, Any]) -> dict[str, str]:
    """The form's TOML fields as Slack shows them: block id → text."""
    return {
        b["block_id"]: b["element"].get("initial_value", "")
        for b in view["blocks"]
        if b.get("type") == "input"
    }


def submit(
    d: Deployment, team: str, view: dict[str, Any], texts: dict[str, str], *, user: str = "U0ALICE"
) -> dict:
    values = {block: {block: {"type": "plain_text_input", "value": text}} for block, text in texts.items()}
    sent = d.drivers[team].submit(view, values, user=user)
    assert sent.status == 200, sent.response.body
    return sent.json if sent.response.body else {}


def shown(d: Deployment, team: str, user: str = "U0ALICE") -> str:
    """``/salesbot playbook``'s TOML, put back together from its code blocks."""
    replies = json.loads(d.command(team, "/salesbot", "playbook", user=user))
    texts = [b["text"]["text"] for b in replies[-1]["blocks"] if b.get("type") == "section"]
    code = [t[3:-3] for t in texts if t.startswith("```")]
    return "\n".join(code).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_each_workspace_has_its_own_playbook_and_the_default_stays(
    fake_slack: FakeSlack, db_url: str
) -> None:
    with deploy(fake_slack, db_url) as d:  # U0ALICE installed both: she is each one's first admin
        for team in TEAMS:
            d.command(team, "/account", "add Acme Corp tier:gold owner:<@U0ALICE|alice>")
        default = shown(d, "T0NORTH")
        assert tomllib.loads(default)["accounts"]["tiers"] == ["gold", "silver", "bronze"]
        assert "[roles]" not in default and "dispatch_every_seconds" not in default

        d.command("T0NORTH", "/salesbot", "playbook set")
        view = form(d, "T0NORTH")
        texts = fields(view)
        assert texts[f"{PART}1"] == default.rstrip("\n") and texts[MORE] == ""
        lunch = texts[f"{PART}1"].replace('note = ":memo:"', 'note = ":memo:"\nlunch = ":fork_and_knife:"')
        lunch = lunch.replace('rrule = "FREQ=MONTHLY;INTERVAL=4"', 'rrule = "FREQ=WEEKLY;INTERVAL=2"')
        rule = '[[followup_rules]]\nafter = ["lunch"]\ntitle = "Thank them for lunch"\ndue = "1d"'
        assert submit(d, "T0NORTH", view, {f"{PART}1": lunch, MORE: rule}) == {}
        saved = d.seen_by("T0NORTH")
        assert "This workspace's playbook is saved (8 activity types" in saved

        # North's commands, hooks and planning passes read North's playbook; South keeps the default.
        assert "Thank them for lunch" in d.command("T0NORTH", "/log", "lunch Acme Corp: tacos")
        south = d.command("T0SOUTH", "/log", "lunch Acme Corp: tacos")
        assert "Thank them for lunch" not in south and "Logged" not in south
        d.clock.advance(timedelta(minutes=1))
        run_due(d.services, d.clock.now())
        assert "every 2 weeks" in d.command("T0NORTH", "/visit", "list")
        assert "every 4 months" in d.command("T0SOUTH", "/visit", "list")
        assert 'lunch = ":fork_and_knife:"' in shown(d, "T0NORTH")
        assert shown(d, "T0SOUTH") == default

        # Back to the default: the deployment's playbook again, the old one kept in the audit trail.
        assert "back to the default playbook" in d.command("T0NORTH", "/salesbot", "playbook reset")
        assert shown(d, "T0NORTH") == default
        assert "already has the default playbook" in d.command("T0NORTH", "/salesbot", "playbook reset")
        with unit_of_work(d.services.session_factory) as session:
            trail = session.execute(
                select(AuditEntry.team_id, AuditEntry.action, AuditEntry.actor_id, AuditEntry.surface)
                .where(AuditEntry.record_type == "playbook")
                .order_by(AuditEntry.id)
                .execution_options(**{ALL_TEAMS: True})
            ).all()
        assert [tuple(r) for r in trail] == [
            ("T0NORTH", "create", "U0ALICE", "modal"),
            ("T0NORTH", "delete", "U0ALICE", "command"),
        ]


def test_a_bad_playbook_is_refused_on_its_field_and_the_old_one_stays(
    fake_slack: FakeSlack, db_url: str
) -> None:
    with deploy(fake_slack, db_url) as d:
        d.command("T0NORTH", "/salesbot", "playbook set")
        view = form(d, "T0NORTH")
        good = fields(view)[f"{PART}1"]
        mistakes = {
            good.replace('start = "09:00"', 'start = "9 o\'clock"'): (
                f"{PART}1",
                'working_hours.start: expected a time like "09:00", got "9 o\'clock"',
            ),
            good.replace("[working_hours]", "[working_hours"): (f"{PART}1", "not valid TOML: "),
            good + '\n[roles]\nadmins = ["U0BOB"]': (
                f"{PART}1",
                "roles: roles are given with /salesbot role",
            ),
        }
        for text, (field, error) in mistakes.items():
            answer = submit(d, "T0NORTH", view, {f"{PART}1": text, MORE: ""})
            assert answer["response_action"] == "errors" and list(answer["errors"]) == [field]
            assert error in answer["errors"][field], answer["errors"][field]
        answer = submit(
            d, "T0NORTH", view, {f"{PART}1": good, MORE: '[visits.tier_cadence.platinum]\nrrule = "x"'}
        )
        assert list(answer["errors"]) == [MORE]
        assert (
            "visits.tier_cadence.platinum: 'platinum' is not one of accounts.tiers" in answer["errors"][MORE]
        )
        with unit_of_work(d.services.session_factory) as session:
            stored = session.scalars(select(WorkspacePlaybook).execution_options(**{ALL_TEAMS: True})).all()
        assert stored == []
        assert tomllib.loads(shown(d, "T0NORTH")) == tomllib.loads(good)


def test_only_the_workspace_admins_change_its_playbook(fake_slack: FakeSlack, db_url: str) -> None:
    with deploy(fake_slack, db_url, installer="U0CAROL") as d:
        for words in ("playbook set", "playbook reset"):
            refused = d.command("T0NORTH", "/salesbot", words, user="U0BOB")
            assert "only salesbot admins can change the playbook (admins: <@U0CAROL>)" in refused
        assert not [c for c in d.fake.calls("views.open")]
        assert "[accounts]" in shown(d, "T0NORTH", user="U0BOB")  # everyone reads it
        d.command("T0NORTH", "/salesbot", "playbook set", user="U0CAROL")
        view = form(d, "T0NORTH")
        answer = submit(d, "T0NORTH", view, fields(view), user="U0BOB")  # a form passed on to Bob
        assert "only salesbot admins can change the playbook" in json.dumps(answer["errors"])
        unknown = d.command("T0NORTH", "/salesbot", "playbook upload-file", user="U0CAROL")
        assert "is not something `/salesbot playbook` does" in unknown and "/salesbot playbook set" in unknown


def test_a_long_playbook_is_shown_in_parts_and_edited_in_several_fields(
    fake_slack: FakeSlack, db_url: str
) -> None:
    with deploy(fake_slack, db_url) as d:
        d.command("T0NORTH", "/salesbot", "playbook set")
        view = form(d, "T0NORTH")
        many = "\n".join(
            f'[[followup_rules]]\nafter = ["call"]\ntitle = "Step {n}: <!channel> send the deck"\ndue = "{n}d"'
            for n in range(1, 60)
        )
        assert submit(d, "T0NORTH", view, {**fields(view), MORE: many}) == {}
        text = shown(d, "T0NORTH")
        assert tomllib.loads(text)["followup_rules"][-1]["title"] == "Step 59: <!channel> send the deck"
        replies = json.loads(d.command("T0NORTH", "/salesbot", "playbook"))
        assert "<!channel>" not in json.dumps(replies)  # shown, never pinging anyone
        assert (
            len([b for b in replies[-1]["blocks"] if b.get("text", {}).get("text", "").startswith("```")]) > 1
        )

        d.command("T0NORTH", "/salesbot", "playbook set")
        view = form(d, "T0NORTH")
        parts = fields(view)
        assert len(parts) > 2 and all(len(t) <= 3000 for t in parts.values())
        assert submit(d, "T0NORTH", view, parts) == {}  # saved as it was shown
        assert shown(d, "T0NORTH") == text

        huge = "\n".join(
            f'[[followup_rules]]\nafter = ["call"]\ntitle = "Step {n} {"x" * 200}"\ndue = "{n}d"'
            for n in range(60)
        )
        assert submit(d, "T0NORTH", view, {**parts, MORE: huge}) == {}
        replies = json.loads(d.command("T0NORTH", "/salesbot", "playbook"))
        assert "sent it to you as `playbook.toml`" in all_text(replies[-1]["blocks"])
        [upload] = d.fake.uploaded()
        assert upload.filename == "playbook.toml" and b"Step 59 " in upload.content
