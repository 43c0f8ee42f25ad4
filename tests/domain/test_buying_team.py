"""Stage rules and every alignment warning, as pure functions of the team, the playbook and now."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import contacts as ct
from bot.domain.buying_team import Member, contact_warnings, laggard, opportunity_warnings
from bot.domain.errors import UserError
from bot.playbook import Content, PlaybookError, load_playbook, parse_buying_team
from bot.storage.models import Opportunity

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PLAYBOOK = load_playbook()
EX = ct.ADD_EXAMPLE


def member(
    cid: int, name: str, role: str | None, stage: str, touched_days: int | None, **kw: object
) -> Member:
    touched = None if touched_days is None else NOW - timedelta(days=touched_days)
    base = Member(cid, 1, name, role, stage, "U0ALICE", touched, NOW - timedelta(days=90))
    return replace(base, **kw)  # type: ignore[arg-type]


def deal(stage: str = "qualified", status: str = "open") -> Opportunity:
    return Opportunity(
        id=12, account_id=1, kind="upsell", title="20 seats", stage=stage, status=status, mrr=0
    )


def kinds(warnings: list) -> list[str]:  # type: ignore[type-arg]
    return [w.kind for w in warnings]


# -- stage and field rules ---------------------------------------------------------------------------
def test_stages_and_roles_are_read_as_typed_in_any_spelling() -> None:
    assert ct.stage_of("Ready-to-Decide", PLAYBOOK, EX) == "ready to decide"
    assert ct.stage_of("problem_aware", PLAYBOOK, EX) == "problem aware"
    assert ct.role_of("economic-buyer", PLAYBOOK, EX) == "economic buyer"
    assert ct.role_of("none", PLAYBOOK, EX) is None


def test_an_unknown_stage_lists_the_journey_in_order() -> None:
    with pytest.raises(UserError) as err:
        ct.stage_of("keen", PLAYBOOK, EX)
    assert err.value.message == (
        "“keen” is not a readiness stage. Stages, first to last: `unaware`, `problem-aware`, "
        "`exploring-solutions`, `evaluating`, `validating`, `ready-to-decide`, `bought`."
    )
    assert err.value.example == EX


def test_e_mails_phones_and_names() -> None:
    assert ct.email_of("Jane@Acme.Example", EX) == "jane@acme.example"
    assert ct.email_of("<mailto:jane@acme.example|jane@acme.example>", EX) == "jane@acme.example"
    for bad in ("jane", "jane@acme", "@acme.example", "jane@@acme.example"):
        with pytest.raises(UserError, match="is not an e-mail address"):
            ct.email_of(bad, EX)
    assert ct.phone_of("+33 1 23 45 67 89", EX) == "+33 1 23 45 67 89"
    with pytest.raises(UserError, match="is not a phone number"):
        ct.phone_of("ask Tom", EX)
    with pytest.raises(UserError, match="does not read as a person's name"):
        ct.name_of("jane@acme.example", EX)


def test_names_after_with_split_on_commas_and_and() -> None:
    assert ct.split_names("Jane Doe, Tom Lee and “Ann Bell” & Bo") == [
        "Jane Doe",
        "Tom Lee",
        "Ann Bell",
        "Bo",
    ]


def test_the_playbook_section_is_validated_with_the_key_named() -> None:
    stages = ("qualified", "proposal")
    team = parse_buying_team(
        {"roles": ["Sponsor", "blocker"], "stages": ["cold", "warm", "hot"], "content": [
            {"role": "sponsor", "stage": "warm", "title": "ROI calculator", "link": "https://example.com/roi"}]},
        stages,
    )  # fmt: skip
    assert (team.roles, team.stages, team.economic_buyer_from) == (
        ("sponsor", "blocker"),
        ("cold", "warm", "hot"),
        "proposal",
    )
    assert team.content_for("sponsor", "warm") == Content(
        "sponsor", "warm", "ROI calculator", "https://example.com/roi"
    )
    assert team.content_for("sponsor", "hot") is None
    bad = [
        ({"stages": ["only"]}, "buying_team.stages: list the journey's stages"),
        ({"roles": ["a", "a"]}, "buying_team.roles: 'a' is listed twice"),
        ({"economic_buyer_from": "signed"}, "buying_team.economic_buyer_from: 'signed' is not one of"),
        (
            {"content": [{"role": "boss", "stage": "unaware", "title": "x", "link": "https://x.io"}]},
            "content[0].role",
        ),
        (
            {"content": [{"role": "user", "stage": "unaware", "title": "x", "link": "roi.pdf"}]},
            "content[0].link",
        ),
        ({"quiet_days": -1}, "buying_team.quiet_days: expected a whole number"),
    ]
    for section, message in bad:
        with pytest.raises(PlaybookError, match=message.replace("(", r"\(").replace("[", r"\[")):
            parse_buying_team(section, stages)


def test_renamed_opportunity_stages_turn_the_economic_buyer_default_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "salesbot.toml"
    config.write_text('[opportunities]\nstages = ["lead", "won over"]\n')
    assert load_playbook(config).buying_team.economic_buyer_from is None


# -- warnings ----------------------------------------------------------------------------------------
def test_single_threaded_when_one_or_nobody_was_touched_in_30_days() -> None:
    jane = member(1, "Jane Doe", "champion", "evaluating", 3)
    tom = member(2, "Tom Lee", "user", "evaluating", 31)
    [w] = opportunity_warnings(deal(), [jane, tom], PLAYBOOK, NOW)
    assert (w.kind, w.subject) == ("single_threaded", "team_single:opp:12")
    assert "only Jane Doe was touched in the last 30 days" in w.text
    assert w.next_step == "Plan a meeting with Tom Lee (user, evaluating)" and w.contact_id == 2
    both = [jane, replace(tom, last_touched=NOW - timedelta(days=29))]
    assert opportunity_warnings(deal(), both, PLAYBOOK, NOW) == []
    nobody = opportunity_warnings(deal(), [replace(jane, last_touched=None), tom], PLAYBOOK, NOW)
    assert "nobody was touched" in nobody[0].text
    assert opportunity_warnings(deal(status="won"), [jane, tom], PLAYBOOK, NOW) == []
    assert opportunity_warnings(deal(), [], PLAYBOOK, NOW) == []  # no team mapped: nothing to judge


def test_no_economic_buyer_from_the_proposal_stage_on_or_one_never_met() -> None:
    jane = member(1, "Jane Doe", "champion", "evaluating", 1)
    tom = member(2, "Tom Lee", "user", "evaluating", 1)
    assert opportunity_warnings(deal("discovery"), [jane, tom], PLAYBOOK, NOW) == []
    [w] = opportunity_warnings(deal("proposal"), [jane, tom], PLAYBOOK, NOW)
    assert (w.kind, w.subject) == ("no_economic_buyer", "team_no_eb:opp:12")
    assert "is at proposal, and no economic buyer in the team" in w.text
    ed = member(3, "Ed Park", "economic buyer", "exploring solutions", None)
    [w] = opportunity_warnings(deal("negotiation"), [jane, tom, ed], PLAYBOOK, NOW)
    assert "the economic buyer Ed Park was never met" in w.text
    assert w.next_step == "Plan a meeting with Ed Park (economic buyer, exploring solutions)"
    met = replace(ed, last_touched=NOW - timedelta(days=60), stage="evaluating")
    assert opportunity_warnings(deal("negotiation"), [jane, tom, met], PLAYBOOK, NOW) == []


def test_readiness_spread_names_the_laggard() -> None:
    jane = member(1, "Jane Doe", "champion", "ready to decide", 1)
    tom = member(2, "Tom Lee", "procurement", "problem aware", 1)
    ann = member(3, "Ann Bell", "user", "evaluating", 1)
    [w] = opportunity_warnings(deal(), [jane, tom, ann], PLAYBOOK, NOW)
    assert (w.kind, w.subject, w.contact_id) == ("spread", "team_spread:opp:12", 2)
    assert "the team is 4 stages apart; Tom Lee (procurement, problem aware) lags behind Jane Doe" in w.text
    closer = replace(tom, stage="validating")
    assert opportunity_warnings(deal(), [jane, closer], PLAYBOOK, NOW) == []  # one stage apart
    assert laggard([jane, tom, ann], PLAYBOOK.buying_team) == tom


def test_a_champion_or_economic_buyer_gone_quiet() -> None:
    jane = member(1, "Jane Doe", "champion", "evaluating", 21)
    [w] = contact_warnings([jane], PLAYBOOK, NOW)
    assert (w.kind, w.subject) == ("quiet", "team_quiet:contact:1")
    assert "Jane Doe (champion, evaluating) has gone quiet: no touch for 21 days" in w.text
    assert w.next_step == "Call Jane Doe (champion, evaluating)"
    assert contact_warnings([replace(jane, last_touched=NOW - timedelta(days=20))], PLAYBOOK, NOW) == []
    assert contact_warnings([replace(jane, role="influencer")], PLAYBOOK, NOW) == []
    never = contact_warnings([member(2, "Ed Park", "economic buyer", "unaware", None)], PLAYBOOK, NOW)
    assert "never met since added 90 days ago" in never[0].text
    off = replace(PLAYBOOK, buying_team=replace(PLAYBOOK.buying_team, quiet_days=0))
    assert contact_warnings([jane], off, NOW) == []


def test_a_blocker_with_nothing_planned() -> None:
    tom = member(2, "Tom Lee", "blocker", "problem aware", 2)
    [w] = contact_warnings([tom], PLAYBOOK, NOW)
    assert (w.kind, w.subject, w.next_step) == (
        "blocker",
        "team_blocker:contact:2",
        "Plan a meeting with Tom Lee (blocker, problem aware)",
    )
    assert contact_warnings([replace(tom, planned=True)], PLAYBOOK, NOW) == []


def test_a_warning_naming_a_contact_carries_the_content_for_their_role_and_stage() -> None:
    roi = Content("economic buyer", "problem aware", "ROI calculator", "https://example.com/roi")
    pb = replace(PLAYBOOK, buying_team=replace(PLAYBOOK.buying_team, content=(roi,)))
    ed = member(3, "Ed Park", "economic buyer", "problem aware", None)
    [w] = opportunity_warnings(deal("proposal"), [ed], pb, NOW)[1:]
    assert w.kind == "no_economic_buyer" and w.suggestion == roi
