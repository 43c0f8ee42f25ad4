"""/targets: action plans set by a rep's manager (or an admin), shown with the coverage the rep's
accounts imply, and tried on a past period before they are imposed (``simulate``)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session

from bot.blocks.common import Block
from bot.blocks.help import help_blocks
from bot.blocks.stats import refused_blocks
from bot.blocks.targets import (
    cleared_blocks,
    set_blocks,
    show_blocks,
    simulation_blocks,
    team_show_blocks,
)
from bot.domain import permissions, stats, teams
from bot.domain import targets as tg
from bot.domain.errors import UserError
from bot.domain.grammar import tokenize, user_id_of
from bot.domain.periods import last_full, parse_period
from bot.domain.text import mention
from bot.handlers.common import reply, reply_error, team_of
from bot.services import Services

VERBS = "`@person`, `team`, `show`, `clear`, `simulate`"
PERIOD_KEYS = ("quarter", "month", "week", "year", "period")


def _subject(word: str, example: str) -> str | None:
    """``team`` → None (the team), an @mention → the person; anything else is an error."""
    if word.lower() == "team":
        return None
    user_id = user_id_of(word)
    if user_id is None:
        raise UserError(f"“{word}” is not a person. Mention them with @, or say `team`.", example)
    return user_id


def _check_plan_rights(
    services: Services, session: Session, actor: str, subject: str | None, team_id: str, example: str
) -> str:
    """The scope's subject id (the rep, or the actor as manager for ``team``) if ``actor`` may plan it."""
    if subject is None:
        if not teams.is_manager(session, actor, team_id=team_id):
            raise UserError("You have no team: `/team add @you @alice @bob` builds one.", example)
        permissions.require(session, actor, permissions.TEAM, actor, team_id=team_id, example=example)
        return actor
    permissions.require(session, actor, permissions.TARGETS, subject, team_id=team_id, example=example)
    return subject


def run_targets_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    words = tokenize(text)
    verb = words[0].lower() if words else "show"
    pb = services.playbook
    now = services.clock.now()
    blocks: list[Block]
    if verb == "help":
        reply(respond, help_blocks("/targets"))
        return
    if verb == "simulate":
        _simulate(services, words[1:], user_id, respond, team_id)
        return
    if verb == "show":
        target = words[1:]
        if len(target) > 1:
            raise UserError("`/targets show` takes one person, or `team`.", tg.SHOW_EXAMPLE)
        subject = _subject(target[0], tg.SHOW_EXAMPLE) if target else user_id
        with services.uow() as session:
            if subject is None:
                members = teams.members_of(session, user_id, team_id=team_id)
                if not members:
                    raise UserError(
                        "You have no team: `/team add @you @alice @bob` builds one.", tg.SHOW_EXAMPLE
                    )
                plans = tg.targets_of(session, tg.REP, members, team_id=team_id)
                tiers = tg.accounts_by_tier(session, members, team_id=team_id)
                team_plan = tg.targets_of(session, tg.TEAM, [user_id], team_id=team_id)[user_id]
                blocks = team_show_blocks(
                    user_id, team_plan, {m: (plans[m], tg.coverage_targets(pb, tiers[m])) for m in members}
                )
            else:
                if not permissions.allowed(session, user_id, permissions.NUMBERS, subject, team_id=team_id):
                    reply(respond, refused_blocks())
                    return
                plan = tg.targets_of(session, tg.REP, [subject], team_id=team_id)[subject]
                tiers = tg.accounts_by_tier(session, [subject], team_id=team_id)[subject]
                blocks = show_blocks(mention(subject), plan, tg.coverage_targets(pb, tiers))
        reply(respond, blocks)
        return
    if verb == "clear":
        if len(words) < 2:
            raise UserError("Say whose targets to clear.", tg.CLEAR_EXAMPLE)
        subject = _subject(words[1], tg.CLEAR_EXAMPLE)
        metrics = [tg.metric_of(w, pb, tg.CLEAR_EXAMPLE) for w in words[2:]] or None
        with services.uow() as session:
            subject_id = _check_plan_rights(services, session, user_id, subject, team_id, tg.CLEAR_EXAMPLE)
            scope = tg.TEAM if subject is None else tg.REP
            count = tg.clear_targets(session, scope, subject_id, metrics, team_id=team_id)
        whose = "your team" if subject is None else mention(subject_id)
        reply(respond, cleared_blocks(whose, count))
        return
    # /targets @alice calls:8/week …  or  /targets team calls:40/week
    example = tg.TEAM_EXAMPLE if verb == "team" else tg.SET_EXAMPLE
    if verb != "team" and user_id_of(words[0]) is None:
        raise UserError(f"I don't know `/targets {words[0]}`. Use {VERBS}.", tg.SET_EXAMPLE)
    subject = _subject(words[0], example)
    specs = tg.parse_specs(words[1:], pb, example)
    with services.uow() as session:
        subject_id = _check_plan_rights(services, session, user_id, subject, team_id, example)
        scope = tg.TEAM if subject is None else tg.REP
        tg.set_targets(session, scope, subject_id, specs, set_by=user_id, now=now, team_id=team_id)
    reply(respond, set_blocks("your team" if subject is None else mention(subject_id), specs))


def _simulate(services: Services, words: list[str], user_id: str, respond: Respond, team_id: str) -> None:
    pb = services.playbook
    example = tg.SIMULATE_EXAMPLE
    now = services.clock.now()
    manager = user_id
    spec_words: list[str] = []
    period_text: str | None = None
    for word in words:
        key, _, value = word.partition(":")
        if user_id_of(word) is not None:
            manager = user_id_of(word) or user_id
        elif key.lower() in PERIOD_KEYS and value:
            period_text = value
        else:
            spec_words.append(word)
    specs = tg.parse_specs(spec_words, pb, example)
    tz = services.people.get(user_id).tz
    period = (
        parse_period(period_text, now, tz, example=example) if period_text else last_full("quarter", now, tz)
    )
    if period.end > now:
        raise UserError(f"{period.label} is not over yet: simulate on a past period.", example)
    with services.uow() as session:
        if not permissions.allowed(session, user_id, permissions.NUMBERS, manager, team_id=team_id):
            reply(respond, refused_blocks())
            return
        members = teams.members_of(session, manager, team_id=team_id)
        if not members:
            raise UserError("No team to try it on: `/team add @you @alice @bob` builds one.", example)
        sim = stats.simulate(session, members, specs, period, now=now, playbook=pb, team_id=team_id)
    reply(respond, simulation_blocks(sim))


def register(app: App, services: Services) -> None:
    @app.command("/targets")
    def targets_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_targets_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/targets", text=text)
