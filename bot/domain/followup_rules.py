"""Automatic follow-ups after an activity, driven by the playbook's ``[[followup_rules]]``.

A rule applies when the activity's type is in ``after`` (and, if it lists ``tiers``, the account's
tier is one of them). The follow-up goes to the person who logged the activity: they were there and
know what was promised. Due times are counted from when the activity is logged, in that person's
zone and working hours, so a meeting logged late still gets follow-ups ahead of it, not overdue ones.
Imported activities, and activities that happened more than a week before they were logged, are
history: they schedule nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.domain import followups
from bot.domain.activities import ActivityHook
from bot.domain.dates import when_local
from bot.domain.events import FollowUpScheduled, record
from bot.domain.followup_text import rule_due
from bot.domain.text import escape
from bot.domain.workhours import next_working_start
from bot.people import cached_person
from bot.playbook import FollowupRule, Playbook
from bot.storage.models import Account, Activity

# An activity logged this long after it happened is history: its follow-ups are long settled.
HISTORY_AFTER = timedelta(days=7)


def matching_rules(playbook: Playbook, activity_type: str, tier: str | None) -> list[FollowupRule]:
    return [
        rule
        for rule in playbook.followup_rules
        if activity_type in rule.after and (not rule.tiers or (tier is not None and tier in rule.tiers))
    ]


def make_activity_hook(playbook_of: Playbook | Callable[[], Playbook]) -> ActivityHook:
    """``playbook_of``: the playbook, or a function giving the current workspace's."""
    current = playbook_of if callable(playbook_of) else (lambda: playbook_of)

    def schedule_followups(session: Session, activity: Activity, account: Account) -> list[str]:
        playbook = current()
        rules = matching_rules(playbook, activity.type, account.tier)
        if not rules or activity.source == "import":  # history, not something that just happened
            return []
        if activity.created_at - activity.occurred_at > HISTORY_AFTER:
            return [f"No automatic follow-ups: that {activity.type} was more than a week ago."]
        now = activity.created_at
        person = cached_person(session, activity.user_id, playbook)
        lines = []
        for rule in rules:
            due = rule_due(rule.due, now, person.working_hours, person.tz)
            task = followups.create(
                session,
                account=account,
                title=rule.title,
                assignee_id=activity.user_id,
                created_by=None,
                due_at=due,
                all_day=False,
                now=now,
                source_activity_id=activity.id,
            )
            record(session, FollowUpScheduled(task, account, person.tz, person.working_hours, now))
            deliver_at = next_working_start(
                due, person.working_hours, person.tz
            )  # when the reminder goes out
            waits = (
                f" (outside your working hours: reminder {when_local(deliver_at, person.tz, now=now)})"
                if deliver_at > due
                else ""
            )
            lines.append(
                f":alarm_clock: Follow-up scheduled: *{escape(rule.title)}* · {when_local(due, person.tz, now=now)}{waits} `#{task.number}`"
            )
        lines.append("Undo removes these follow-ups too.")
        return lines

    return schedule_followups
