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
    "/visit",
    "Plan recurring visits: announced ahead so you can book the slot, reminded on the day.",
    (
        "/visit Acme Corp every 4 months",
        "a visit every 4 months (also: monthly, quarterly, yearly, every 6 weeks)",
    ),
    (
        "/visit Acme Corp every 2 weeks on tuesday at 10:00",
        "weekdays and a time; `every other week on tuesday`",
    ),
    ("/visit Acme Corp monthly on the first tuesday from 2027-01-01", "an ordinal weekday and a start date"),
    ("/visit Acme Corp on 2026-12-10 10:00", "a one-off visit"),
    ("/visit list", "the plans of your accounts (`/visit list all`: everyone's)"),
    ("/visit stop Acme Corp", "stop the plan; the tier cadence (if any) applies again"),
    ("/log noshow Acme Corp", "a no-show: a task to propose 3 new slots, and a chase if nothing is rebooked"),
)
add(
    "/agenda",
    "What is due: follow-ups, visits, no-shows, and anything overdue. Also in the app's Home tab.",
    ("/agenda", "today, in your time zone"),
    ("/agenda week", "the next 7 days"),
    ("/agenda @bob", "a colleague's agenda"),
)
add(
    "/salesbot",
    "About salesbot.",
    ("/salesbot help", "this help"),
)


def command_help(command: str) -> CommandHelp | None:
    return HELP.get(command)
