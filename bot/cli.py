"""The ``salesbot`` command. Each sub-command's work lives in its own module; this file only parses."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot.oplog import configure as configure_logs
from bot.playbook import PlaybookError
from bot.reminders import tick
from bot.settings import Settings
from bot.storage.db import make_engine, upgrade
from bot.storage.tenancy import LOCAL_TEAM, as_team


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"Database is up to date ({engine.url.render_as_string(hide_password=True)}).")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run

    return run(settings, http=args.http, host=args.host, port=args.port, scheduler=not args.no_scheduler)


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.backup import run_backup

    return run_backup(settings, args.file)


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console.repl import run_console
    from bot.console.world import DEMO_USERS

    names = [u.name for u in DEMO_USERS]
    if args.user.lstrip("@").lower() not in names:
        print(f"salesbot: --as takes one of {', '.join(names)}", file=sys.stderr)
        return 2
    return run_console(settings, user=args.user.lstrip("@").lower())


def cmd_import_accounts(args: argparse.Namespace, settings: Settings) -> int:
    from bot.importer import run_import

    return run_import(settings, args.file, dry_run=args.dry_run)


def cmd_import_contacts(args: argparse.Namespace, settings: Settings) -> int:
    from bot.contact_import import run_import_contacts

    return run_import_contacts(settings, args.file, dry_run=args.dry_run)


def cmd_export_contacts(args: argparse.Namespace, settings: Settings) -> int:
    from bot.contact_import import run_export_contacts

    return run_export_contacts(settings)


def cmd_export_accounts(args: argparse.Namespace, settings: Settings) -> int:
    from bot.exporter import run_export_accounts

    return run_export_accounts(settings)


def cmd_export_activities(args: argparse.Namespace, settings: Settings) -> int:
    from bot.exporter import run_export

    return run_export(settings, since=args.since, account=args.account)


def cmd_export_audit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.exporter import run_export_audit

    return run_export_audit(settings, since=args.since)


def cmd_export_stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot.stats_export import run_export_stats

    return run_export_stats(settings, period=args.period, team=args.team)


def cmd_role(args: argparse.Namespace, settings: Settings) -> int:
    from bot.role_admin import run_set_role

    return run_set_role(settings, args.user_id, args.role)


def cmd_purge_team(args: argparse.Namespace, settings: Settings) -> int:
    from bot.purge import run_purge_team

    return run_purge_team(settings, args.team_id, yes=args.yes)


def _workspace(parser: argparse.ArgumentParser, flag: str = "--team") -> None:
    parser.add_argument(
        flag,
        dest="workspace",
        metavar="T…",
        help="the Slack workspace (team id) whose data this is, when salesbot is installed in several",
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a port is a number from 0 to 65535, not {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 0 to 65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesbot",
        description="A Slack sales assistant.",
        epilog="Environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, "
        "DATABASE_URL (default sqlite:///salesbot.db), SALESBOT_CONFIG. See docs/cli.md.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug information")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="serve the app: Socket Mode, HTTP (--http), or the local console when no Slack tokens are set",
        description="Socket Mode when SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set; HTTP with --http "
        "(needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET); the local console when no Slack token is set. "
        "Migrations are applied at start.",
    )
    run.add_argument("--http", action="store_true", help="serve POST /slack/events and GET /healthz")
    run.add_argument("--host", default="0.0.0.0", help="address to listen on with --http (default 0.0.0.0)")
    run.add_argument(
        "--port",
        type=_port,
        default=os.environ.get("PORT") or "3000",  # a string default goes through _port too
        help="port to listen on with --http (default $PORT or 3000)",
    )
    run.add_argument(
        "--no-scheduler",
        action="store_true",
        help="serve Slack only; deliver reminders with `salesbot tick` from cron instead",
    )
    run.set_defaults(func=cmd_run)

    console = sub.add_parser(
        "console",
        help="chat with the bot in this terminal (a fake workspace; no Slack needed)",
        description="Runs the real app against a fake Slack on this machine, on DATABASE_URL.",
    )
    console.add_argument(
        "--as", dest="user", default="alice", help="start as this demo person (alice, bob, carol)"
    )
    console.set_defaults(func=cmd_console)

    imp = sub.add_parser("import", help="import data from CSV")
    imp_sub = imp.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    accounts = imp_sub.add_parser(
        "accounts",
        help="create or update accounts from a CSV file",
        description="Columns: name, status, tier, tags, owner, csm, channel, mrr, renewal_date, external_id "
        "(only name is required). Rows match existing accounts on external_id, else on name; matches are "
        "updated, other rows create accounts. owner and csm: a Slack user id, or an e-mail looked up in "
        "Slack (without SLACK_BOT_TOKEN, only people the bot knows). An empty cell keeps the field as it is; - clears it.",
        epilog="Bad rows are listed on stderr with their line number and reason, and are not written; "
        "the good rows are. Exit status: 0 all rows imported, 1 some rejected, 2 the file could not be read.",
    )
    accounts.add_argument("file", help="the CSV file (UTF-8, with a header row)")
    accounts.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    _workspace(accounts)
    accounts.set_defaults(func=cmd_import_accounts)
    imp_contacts = imp_sub.add_parser(
        "contacts",
        help="create or update contacts (the buying team) from a CSV file",
        description="Columns: account, name, title, email, phone, role, stage, owner, notes (account and name "
        "are required; the account must exist). Rows match existing contacts on email, else on account + "
        "name; matches are updated (a stage change is kept in the contact's history), other rows create "
        "contacts. role and stage: from the playbook's buying_team. owner: a Slack user id or an e-mail.",
        epilog="Bad rows are listed on stderr with their line number and reason, and are not written; "
        "the good rows are. Exit status: 0 all rows imported, 1 some rejected, 2 the file could not be read.",
    )
    imp_contacts.add_argument("file", help="the CSV file (UTF-8, with a header row)")
    imp_contacts.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    _workspace(imp_contacts)
    imp_contacts.set_defaults(func=cmd_import_contacts)

    exp = sub.add_parser("export", help="export data as CSV to standard output")
    exp_sub = exp.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    exp_accounts = exp_sub.add_parser(
        "accounts",
        help="every account, in the columns `import accounts` reads",
        description="Every account as CSV on standard output, by name: name, status, tier, tags, owner, csm, "
        "channel, mrr, renewal_date, external_id; the columns `salesbot import accounts` reads, so the file "
        "can be edited and imported again.",
    )
    _workspace(exp_accounts)
    exp_accounts.set_defaults(func=cmd_export_accounts)
    exp_contacts = exp_sub.add_parser(
        "contacts",
        help="every contact, in the columns `import contacts` reads, with when each was last touched",
        description="Every contact as CSV on standard output, by account and name: account, name, title, "
        "email, phone, role, stage, owner, notes, last_touched (UTC). Import it again as it is.",
    )
    _workspace(exp_contacts)
    exp_contacts.set_defaults(func=cmd_export_contacts)
    activities = exp_sub.add_parser(
        "activities",
        help="logged activities (undone ones left out)",
        description="Logged activities as CSV on standard output, oldest first: id, occurred_at (UTC), "
        "account, type, user_id, notes, source, permalink. Undone activities are left out.",
    )
    activities.add_argument(
        "--since",
        help="only activities on or after this date (YYYY-MM-DD, midnight UTC; or an ISO date-time)",
    )
    activities.add_argument(
        "--account", help="only this account: its name, or a prefix that matches only one account"
    )
    _workspace(activities)
    activities.set_defaults(func=cmd_export_activities)
    audit = exp_sub.add_parser(
        "audit",
        help="the audit trail: every change, who made it, when and from where",
        description="The audit trail as CSV on standard output, oldest first: id, at (UTC), actor_id, surface "
        "(command, button, modal, shortcut, import, automation), record_type, record_id, account_id, action "
        "(create, update, delete), changes (JSON: field → [before, after]), undo_of.",
    )
    audit.add_argument(
        "--since", help="only changes on or after this date (YYYY-MM-DD, midnight UTC; or an ISO date-time)"
    )
    _workspace(audit)
    audit.set_defaults(func=cmd_export_audit)
    stats = exp_sub.add_parser(
        "stats",
        help="the figures of /stats per rep and metric, with targets",
        description="The figures of /stats as CSV on standard output, one row per rep and metric: period, "
        "manager, rep, metric, section, actual, target (pro rata over the period), previous (the period "
        "before). Definitions: docs/stats.md.",
    )
    stats.add_argument(
        "--period", required=True, help="2026-Q4, 2026-11, 2026-W48, 2026, or week/month/quarter/year"
    )
    stats.add_argument(
        "--team",
        help="only this manager's team (user id or name), in the manager's time zone; default: all, UTC",
    )
    _workspace(stats, "--workspace")
    stats.set_defaults(func=cmd_export_stats)

    role = sub.add_parser(
        "role",
        help="give a person a role (admin, manager, csm, rep, viewer) from the shell",
        description="Set a person's role in the database, as `/salesbot role` does in Slack for admins; "
        "the way to name the first admin when the playbook's [roles] admins was empty at the first start.",
    )
    role.add_argument("user_id", help="the Slack user id, e.g. U0123ABCD")
    role.add_argument("role", help="admin, manager, csm, rep or viewer")
    _workspace(role)
    role.set_defaults(func=cmd_role)

    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database to FILE while salesbot runs (PostgreSQL: use pg_dump)",
        description="A consistent copy of the SQLite database of DATABASE_URL, taken with SQLite's online "
        "backup API while salesbot keeps running, checked (integrity_check) and written as one file "
        "(FILE is replaced only once the copy is complete). On PostgreSQL it says to use pg_dump, and exits 2.",
    )
    backup.add_argument("file", help="where to write the copy (replaced if it exists)")
    backup.set_defaults(func=cmd_backup)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db)

    purge = sub.add_parser("purge", help="delete a workspace's data for good")
    purge_sub = purge.add_subparsers(dest="purge_command", required=True, metavar="WHAT")
    purge_team = purge_sub.add_parser(
        "team",
        help="every row of one Slack workspace (after it uninstalled the app), after a confirmation",
        description="Deletes every row that belongs to the workspace (accounts, activities, reminders, "
        "profiles, audit trail …) and its installation. Asks you to type the team id unless --yes.",
    )
    purge_team.add_argument("team_id", metavar="T…", help="the workspace's team id")
    purge_team.add_argument("--yes", action="store_true", help="do not ask for a confirmation")
    purge_team.set_defaults(func=cmd_purge_team)

    tick.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is cmd_run:
        configure_logs(verbose=args.verbose)  # logfmt: a line per request and per delivery (bot/oplog.py)
    else:
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    settings = Settings.from_env()
    try:
        with as_team(getattr(args, "workspace", None) or LOCAL_TEAM):
            return int(args.func(args, settings) or 0)
    except PlaybookError as exc:  # one line naming the key, never a traceback, whatever the command
        print(f"salesbot: {playbook_problem(settings, exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`salesbot export … | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the final flush at exit has nowhere to fail
        return 0


def playbook_problem(settings: Settings, exc: PlaybookError) -> str:
    """``exc`` as one line that says which playbook file it is about."""
    if settings.config_path and not str(exc).startswith("config file not found"):
        return f"the playbook in {settings.config_path} (SALESBOT_CONFIG) is invalid: {exc}"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
