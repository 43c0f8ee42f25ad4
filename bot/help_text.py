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
    "Log what you did with an account: a call, e-mail, meeting, video call, demo, visit or note. "
    "The reply has an Undo button.",
    ("/log call Acme Corp: discussed renewal, wants pricing for 20 more seats", "log a call, now"),
    (
        "/log meeting Globex yesterday 3pm: demo went well",
        "a date/time goes before the colon, in your time zone",
    ),
    (
        "/log call Acme Corp 20/11 14h: kickoff",
        "dates: yesterday, friday at 2, last monday, 3 days ago, 20/11, 2026-11-20; times: 2pm, 14:00, 14h",
    ),
    (
        "/log meeting Acme Corp with Jane Doe, Tom Lee: pricing review",
        "who took part, after `with` (their last touch moves; an unknown name offers to add them)",
    ),
    ("/log", "open a form with an account picker, type, date, time, who took part, and notes"),
    (
        "Log as activity",
        "message shortcut (⋯ on any message): logs it with a link; in an account's channel the account is picked",
    ),
    ("/log help", "this help, with the activity types of your team"),
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
    ("/account Acme Corp map", "the buying-team map, with a readiness chart sent to your DM"),
    ("/account list tier:gold owner:@alice tag:retail", "a segment, like a CRM list"),
    ("/account link Acme Corp #acme-shared", "the account's channel"),
    ("/account history Acme Corp", "who changed what, newest first; Undo your last change to a record"),
    ("/account help", "this help"),
)
add(
    "/signal",
    "Flag what a customer said: expansion (upsell, cross-sell, advocacy) or churn risk. Anyone can; the "
    "account owner and CSM get it with buttons. Or use the “Flag a signal” shortcut on any message.",
    ("/signal Acme Corp upsell: asked whether they can add 20 seats", "an upsell signal (+30)"),
    ("/signal Acme Corp cross-sell: wants a marketing module", "a cross-sell signal (+30)"),
    ("/signal Acme Corp churn-risk: complained about support twice", "a churn risk (+40 to the risk score)"),
    ("/signal Acme Corp advocacy: happy to be a reference", "an advocacy signal (+10)"),
    ("/signal list Acme Corp", "the account's open signals, newest first (the card shows five)"),
)
add(
    "/opportunity",
    "Track potential revenue: new, upsell, cross-sell or renewal, with a stage, an MRR and a close date.",
    (
        '/opportunity add Acme Corp upsell "20 more seats" mrr:+1200 stage:qualified close:2027-01-31',
        "add an opportunity (owner: the account's owner, or `owner:@bob`)",
    ),
    ("/opportunity set 12 stage:proposal", "change `stage:`, `mrr:`, `close:`, `title:` or `owner:`"),
    ('/opportunity set 12 close:"end of quarter"', "`close:` takes any date, e.g. `close:31/01`"),
    ("/opportunity 12", "the deal with its buying-team map and alignment warnings"),
    (
        '/opportunity team 12 add "Jane Doe", "Tom Lee"',
        "name the deal's buying team (`remove` takes them off)",
    ),
    ("/opportunity won 12", "close it as won"),
    ("/opportunity lost 12 reason:price", "close it as lost, with the reason"),
    ("/opportunity history 12", "who changed what on it, newest first"),
    (
        "/opportunity list",
        "your open opportunities; `all` for everyone's; filter with kind: stage: owner: status: account:",
    ),
)
add(
    "/contact",
    "The buying team: the people at an account, their role in the decision and how ready each one is. "
    "E-mails and phones show only to the account's owner, CSM, their managers and admins.",
    (
        '/contact add Acme Corp "Jane Doe" title:"VP Finance" role:economic-buyer email:jane@acme.example',
        "add a contact (also `phone:`, `stage:`, `owner:@bob`, `notes:`)",
    ),
    (
        '/contact set "Jane Doe" stage:evaluating reason:"asked for the ROI study"',
        "move her along the journey (the history keeps who, when and why); any field changes the same way",
    ),
    ('/contact "Jane Doe"', "her card: role, stage history, activities, opportunities"),
    ("/contact list Acme Corp", "everyone at an account, with role, stage and last touch"),
    ('/contact remove "Jane Doe"', "remove a contact"),
)
add(
    "/pipeline",
    "Open opportunities by stage, with counts and MRR totals.",
    ("/pipeline", "the team's pipeline"),
    ("/pipeline @alice kind:upsell", "one person's, one kind"),
)
add(
    "/followup",
    "Never drop a next step: follow-ups remind the assignee in a DM at the due time, in their time zone.",
    ("/followup Acme Corp: send the proposal tomorrow 9am", "remind you tomorrow at 9:00"),
    ("/followup Acme Corp: call back in 3 days", "a day without a time: the start of the working day"),
    (
        "/followup Acme Corp: send the contract end of month",
        "also: tomorrow at 2, Monday 9, next tuesday, in 3 weeks, end of quarter, 31/12, 31.12.",
    ),
    ("/followup Acme Corp: prepare QBR in 2 weeks for @bob", "for a colleague, in their time zone"),
    ("/followup #acme-team Acme Corp: renewal call friday 10am", "also post the reminder in a channel"),
    ("/followup list", "your open follow-ups, soonest first, with their numbers"),
    ("/followup done 12", "mark your #12 done (`/followup cancel 12` drops it; `cancel @bob 2`: Bob's #2)"),
    ("/followup snooze 12 tomorrow", "move your #12: `1h`, `tomorrow`, `next week`, `friday 10am`"),
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
    ("/visit Acme Corp on 10/12 at 10", "a one-off visit (day/month, or as your Slack locale writes it)"),
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
    "/team",
    "Who reports to whom. Managers get their reps' escalated signals, see their numbers and the weekly "
    "digest. Admins and the manager concerned change a team; everyone can read it.",
    ("/team", "every team: manager ← members"),
    ("/team show @manager", "one team, where its weekly digest goes and whom the manager reports to"),
    ("/team add @manager @alice @bob", "put Alice and Bob in the manager's team (moving them from another)"),
    ("/team remove @manager @bob", "take Bob out of the team"),
    (
        "/team channel @manager #sales-team",
        "post the team's weekly digest in #sales-team (`dm`: to the manager)",
    ),
)
add(
    "/targets",
    "Action plans: targets per rep or per team, set by the rep's manager (or an admin). Periods: week, "
    "month, quarter, year; a weekly target is compared pro rata on a month or quarter. Metrics: the "
    "activity types (calls, meetings, visits, demos …), opportunities, won, won_mrr, expansion_mrr.",
    ("/targets @alice calls:8/week meetings:3/week visits:2/month demos:1/week", "Alice's input targets"),
    ("/targets @alice won_mrr:5000/quarter opportunities:6/month", "output targets"),
    ("/targets team calls:40/week", "a target for your whole team"),
    ("/targets show @alice", "Alice's plan, with the coverage her accounts imply (`show team`: everyone's)"),
    ("/targets clear @alice calls", "drop a target (`/targets clear @alice`: all of them)"),
    (
        "/targets simulate calls:10/week meetings:4/week quarter:2026-Q3",
        "who in your team would have met this plan last quarter (or the period given); changes nothing",
    ),
)
add(
    "/stats",
    "Inputs and outputs against targets and the previous period, with arrows, in your time zone. "
    "You see your own numbers; a manager their team and each member; an admin anyone's.",
    ("/stats", "your numbers this week"),
    ("/stats @alice month", "Alice's numbers this month (her manager, or an admin)"),
    ("/stats team quarter", "your team's totals and each member, this quarter"),
    (
        "/stats @manager team 2026-Q4",
        "the team a manager leads, in 2026-Q4 (also 2026-11, 2026-W48, last week)",
    ),
)
add(
    "/salesbot",
    "About salesbot.",
    ("/salesbot help", "this help"),
    ("/salesbot failed", "admins: deliveries that failed, why, and a Retry button for each"),
)
add(
    "/salesbot nudges",
    "Your morning message: one per working day, at your local time, never before your working day "
    "starts, about what started since the last one.",
    ("/salesbot nudges", "what is on and off, and your snoozed accounts"),
    ("/salesbot nudges off renewals", "no more renewal nudges (also: all)"),
    ("/salesbot nudges on renewals", "turn them back on"),
    (
        "/salesbot nudges off followups inactive",
        "several at once; kinds: overdue_visit, followup_overdue, renewal, inactive, ripe, risk, signal_waiting, buying_team",
    ),
    ("/salesbot nudges off weekly", "no personal weekly summary on Monday mornings"),
)
add(
    "/salesbot digest",
    "The weekly team digest: a chart of each rep's inputs against target and the expansion pipeline, what "
    "changed, the most overdue accounts, signals waiting, the best of the week. It comes on its own every "
    "Monday 08:30 in the manager's zone, in the team's channel (`/team channel`), or by DM at the "
    "manager's working start when that is later.",
    ("/salesbot digest now", "your team's digest for last week, now (managers)"),
    ("/salesbot digest now @manager", "another team's (admins)"),
)
add(
    "/salesbot role",
    "Roles: admin, manager, csm, rep (everyone by default) or viewer; what each may do is in "
    "docs/PERMISSIONS.md. Everyone can look; admins change them.",
    ("/salesbot roles", "every stored role: people and Slack user groups"),
    ("/salesbot role @bob", "Bob's role and where it comes from (his own, a group's, the default)"),
    (
        "/salesbot role @bob manager",
        "admins: give Bob a role of his own; `/salesbot role @bob remove` takes it back",
    ),
    ("/salesbot role @sales-managers manager", "admins: map a Slack user group to a role"),
)

add(
    "/salesbot playbook",
    "This workspace's playbook (activity types, tiers, visit cadences, automatic follow-ups, signals, "
    "working hours …) as TOML. Admins change it in a form, checked like the playbook at start: a playbook "
    "with a mistake is refused with the key and the reason, and the current one stays.",
    ("/salesbot playbook", "show it"),
    ("/salesbot playbook set", "admins: change it in a form, filled with the current one"),
    ("/salesbot playbook reset", "admins: back to the default of this salesbot"),
)


def command_help(command: str) -> CommandHelp | None:
    return HELP.get(command)
