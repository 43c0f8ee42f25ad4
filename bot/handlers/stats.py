"""/stats: inputs and outputs against targets and the previous period, in the reader's time zone.
A rep sees their own, a manager their team and each member, an admin anyone."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.help import help_blocks
from bot.blocks.stats import person_blocks, refused_blocks, team_blocks
from bot.domain import permissions, stats, teams
from bot.domain.errors import UserError
from bot.domain.grammar import tokenize, user_id_of
from bot.domain.periods import Period, parse_period
from bot.handlers.common import reply, reply_error, team_of
from bot.services import Services

EXAMPLE = "/stats @alice month"
TEAM_EXAMPLE = "/stats team quarter"


def parse_stats(text: str) -> tuple[str | None, bool, str]:
    """→ (the person mentioned, whether the team is meant, the period words)."""
    person: str | None = None
    team = False
    rest: list[str] = []
    for word in tokenize(text):
        user_id = user_id_of(word)
        if user_id is not None:
            if person is not None:
                raise UserError("One person at a time.", EXAMPLE)
            person = user_id
        elif word.lower() in ("team", "team's"):
            team = True
        elif word.startswith("<"):
            raise UserError(f"“{word}” is not a person. Mention them with @.", EXAMPLE)
        else:
            rest.append(word)
    return person, team, " ".join(rest)


def run_stats_command(services: Services, text: str, user_id: str, respond: Respond, team_id: str) -> None:
    if text.lower() == "help":
        reply(respond, help_blocks("/stats"))
        return
    person, team, period_text = parse_stats(text)
    tz = services.people.get(user_id).tz
    now = services.clock.now()
    period: Period = parse_period(period_text or "week", now, tz)
    with services.uow() as session:
        if team:
            manager = person or user_id
            if not permissions.allowed(session, user_id, permissions.NUMBERS, manager, team_id=team_id):
                reply(respond, refused_blocks())
                return
            members = teams.require_members(
                session,
                manager,
                asked_by=user_id,
                command="/stats team",
                example=TEAM_EXAMPLE,
                team_id=team_id,
            )
            report = stats.team_report(
                session, manager, members, period, now=now, playbook=services.playbook, team_id=team_id
            )
            blocks = team_blocks(report, now=now)
        else:
            subject = person or user_id
            if not permissions.allowed(session, user_id, permissions.NUMBERS, subject, team_id=team_id):
                reply(respond, refused_blocks())
                return
            lines, _, _ = stats.reports(
                session, [subject], period, now=now, playbook=services.playbook, team_id=team_id
            )
            blocks = person_blocks(subject, lines[subject], period, now=now)
    reply(respond, blocks)


def register(app: App, services: Services) -> None:
    @app.command("/stats")
    def stats_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        try:
            run_stats_command(services, text, command["user_id"], respond, team_of(command))
        except UserError as err:
            reply_error(respond, err, command="/stats", text=text)
