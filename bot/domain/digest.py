"""The weekly picture: what a team's digest and a rep's personal summary say, and what the chart draws.

Everything here is aggregated in the database (one GROUP BY per question) for the whole team at
once; the digest covers the last full week (Monday to Monday) in the zone of whoever receives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain import stats
from bot.domain.periods import Period
from bot.domain.targets import input_metrics
from bot.playbook import Playbook
from bot.storage.models import Account, Opportunity, Signal, Task, UserProfile
from bot.storage.tenancy import current_team

# The lines "what changed since last week" shows, in this order (when the team has any of them).
CHANGE_METRICS = ("calls", "meetings", "visits", "demos", "opportunities", "won", "won_mrr", "expansion_mrr")


@dataclass(frozen=True)
class Overdue:
    account_id: int
    name: str
    since: datetime  # the due time of its oldest open task
    tasks: int


@dataclass(frozen=True)
class Waiting:
    account_name: str
    kind: str
    flagged_at: datetime


@dataclass
class ChartData:
    """The data series the digest chart draws, in drawing order."""

    title: str
    reps: list[str]  # names, one bar group per rep
    metrics: list[str]  # input metrics drawn, e.g. ["calls", "meetings"]
    actual: dict[str, list[float]] = field(default_factory=dict)  # metric → one value per rep
    target: dict[str, list[float | None]] = field(default_factory=dict)  # metric → target per rep
    stages: list[str] = field(default_factory=list)  # open expansion pipeline, by stage
    stage_mrr: list[float] = field(default_factory=list)
    stage_count: list[int] = field(default_factory=list)


@dataclass
class TeamDigest:
    manager_id: str
    report: stats.TeamReport
    changes: list[stats.Line]
    overdue: list[Overdue]
    waiting: list[Waiting]
    waiting_count: int
    best: list[tuple[str, list[str], float]]  # (metric, the best members, their count)
    chart: ChartData


@dataclass
class PersonalSummary:
    user_id: str
    period: Period
    lines: list[stats.Line]
    overdue: list[Overdue]
    overdue_count: int


def names_of(session: Session, user_ids: Sequence[str], *, team_id: str | None = None) -> dict[str, str]:
    """Display names known from Slack profiles (the id where none is known yet)."""
    team_id = team_id or current_team()
    rows = session.execute(
        select(UserProfile.user_id, UserProfile.display_name).where(
            UserProfile.team_id == team_id, UserProfile.user_id.in_(list(user_ids))
        )
    )
    known = {u: n for u, n in rows if n}
    return {u: known.get(u, u) for u in user_ids}


def overdue_accounts(
    session: Session, people: Sequence[str], now: datetime, *, limit: int = 3, team_id: str | None = None
) -> tuple[list[Overdue], int]:
    """The accounts with the oldest overdue open tasks (follow-ups, visits, no-show rebookings) of these
    people, most overdue first; and how many accounts have any."""
    team_id = team_id or current_team()
    per_account = (
        select(Task.account_id, Account.name, func.min(Task.due_at).label("since"), func.count().label("n"))
        .join(Account, Account.id == Task.account_id)
        .where(
            Account.team_id == team_id,
            Task.assignee_id.in_(list(people)),
            Task.status == "open",
            Task.due_at < now,
        )
        .group_by(Task.account_id, Account.name)
        .subquery()
    )
    c = per_account.c
    # One query: the window count is taken over every account before the LIMIT keeps the first ones.
    rows = session.execute(
        select(c.account_id, c.name, c.since, c.n, func.count().over())
        .order_by(c.since, c.account_id)
        .limit(limit)
    ).all()
    total = rows[0][4] if rows else 0
    return [Overdue(a, n, since, int(k)) for a, n, since, k, _ in rows], int(total)


def overdue_by_person(
    session: Session, people: Sequence[str], now: datetime, *, limit: int = 3, team_id: str | None = None
) -> dict[str, tuple[list[Overdue], int]]:
    """For each person, what ``overdue_accounts`` gives for them alone (their most overdue accounts,
    and how many have any), for everyone in one query: window functions rank each person's accounts."""
    team_id = team_id or current_team()
    ids = list(dict.fromkeys(people))
    out: dict[str, tuple[list[Overdue], int]] = {p: ([], 0) for p in ids}
    if not ids:
        return out
    per_account = (
        select(
            Task.assignee_id.label("who"),
            Task.account_id.label("account_id"),
            Account.name.label("name"),
            func.min(Task.due_at).label("since"),
            func.count().label("n"),
        )
        .join(Account, Account.id == Task.account_id)
        .where(
            Account.team_id == team_id, Task.assignee_id.in_(ids), Task.status == "open", Task.due_at < now
        )
        .group_by(Task.assignee_id, Task.account_id, Account.name)
        .subquery()
    )
    c = per_account.c
    ranked = select(
        c.who,
        c.account_id,
        c.name,
        c.since,
        c.n,
        func.row_number().over(partition_by=c.who, order_by=(c.since, c.account_id)).label("rn"),
        func.count().over(partition_by=c.who).label("total"),
    ).subquery()
    r = ranked.c
    rows = session.execute(
        select(r.who, r.account_id, r.name, r.since, r.n, r.total).where(r.rn <= limit).order_by(r.who, r.rn)
    )
    for who, account_id, name, since, n, total in rows:
        found, _ = out[who]
        out[who] = ([*found, Overdue(account_id, name, since, int(n))], int(total))
    return out


def waiting_signals(
    session: Session, owners: Sequence[str], *, limit: int = 3, team_id: str | None = None
) -> tuple[list[Waiting], int]:
    """Signals still waiting for a decision (open) on the accounts these people own: oldest first."""
    team_id = team_id or current_team()
    rows = session.execute(
        select(Account.name, Signal.kind, Signal.created_at, func.count().over())
        .join(Account, Account.id == Signal.account_id)
        .where(Account.team_id == team_id, Account.owner_id.in_(list(owners)), Signal.status == "open")
        .order_by(Signal.created_at, Signal.id)
        .limit(limit)
    ).all()  # one query: the window count is taken over every waiting signal before the LIMIT
    return [Waiting(n, k, c) for n, k, c, _ in rows], int(rows[0][3] if rows else 0)


def expansion_pipeline(
    session: Session, owners: Sequence[str], playbook: Playbook, *, team_id: str | None = None
) -> tuple[list[str], list[float], list[int]]:
    """Open upsell and cross-sell opportunities of these people by stage (playbook order)."""
    team_id = team_id or current_team()
    rows = session.execute(
        select(Opportunity.stage, func.count(), func.sum(Opportunity.mrr))
        .join(Account, Account.id == Opportunity.account_id)
        .where(
            Account.team_id == team_id,
            Opportunity.owner_id.in_(list(owners)),
            Opportunity.status == "open",
            Opportunity.kind.in_(stats.EXPANSION_KINDS),
        )
        .group_by(Opportunity.stage)
    )
    by_stage = {stage: (int(n), float(mrr or 0)) for stage, n, mrr in rows}
    stages = [s for s in playbook.opportunity_stages if s in by_stage] + sorted(
        s for s in by_stage if s not in playbook.opportunity_stages
    )
    return stages, [by_stage[s][1] for s in stages], [by_stage[s][0] for s in stages]


def best_performers(
    figures: dict[str, stats.Figures], metrics: Sequence[str]
) -> list[tuple[str, list[str], float]]:
    """For each input metric anyone did: who did the most (all of them on a tie)."""
    best = []
    for metric in metrics:
        top = max((f.get(metric) for f in figures.values()), default=0.0)
        if top > 0:
            best.append((metric, [p for p, f in figures.items() if f.get(metric) == top], top))
    return best


def team_digest(
    session: Session,
    manager_id: str,
    members: Sequence[str],
    period: Period,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str | None = None,
) -> TeamDigest:
    team_id = team_id or current_team()
    report = stats.team_report(
        session, manager_id, members, period, now=now, playbook=playbook, team_id=team_id
    )
    by_metric = {line.metric: line for line in report.total}
    changes = [by_metric[m] for m in CHANGE_METRICS if m in by_metric]
    overdue, _ = overdue_accounts(session, members, now, team_id=team_id)
    waiting, waiting_count = waiting_signals(session, members, team_id=team_id)
    inputs = input_metrics(playbook)
    best = best_performers(report.figures, inputs)
    return TeamDigest(
        manager_id,
        report,
        changes,
        overdue,
        waiting,
        waiting_count,
        best,
        chart_data(session, report, playbook, team_id=team_id),
    )


def chart_data(
    session: Session, report: stats.TeamReport, playbook: Playbook, *, team_id: str | None = None
) -> ChartData:
    """Each rep's inputs against target (the metrics with a target, else the ones done), and the
    open expansion pipeline by stage."""
    team_id = team_id or current_team()
    inputs = input_metrics(playbook)
    lines = {m: {line.metric: line for line in report.by_member[m]} for m in report.members}
    targeted = [i for i in inputs if any(lines[m].get(i) and lines[m][i].target is not None for m in lines)]
    done = [i for i in inputs if any(report.figures[m].get(i) for m in report.members)]
    metrics = (targeted or done)[:4]
    names = names_of(session, report.members, team_id=team_id)
    stages, mrr, counts = expansion_pipeline(session, report.members, playbook, team_id=team_id)
    return ChartData(
        title=f"Week {report.period.label}",
        reps=[names[m] for m in report.members],
        metrics=metrics,
        actual={i: [report.figures[m].get(i) for m in report.members] for i in metrics},
        target={i: [lines[m][i].target if i in lines[m] else None for m in report.members] for i in metrics},
        stages=stages,
        stage_mrr=mrr,
        stage_count=counts,
    )


def personal_summary(
    session: Session,
    user_id: str,
    period: Period,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str | None = None,
) -> PersonalSummary:
    team_id = team_id or current_team()
    lines, _, _ = stats.reports(session, [user_id], period, now=now, playbook=playbook, team_id=team_id)
    shown = [line for line in lines[user_id] if line.target is not None or line.actual or line.previous]
    overdue, count = _overdue_of(session, [user_id], now, team_id)[user_id]
    return PersonalSummary(user_id, period, shown, overdue, count)


def _overdue_of(
    session: Session, people: Sequence[str], now: datetime, team_id: str
) -> dict[str, tuple[list[Overdue], int]]:
    # Remembered with the unit of work (as of the first time it was asked: a batch renders within seconds).
    return stats.per_person(
        session,
        ("overdue", team_id),
        people,
        lambda missing: overdue_by_person(session, missing, now, team_id=team_id),
    )


def prepare(
    session: Session,
    digests: Sequence[tuple[Sequence[str], Period]],
    summaries: Sequence[tuple[str, Period]],
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str | None = None,
) -> None:
    """Before a batch of team digests (their members, their week) and personal summaries (the rep,
    their week) is rendered in one read-only unit of work: everyone's figures (one set of GROUP BY
    queries per distinct week), targets, accounts by tier and overdue accounts, for all of them at
    once. The renders then find them in the unit of work's memory instead of asking again."""
    team_id = team_id or current_team()
    stats.remember(session)
    by_period: dict[Period, list[str]] = {}
    for people, period in digests:
        by_period.setdefault(period, []).extend(people)
    for user_id, period in summaries:
        by_period.setdefault(period, []).append(user_id)
    for period, people in by_period.items():
        stats.reports(session, people, period, now=now, playbook=playbook, team_id=team_id)
    _overdue_of(session, [user_id for user_id, _ in summaries], now, team_id)
