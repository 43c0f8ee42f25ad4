"""``salesbot tick``: run every due job once and exit, for deployments driven by cron.

Runs the planning passes, the weekly slot if it is due, then delivers everything due (for at most
``--budget`` seconds, 50 by default, shared by every workspace), as of now or of ``--now``, and prints a one-line summary. Safe to run from several hosts at once (claims and the
weekly slot record keep every message single).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from bot.clock import Clock, FixedClock, SystemClock
from bot.reminders.scheduler import run_due
from bot.settings import Settings

NOW_HELP = (
    "act as if it were this instant: ISO 8601 with a zone, e.g. 2026-11-23T09:00:00Z or "
    "2026-11-23T10:00:00+01:00 (a time without a zone is rejected)"
)


# Deliver for at most this long per run: a run started every minute is over before the next one.
DEFAULT_BUDGET = 50.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; example: --budget 50")
    return value


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with a zone, as aware UTC; anything else is a usage error with an example."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time; example: 2026-11-23T09:00:00Z"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no time zone; add one, e.g. {text.strip()}Z for UTC or {text.strip()}+01:00"
        )
    return value.astimezone(UTC)


def add_parser(sub: Any) -> None:
    """Add ``tick`` to the ``salesbot`` sub-commands (``sub`` is argparse's sub-parsers object)."""
    tick = sub.add_parser(
        "tick",
        help="run every due job once (planning, weekly digest, delivery) and exit; for cron",
        description="Run every due job once: planning passes, the weekly digest if due, then delivery.",
    )
    tick.add_argument("--now", type=parse_instant, metavar="ISO8601", help=NOW_HELP)
    tick.add_argument(
        "--budget",
        type=_seconds,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help=f"deliver what is due for at most this long, so cron runs never overlap (default {DEFAULT_BUDGET:g})",
    )
    tick.set_defaults(func=cmd_tick)


def cmd_tick(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.bot_token and not settings.oauth:
        print(
            "salesbot tick: SLACK_BOT_TOKEN is not set; it is needed to post messages "
            "(installed in many workspaces: SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET)."
        )
        return 2
    from bot.runner import build_runtime  # the whole bot is assembled in one place

    clock: Clock = FixedClock(args.now) if args.now else SystemClock()
    # An invalid playbook raises PlaybookError: `salesbot` (bot/cli.py) reports it in one line.
    # Building the app registers every feature's renderers and passes; nothing is served.
    runtime = build_runtime(settings, clock=clock)
    try:
        # One budget for the whole run, every workspace included (bot/reminders/scheduler.py: run_due).
        summary = run_due(runtime.services, clock.now(), budget=args.budget)
    finally:
        runtime.engine.dispose()
    print(f"salesbot tick {summary.line()}")
    return 0
