"""Buying-team warnings in the morning message: told once when they start, silent while they hold,
ended when fixed, told again when they start again; snoozable with the rest."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import NudgeState, Task
from tests.helpers import FakeSlack, Harness, all_text, find_button


@pytest.fixture
def acme(fake_slack: FakeSlack, session_factory, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    """Acme (alice's, a customer, so it never goes "inactive" here) with an open deal in discovery."""
    config = tmp_path / "salesbot.toml"
    config.write_text(  # at work from 08:00: the morning message at the 08:30 nudge time
        'followup_rules = []\n[working_hours]\nstart = "08:00"\n[nudges.inactive_days]\ncustomer = 0\n'
    )
    bot = Harness.create(fake_slack, session_factory, config_path=str(config))
    bot.command("/account", "add Acme Corp status:customer owner:<@U0ALICE|alice>")
    bot.command("/opportunity", 'add Acme Corp upsell "20 more seats" stage:discovery')
    return bot


def next_morning(bot: Harness, *, days: int = 1) -> str:
    """Move to 08:45 in Paris ``days`` later (skipping weekends), run the scheduler: alice's new DMs."""
    before = len(bot.dms("U0ALICE"))
    day = (bot.clock.now() + timedelta(days=days)).replace(hour=7, minute=45, second=0, microsecond=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    bot.clock.set(day)
    bot.tick()
    return "\n".join(all_text(dm["blocks"]) for dm in bot.dms("U0ALICE")[before:])


def active(bot: Harness, subject: str) -> bool:
    with bot.db() as s:
        row = s.scalars(select(NudgeState).where(NudgeState.subject == subject)).one_or_none()
        return bool(row and row.active)


def team(bot: Harness, *people: str) -> None:
    for spec in people:
        bot.command("/contact", f"add Acme Corp {spec}")
        assert ":warning:" not in bot.last_text(), bot.last_text()


def test_single_threaded(acme: Harness) -> None:
    team(acme, '"Jane Doe" role:champion', '"Tom Lee" role:user')
    acme.command("/log", "meeting Acme Corp with Jane Doe: kickoff")
    first = next_morning(acme)
    assert "*Acme Corp*: :thread: *#1* “20 more seats” is single-threaded: only Jane Doe was touched" in first
    assert "Next: Plan a meeting with Tom Lee (user, unaware)." in first
    assert "single-threaded" not in next_morning(acme)  # told once
    acme.command("/log", "call Acme Corp with Tom Lee: intro")
    assert "single-threaded" not in next_morning(acme)
    assert not active(acme, "team_single:opp:1")  # fixed: ended
    again = next_morning(acme, days=31)  # nobody touched for a month: it starts again
    assert "is single-threaded: nobody was touched in the last 30 days" in again


def test_no_economic_buyer(acme: Harness) -> None:
    team(acme, '"Jane Doe" role:champion', '"Tom Lee" role:user')
    acme.command("/log", "meeting Acme Corp with Jane, Tom: scoping")
    assert "economic buyer" not in next_morning(acme)  # discovery: not needed yet
    acme.command("/opportunity", "set 1 stage:proposal")
    first = next_morning(acme)
    assert "is at proposal, and no economic buyer in the team." in first
    assert "Next: Find the economic buyer for “20 more seats” and plan a meeting." in first
    assert "economic buyer" not in next_morning(acme)
    team(acme, '"Ed Park" role:economic-buyer')
    acme.command("/log", "meeting Acme Corp with Ed Park, Jane, Tom: budget")
    assert "economic buyer" not in next_morning(acme)
    assert not active(acme, "team_no_eb:opp:1")
    acme.command("/contact", 'set "Ed Park" role:influencer')
    assert "no economic buyer in the team" in next_morning(acme)


def test_readiness_spread_names_the_laggard(acme: Harness) -> None:
    team(
        acme,
        '"Jane Doe" role:champion stage:ready-to-decide',
        '"Tom Lee" role:procurement stage:problem-aware',
    )
    acme.command("/log", "meeting Acme Corp with Jane, Tom: alignment")
    first = next_morning(acme)
    assert "the team is 4 stages apart; Tom Lee (procurement, problem aware) lags behind Jane Doe" in first
    assert "stages apart" not in next_morning(acme)
    acme.command("/contact", 'set "Tom Lee" stage:validating reason:"DPA signed"')
    assert "stages apart" not in next_morning(acme)
    assert not active(acme, "team_spread:opp:1")
    acme.command("/contact", 'set "Tom Lee" stage:exploring-solutions reason:"new procurement lead"')
    assert "Tom Lee (procurement, exploring solutions) lags behind Jane Doe" in next_morning(acme)


def test_a_champion_gone_quiet(acme: Harness) -> None:
    team(acme, '"Jane Doe" role:champion', '"Tom Lee" role:user')
    acme.command("/log", "meeting Acme Corp with Jane, Tom: kickoff")
    assert "gone quiet" not in next_morning(acme)
    first = next_morning(acme, days=21)
    assert "Jane Doe (champion, unaware) has gone quiet: no touch for 2" in first
    assert "Next: Call Jane Doe (champion, unaware)." in first
    assert "gone quiet" not in next_morning(acme)
    acme.command("/log", "call Acme Corp with Jane, Tom: catch-up")
    assert "gone quiet" not in next_morning(acme)
    assert not active(acme, "team_quiet:contact:1")
    assert "Jane Doe (champion, unaware) has gone quiet" in next_morning(acme, days=21)


def test_a_blocker_with_nothing_planned_and_its_button(acme: Harness) -> None:
    team(acme, '"Jane Doe" role:champion', '"Tom Lee" role:blocker stage:problem-aware')
    acme.command("/log", "meeting Acme Corp with Jane, Tom: kickoff")
    first = next_morning(acme)
    assert "Tom Lee (blocker, problem aware) is a blocker and nothing is planned with them." in first
    dm = acme.dms("U0ALICE")[-1]
    button = find_button(dm["blocks"], "Plan it")
    assert json.loads(button["value"]) == {
        "a": 1,
        "t": "Plan a meeting with Tom Lee (blocker, problem aware)",
    }
    assert "is a blocker" not in next_morning(acme)
    acme.command("/followup", "Acme Corp: meet Tom Lee about the DPA tomorrow 10am")
    assert "is a blocker" not in next_morning(acme)
    assert not active(acme, "team_blocker:contact:2")
    with acme.db() as s:
        task_id = s.scalars(select(Task.id)).one()
    acme.command("/followup", f"done {task_id}")
    assert "Tom Lee (blocker, problem aware) is a blocker" in next_morning(acme)


def test_a_snoozed_warning_stays_silent_for_a_week_even_if_it_starts_again(acme: Harness) -> None:
    team(acme, '"Jane Doe" role:champion', '"Tom Lee" role:user')
    acme.command("/log", "meeting Acme Corp with Jane Doe: kickoff")
    assert "single-threaded" in next_morning(acme)
    acme.click("Snooze 1 week", blocks=acme.dms("U0ALICE")[-1]["blocks"])
    acme.command("/log", "call Acme Corp with Tom: intro")
    next_morning(acme)  # fixed: it ends
    acme.command("/opportunity", 'team 1 add "Jane Doe"')  # the named team is Jane alone: it starts again
    assert "single-threaded" not in next_morning(acme)
    assert "single-threaded" in next_morning(acme, days=7)
