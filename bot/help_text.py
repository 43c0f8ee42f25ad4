"""Help for every command, with examples. ``/salesbot help`` shows all; ``/<command> help`` one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandHelp:
    command: str
    summary: str
    examples: tuple[tuple[str, str], ...]  # (example, what it does)


HELP: dict[str, CommandHelp] = {}


def add(command: str, summary: str, *examples: tuple[str, str]) -> None:
    HELP[command] = CommandHelp(command, summary, examples)


add(
    "/log",
    "Log what you did with an account: a call, e-mail, meeting, video call, demo, visit or note.",
    ("/log call Acme Corp: discussed renewal, wants pricing for 20 more seats", "log a call, now"),
    (
        "/log meeting Globex yesterday 3pm: demo went well",
        "a date/time goes before the colon, in your time zone",
    ),
    ("/log", "open a form with an account picker"),
)
add(
    "/account",
    "Create, update, view and segment accounts.",
    (
        "/account add Acme Corp tier:gold status:customer owner:@alice csm:@bob tags:retail,north mrr:4200 renewal:2027-03-31",
        "create an account",
    ),
    (
        "/account set Acme Corp tier:silver",
        "change any field: tier status owner csm tags mrr renewal channel external_id name",
    ),
    ("/account Acme Corp", "the 360° card: status, team, MRR, renewal, last activities, open follow-ups"),
    ("/account list tier:gold owner:@alice tag:retail", "a segment, like a CRM list"),
    ("/account link Acme Corp #acme-shared", "the account's channel"),
)
add(
    "/followup",
    "Never drop a next step: follow-ups remind the assignee in a DM at the due time, in their time zone.",
    ("/followup Acme Corp: send the proposal tomorrow 9am", "remind you tomorrow at 9:00"),
    ("/followup Acme Corp: call back in 3 days", "a day without a time: the start of the working day"),
    ("/followup Acme Corp: prepare QBR in 2 weeks for @bob", "for a colleague, in their time zone"),
    ("/followup #acme-team Acme Corp: renewal call friday 10am", "also post the reminder in a channel"),
    ("/followup list", "your open follow-ups, soonest first, with their numbers"),
    ("/followup done 12", "mark #12 done (`/followup cancel 12` drops it)"),
)
add(
    "/salesbot",
    "About salesbot.",
    ("/salesbot help", "this help"),
)


def command_help(command: str) -> CommandHelp | None:
    return HELP.get(command)
