"""The numbers a manager runs the team with: inputs (activities, coverage, follow-ups, visits, no-shows)
and outputs (opportunities, wins, expansion revenue, signal conversion), per person and period.

Every figure is a SQL aggregate (GROUP BY in the database) over the people asked about, never rows
loaded into Python; a team's figure is the sum of its members' (rates and the median are computed
again on the whole). The definition of every metric is in docs/stats.md: keep the two in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from bot.domain.cadence import parse_cadence
from bot.domain.periods import Period, pro_rata
from bot.domain.targets import (
    OUTPUT_METRICS,
    REP,
    CoverageTarget,
    TargetSpec,
    accounts_by_tier,
    coverage_targets,
    format_amount,
    input_metrics,
    plural,
    targets_of,
)
from bot.domain.targets import TEAM as TEAM_SCOPE
from bot.playbook import Playbook
from bot.storage.models import LOCAL_TEAM, Account, Activity, Opportunity, Signal, Task, UTCDateTime

NOSHOW = "noshow"
REBOOK_TYPES = ("meeting", "visit")  # what counts as a new meeting after a no-show (as bot.domain.noshows)
REBOOK_DAYS = 14
EXPANSION_KINDS = ("upsell", "cross-sell")
TEAM = "*team*"  # the key of a team's totals


@dataclass
class Figures:
    """One person's (or a team's) figures over one period."""

    values: dict[str, float] = field(default_factory=dict)  # metric → count / amount
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # tier → (touched, accounts)
    lost_reasons: dict[str, int] = field(default_factory=dict)
    median_days_to_opportunity: float | None = None

    def get(self, metric: str) -> float:
        return self.values.get(metric, 0.0)

    def add(self, metric: str, value: float | None) -> None:
        self.values[metric] = self.values.get(metric, 0.0) + float(value or 0)

    @property
    def win_rate(self) -> float | None:
        closed = self.get("won") + self.get("lost")
        return self.get("won") / closed if closed else None

    def coverage_share(self, tier: str) -> float | None:
        touched, accounts = self.coverage.get(tier, (0, 0))
        return touched / accounts if accounts else None


def metric_names(playbook: Playbook) -> tuple[str, ...]:
    """Every counted metric, in the order they are shown (rates and coverage come on top)."""
    return (
        *input_metrics(playbook),
        "noshows",
        "noshows_rebooked",
        "followups_on_time",
        "followups_late",
        "followups_open",
        "visits_planned",
        "visits_done",
        *OUTPUT_METRICS,
        "lost",
        "renewals_won",
        "signals",
        "signals_to_opportunity",
        "signals_won",
    )


def _days(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in days, as a SQL expression (SQLite and PostgreSQL spell it differently)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def _at(value: datetime) -> Any:
    return literal(value, UTCDateTime())


def compute(
    session: Session,
    people: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str = LOCAL_TEAM,
) -> dict[str, Figures]:
    """person → their figures over ``[start, end)``, for every person in ``people``."""
    ids = list(dict.fromkeys(people))
    out = {p: Figures() for p in ids}
    if not ids:
        return out
    _activities(session, out, ids, start, end)
    _noshows(session, out, ids, start, end)
    _followups(session, out, ids, start, end)
    _visits(session, out, ids, start, end)
    _opportunities(session, out, ids, start, end, team_id)
    _signals(session, out, ids, start, end, team_id)
    for who, median in median_days_to_opportunity(session, ids, start, end, team_id=team_id).items():
        out[who].median_days_to_opportunity = median
    _coverage(session, out, ids, min(end, now), playbook, team_id)
    for who, counts in tier_activity(session, ids, start, end, team_id=team_id).items():
        for metric, count in counts.items():
            out[who].add(metric, count)
    return out


def team_total(
    session: Session,
    figures: dict[str, Figures],
    start: datetime,
    end: datetime,
    *,
    team_id: str = LOCAL_TEAM,
) -> Figures:
    """The sum of the members' figures; the median is taken again over the whole team."""
    total = Figures()
    for fig in figures.values():
        for metric, value in fig.values.items():
            total.add(metric, value)
        for tier, (touched, accounts) in fig.coverage.items():
            t, a = total.coverage.get(tier, (0, 0))
            total.coverage[tier] = (t + touched, a + accounts)
        for reason, count in fig.lost_reasons.items():
            total.lost_reasons[reason] = total.lost_reasons.get(reason, 0) + count
    medians = median_days_to_opportunity(session, list(figures), start, end, team_id=team_id, together=True)
    total.median_days_to_opportunity = medians.get(TEAM)
    return total


def _activities(
    session: Session, out: dict[str, Figures], ids: list[str], start: datetime, end: datetime
) -> None:
    rows = session.execute(
        select(Activity.user_id, Activity.type, func.count())
        .where(
            Activity.user_id.in_(ids),
            Activity.occurred_at >= start,
            Activity.occurred_at < end,
            Activity.undone_at.is_(None),
            Activity.type != NOSHOW,
        )
        .group_by(Activity.user_id, Activity.type)
    )
    for who, kind, count in rows:
        out[who].add(plural(kind), count)


def _noshows(
    session: Session, out: dict[str, Figures], ids: list[str], start: datetime, end: datetime
) -> None:
    later = aliased(Activity)
    rebooked = exists().where(
        later.account_id == Activity.account_id,
        later.type.in_(REBOOK_TYPES),
        later.undone_at.is_(None),
        later.occurred_at > Activity.occurred_at,
        _days(session, later.occurred_at, Activity.occurred_at) <= REBOOK_DAYS,
    )
    rows = session.execute(
        select(Activity.user_id, func.count(), func.sum(case((rebooked, 1), else_=0)))
        .where(
            Activity.user_id.in_(ids),
            Activity.type == NOSHOW,
            Activity.occurred_at >= start,
            Activity.occurred_at < end,
            Activity.undone_at.is_(None),
        )
        .group_by(Activity.user_id)
    )
    for who, count, rebooked_count in rows:
        out[who].add("noshows", count)
        out[who].add("noshows_rebooked", rebooked_count)


def _followups(
    session: Session, out: dict[str, Figures], ids: list[str], start: datetime, end: datetime
) -> None:
    done = Task.status == "done"
    rows = session.execute(
        select(
            Task.assignee_id,
            func.sum(case((and_(done, Task.completed_at <= Task.due_at), 1), else_=0)),
            func.sum(case((and_(done, Task.completed_at > Task.due_at), 1), else_=0)),
            func.sum(case((Task.status == "open", 1), else_=0)),
        )
        .where(Task.kind == "followup", Task.assignee_id.in_(ids), Task.due_at >= start, Task.due_at < end)
        .group_by(Task.assignee_id)
    )
    for who, on_time, late, still_open in rows:
        out[who].add("followups_on_time", on_time)
        out[who].add("followups_late", late)
        out[who].add("followups_open", still_open)


def _visits(
    session: Session, out: dict[str, Figures], ids: list[str], start: datetime, end: datetime
) -> None:
    rows = session.execute(
        select(Task.assignee_id, func.count(), func.sum(case((Task.status == "done", 1), else_=0)))
        .where(
            Task.kind == "visit",
            Task.status != "cancelled",
            Task.assignee_id.in_(ids),
            Task.due_at >= start,
            Task.due_at < end,
        )
        .group_by(Task.assignee_id)
    )
    for who, planned, done in rows:
        out[who].add("visits_planned", planned)
        out[who].add("visits_done", done)


def _opportunities(
    session: Session, out: dict[str, Figures], ids: list[str], start: datetime, end: datetime, team_id: str
) -> None:
    in_team = Opportunity.account_id.in_(select(Account.id).where(Account.team_id == team_id))
    created = session.execute(
        select(Opportunity.owner_id, func.count())
        .where(
            Opportunity.owner_id.in_(ids),
            Opportunity.created_at >= start,
            Opportunity.created_at < end,
            in_team,
        )
        .group_by(Opportunity.owner_id)
    )
    for who, count in created:
        out[who].add("opportunities", count)
    won = Opportunity.status == "won"
    closed = session.execute(
        select(
            Opportunity.owner_id,
            func.sum(case((won, 1), else_=0)),
            func.sum(case((Opportunity.status == "lost", 1), else_=0)),
            func.sum(case((won, Opportunity.mrr), else_=0)),
            func.sum(case((and_(won, Opportunity.kind.in_(EXPANSION_KINDS)), Opportunity.mrr), else_=0)),
            func.sum(case((and_(won, Opportunity.kind == "renewal"), 1), else_=0)),
        )
        .where(
            Opportunity.owner_id.in_(ids),
            Opportunity.status.in_(("won", "lost")),
            Opportunity.closed_at >= start,
            Opportunity.closed_at < end,
            in_team,
        )
        .group_by(Opportunity.owner_id)
    )
    for who, won_count, lost, won_mrr, expansion, renewals in closed:
        fig = out[who]
        fig.add("won", won_count)
        fig.add("lost", lost)
        fig.add("won_mrr", won_mrr)
        fig.add("expansion_mrr", expansion)
        fig.add("renewals_won", renewals)
    reasons = session.execute(
        select(Opportunity.owner_id, Opportunity.lost_reason, func.count())
        .where(
            Opportunity.owner_id.in_(ids),
            Opportunity.status == "lost",
            Opportunity.closed_at >= start,
            Opportunity.closed_at < end,
            in_team,
        )
        .group_by(Opportunity.owner_id, Opportunity.lost_reason)
    )
    for who, reason, count in reasons:
        key = (reason or "").strip().lower() or "no reason given"
        out[who].lost_reasons[key] = out[who].lost_reasons.get(key, 0) + int(count)


def _signals(
    session: Session, out: dict[str, Figures], ids: list[str], start: datetime, end: datetime, team_id: str
) -> None:
    rows = session.execute(
        select(
            Account.owner_id,
            func.count(Signal.id),
            func.count(Opportunity.id),
            func.sum(case((Opportunity.status == "won", 1), else_=0)),
        )
        .select_from(Signal)
        .join(Account, Account.id == Signal.account_id)
        .outerjoin(Opportunity, Opportunity.id == Signal.opportunity_id)
        .where(
            Account.team_id == team_id,
            Account.owner_id.in_(ids),
            Signal.created_at >= start,
            Signal.created_at < end,
        )
        .group_by(Account.owner_id)
    )
    for who, signals, converted, won in rows:
        out[who].add("signals", signals)
        out[who].add("signals_to_opportunity", converted)
        out[who].add("signals_won", won)


def median_days_to_opportunity(
    session: Session,
    people: Iterable[str],
    start: datetime,
    end: datetime,
    *,
    team_id: str = LOCAL_TEAM,
    together: bool = False,
) -> dict[str, float]:
    """Median days from a signal (flagged in the period, on an account the person owns) to the
    opportunity made from it: per person, or (``together``) over all of them as ``TEAM``. Window
    functions pick the middle row(s) in the database."""
    ids = list(dict.fromkeys(people))
    if not ids:
        return {}
    days = _days(session, Opportunity.created_at, Signal.created_at)
    who = literal(TEAM) if together else Account.owner_id
    partition = [] if together else [Account.owner_id]
    ranked = (
        select(
            who.label("who"),
            days.label("days"),
            func.row_number().over(partition_by=partition or None, order_by=days).label("rn"),
            func.count().over(partition_by=partition or None).label("n"),
        )
        .select_from(Signal)
        .join(Account, Account.id == Signal.account_id)
        .join(Opportunity, Opportunity.id == Signal.opportunity_id)
        .where(
            Account.team_id == team_id,
            Account.owner_id.in_(ids),
            Signal.created_at >= start,
            Signal.created_at < end,
        )
        .subquery()
    )
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    rows = session.execute(select(ranked.c.who, func.avg(ranked.c.days)).where(middle).group_by(ranked.c.who))
    return {str(w): round(float(d), 1) for w, d in rows if d is not None}


def _coverage(
    session: Session, out: dict[str, Figures], ids: list[str], at: datetime, playbook: Playbook, team_id: str
) -> None:
    """Per owner and tier: accounts they own now, and how many had an activity within the tier's
    cadence before ``at`` (the end of the period, or now while it runs)."""
    since = {tier: at - parse_cadence(c.rrule).every for tier, c in playbook.tier_cadence.items()}
    if not since:
        return
    earliest = min(since.values())
    owned = select(Account.id).where(Account.team_id == team_id, Account.owner_id.in_(ids))
    last = (
        select(Activity.account_id, func.max(Activity.occurred_at).label("last"))
        .where(
            Activity.account_id.in_(owned),
            Activity.occurred_at >= earliest,
            Activity.occurred_at < at,
            Activity.undone_at.is_(None),
            Activity.type != NOSHOW,
        )
        .group_by(Activity.account_id)
        .subquery()
    )
    window_start = case(*((Account.tier == t, _at(s)) for t, s in since.items()), else_=_at(at))
    touched = func.sum(case((last.c.last >= window_start, 1), else_=0))
    rows = session.execute(
        select(Account.owner_id, Account.tier, func.count(Account.id), touched)
        .select_from(Account)
        .outerjoin(last, last.c.account_id == Account.id)
        .where(Account.team_id == team_id, Account.owner_id.in_(ids), Account.tier.in_(list(since)))
        .group_by(Account.owner_id, Account.tier)
    )
    for who, tier, accounts, touched_count in rows:
        out[who].coverage[tier] = (int(touched_count or 0), int(accounts))


def tier_activity(
    session: Session,
    people: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    team_id: str = LOCAL_TEAM,
) -> dict[str, dict[str, int]]:
    """owner → ``<tier>_<activity type>s`` → activities (by anyone) in the period on the accounts of
    that tier they own now: what the coverage targets are compared with."""
    ids = list(dict.fromkeys(people))
    out: dict[str, dict[str, int]] = {p: {} for p in ids}
    if not ids:
        return out
    rows = session.execute(
        select(Account.owner_id, Account.tier, Activity.type, func.count())
        .select_from(Activity)
        .join(Account, Account.id == Activity.account_id)
        .where(
            Account.team_id == team_id,
            Account.owner_id.in_(ids),
            Account.tier.is_not(None),
            Activity.occurred_at >= start,
            Activity.occurred_at < end,
            Activity.undone_at.is_(None),
        )
        .group_by(Account.owner_id, Account.tier, Activity.type)
    )
    for who, tier, kind, count in rows:
        out[who][f"{tier}_{plural(kind)}"] = int(count)
    return out


# -- what /stats, the digest and the export show ---------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One figure as shown: beside its target (pro rata over the period) and the previous period."""

    section: str  # inputs | outputs
    metric: str
    label: str
    actual: float | None
    target: float | None = None
    previous: float | None = None
    kind: str = "count"  # count | money | share | days
    detail: str = ""


def report_lines(
    fig: Figures,
    prev: Figures,
    targets: dict[str, TargetSpec],
    coverage: list[CoverageTarget],
    period: Period,
    playbook: Playbook,
) -> list[Line]:
    def target(metric: str) -> float | None:
        spec = targets.get(metric)
        return pro_rata(spec.amount, spec.per, period) if spec else None

    def count(section: str, metric: str, label: str, kind: str = "count", detail: str = "") -> Line:
        return Line(section, metric, label, fig.get(metric), target(metric), prev.get(metric), kind, detail)

    lines = [
        count("inputs", plural(t), plural(playbook.label(t)))
        for t in playbook.activity_types
        if fig.get(plural(t)) or prev.get(plural(t)) or plural(t) in targets
    ]
    for tier in playbook.tier_cadence:
        touched, accounts = fig.coverage.get(tier, (0, 0))
        if accounts:
            label = f"{tier} accounts touched within their cadence"
            lines.append(
                Line(
                    "inputs",
                    f"coverage_{tier}",
                    label,
                    fig.coverage_share(tier),
                    None,
                    prev.coverage_share(tier),
                    "share",
                    f"{touched} of {accounts}",
                )
            )
    for ct in coverage:
        lines.append(
            Line(
                "inputs",
                ct.metric,
                f"{plural(playbook.label(ct.activity_type))} on {ct.tier} accounts",
                fig.get(ct.metric),
                ct.over(period),
                prev.get(ct.metric),
                detail=f"{format_amount(ct.per_account_year)} a year × {ct.accounts} account{'s' if ct.accounts != 1 else ''}",
            )
        )
    lines += [
        count("inputs", "followups_on_time", "follow-ups done on time"),
        count("inputs", "followups_late", "follow-ups done late"),
        count("inputs", "followups_open", "follow-ups still open"),
        count(
            "inputs",
            "visits_done",
            "planned visits done",
            detail=f"of {format_amount(fig.get('visits_planned'))} planned",
        ),
        count("inputs", "noshows", "no-shows"),
        count(
            "inputs",
            "noshows_rebooked",
            f"no-shows rebooked within {REBOOK_DAYS} days",
            detail=_share_text(fig.get("noshows_rebooked"), fig.get("noshows")),
        ),
        count("outputs", "opportunities", "opportunities created"),
        count("outputs", "won", "opportunities won"),
        count(
            "outputs",
            "lost",
            "opportunities lost",
            detail=", ".join(
                f"{r} {n}" for r, n in sorted(fig.lost_reasons.items(), key=lambda x: (-x[1], x[0]))
            ),
        ),
        Line("outputs", "win_rate", "win rate", fig.win_rate, None, prev.win_rate, "share"),
        count("outputs", "won_mrr", "MRR won", "money"),
        count("outputs", "expansion_mrr", "expansion MRR won (upsell + cross-sell)", "money"),
        count("outputs", "renewals_won", "renewals won"),
        count("outputs", "signals", "signals flagged"),
        count(
            "outputs",
            "signals_to_opportunity",
            "signals → opportunity",
            detail=_share_text(fig.get("signals_to_opportunity"), fig.get("signals")),
        ),
        count(
            "outputs",
            "signals_won",
            "signals → opportunity won",
            detail=_share_text(fig.get("signals_won"), fig.get("signals")),
        ),
        Line(
            "outputs",
            "days_to_opportunity",
            "median days from signal to opportunity",
            fig.median_days_to_opportunity,
            None,
            prev.median_days_to_opportunity,
            "days",
        ),
    ]
    return lines


def _share_text(part: float, whole: float) -> str:
    return f"{round(100 * part / whole)} %" if whole else ""


@dataclass
class TeamReport:
    """A team over one period: the totals against the team's targets, and each member's lines."""

    manager_id: str
    members: list[str]
    period: Period
    total: list[Line]
    by_member: dict[str, list[Line]]
    figures: dict[str, Figures]  # this period, per member
    previous: dict[str, Figures]


def reports(
    session: Session,
    people: Sequence[str],
    period: Period,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str = LOCAL_TEAM,
) -> tuple[dict[str, list[Line]], dict[str, Figures], dict[str, Figures]]:
    """Each person's lines (against their own targets and the coverage their accounts imply), with
    the figures behind them: a fixed number of GROUP BY queries whatever the number of people."""
    ids = list(dict.fromkeys(people))
    figs = compute(session, ids, period.start, period.end, now=now, playbook=playbook, team_id=team_id)
    prev_period = period.previous()
    prev = compute(
        session, ids, prev_period.start, prev_period.end, now=now, playbook=playbook, team_id=team_id
    )
    plans = targets_of(session, REP, ids, team_id=team_id)
    tiers = accounts_by_tier(session, ids, team_id=team_id)
    lines = {
        p: report_lines(figs[p], prev[p], plans[p], coverage_targets(playbook, tiers[p]), period, playbook)
        for p in ids
    }
    return lines, figs, prev


def team_report(
    session: Session,
    manager_id: str,
    members: Sequence[str],
    period: Period,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str = LOCAL_TEAM,
) -> TeamReport:
    by_member, figs, prev = reports(session, members, period, now=now, playbook=playbook, team_id=team_id)
    total = team_total(session, figs, period.start, period.end, team_id=team_id)
    prev_period = period.previous()
    prev_total = team_total(session, prev, prev_period.start, prev_period.end, team_id=team_id)
    team_plan = targets_of(session, TEAM_SCOPE, [manager_id], team_id=team_id)[manager_id]
    tiers: dict[str, int] = {}
    for counts in accounts_by_tier(session, members, team_id=team_id).values():
        for tier, n in counts.items():
            tiers[tier] = tiers.get(tier, 0) + n
    total_lines = report_lines(
        total, prev_total, team_plan, coverage_targets(playbook, tiers), period, playbook
    )
    return TeamReport(manager_id, list(members), period, total_lines, by_member, figs, prev)


# -- trying a plan on a past period ----------------------------------------------------------------
SIMULATION_LOW, SIMULATION_HIGH = 0.70, 0.95


@dataclass
class Simulation:
    """Who would have met a plan in a past period, from what really happened then. Changes nothing."""

    period: Period
    specs: list[TargetSpec]
    reps: list[str]
    targets: dict[str, float]  # metric → target over the period (pro rata)
    actual: dict[str, dict[str, float]]  # rep → metric → actual

    def met(self, rep: str, metric: str) -> bool:
        return self.actual[rep].get(metric, 0.0) >= self.targets[metric] - 1e-9

    def met_all(self, rep: str) -> bool:
        return all(self.met(rep, s.metric) for s in self.specs)

    def count_met(self, metric: str) -> int:
        return sum(1 for r in self.reps if self.met(r, metric))

    @property
    def plan_met(self) -> int:
        return sum(1 for r in self.reps if self.met_all(r))

    @property
    def share(self) -> float:
        return self.plan_met / len(self.reps) if self.reps else 0.0

    @property
    def verdict(self) -> str:
        """``too hard`` (fewer than 70 % would have met it), ``too easy`` (more than 95 %), or ``ok``."""
        if self.share < SIMULATION_LOW:
            return "too hard"
        if self.share > SIMULATION_HIGH:
            return "too easy"
        return "ok"


def simulate(
    session: Session,
    reps: Sequence[str],
    specs: list[TargetSpec],
    period: Period,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str = LOCAL_TEAM,
) -> Simulation:
    figs = compute(session, reps, period.start, period.end, now=now, playbook=playbook, team_id=team_id)
    return Simulation(
        period,
        specs,
        list(reps),
        {s.metric: pro_rata(s.amount, s.per, period) for s in specs},
        {r: {s.metric: figs[r].get(s.metric) for s in specs} for r in reps},
    )
