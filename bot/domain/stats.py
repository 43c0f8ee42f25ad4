"""The numbers a manager runs the team with: inputs (activities, coverage, follow-ups, visits, no-shows)
and outputs (opportunities, wins, expansion revenue, signal conversion), per person and period.

Every figure is a SQL aggregate (GROUP BY in the database) over the people asked about, never rows
loaded into Python; a team's figure is the sum of its members' (rates and the median are computed
again on the whole). The definition of every metric is in docs/stats.md: keep the two in step.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
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
from bot.storage.models import Account, Activity, Opportunity, Signal, Task, UTCDateTime
from bot.storage.tenancy import current_team

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


Window = tuple[datetime, datetime]  # [start, end)
MEMO = "stats.memo"  # session.info: what was computed per person in this unit of work
T = TypeVar("T")


def remember(session: Session) -> None:
    """Keep what is computed per person in this unit of work (their figures for given periods, their
    targets, their accounts by tier …) for the rest of it, so that a batch of digests and summaries
    rendered together computes each person's once (``bot.domain.digest.prepare`` computes everyone's
    at the start). Only for a read-only unit of work: nothing it reads changes under it. A person's
    figures never depend on who else was asked about with them."""
    session.info.setdefault(MEMO, {})


def per_person(
    session: Session, what: Hashable, ids: Sequence[str], fetch: Callable[[list[str]], dict[str, T]]
) -> dict[str, T]:
    """``fetch(people) → person → value``, through the unit of work's memory when it has one:
    the people not yet known are fetched together, in one call."""
    memo: dict[Hashable, Any] | None = session.info.get(MEMO)
    if memo is None:
        return fetch(list(ids))
    missing = [p for p in ids if (what, p) not in memo]
    if missing:
        for p, value in fetch(missing).items():
            memo[(what, p)] = value
    return {p: memo[(what, p)] for p in ids}


def compute(
    session: Session,
    people: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str | None = None,
) -> dict[str, Figures]:
    """person → their figures over ``[start, end)``, for every person in ``people``."""
    team_id = team_id or current_team()
    return compute_windows(session, people, [(start, end)], now=now, playbook=playbook, team_id=team_id)[0]


def compute_windows(
    session: Session,
    people: Sequence[str],
    windows: Sequence[Window],
    *,
    now: datetime,
    playbook: Playbook,
    team_id: str | None = None,
) -> list[dict[str, Figures]]:
    """For each window ``[start, end)`` (a period and the one before it), person → their figures.

    Each family of figures is one GROUP BY over all the people and all the windows at once: a
    conditional sum per window (``SUM(CASE WHEN occurred_at >= :start_0 AND … THEN 1 ELSE 0 END)``),
    so the number of queries is fixed whatever the number of people and windows."""
    team_id = team_id or current_team()
    ids = list(dict.fromkeys(people))
    wins = list(windows)
    if not ids or not wins:
        return [{p: Figures() for p in ids} for _ in wins]
    what = ("figures", team_id, tuple((s, e, min(e, now)) for s, e in wins))

    def fetch(missing: list[str]) -> dict[str, list[Figures]]:
        found = _compute(session, missing, wins, now=now, playbook=playbook, team_id=team_id)
        return {p: [figs[p] for figs in found] for p in missing}

    known = per_person(session, what, ids, fetch)
    return [{p: known[p][k] for p in ids} for k in range(len(wins))]


def _compute(
    session: Session, ids: list[str], wins: list[Window], *, now: datetime, playbook: Playbook, team_id: str
) -> list[dict[str, Figures]]:
    out: list[dict[str, Figures]] = [{p: Figures() for p in ids} for _ in wins]
    _activities(session, out, ids, wins)
    _noshows(session, out, ids, wins)
    _tasks(session, out, ids, wins)
    _opportunities(session, out, ids, wins, team_id)
    _signals(session, out, ids, wins, team_id)
    for k, medians in enumerate(_medians(session, ids, wins, team_id=team_id, together=False)):
        for who, median in medians.items():
            out[k][who].median_days_to_opportunity = median
    _coverage(session, out, ids, [min(e, now) for _, e in wins], playbook, team_id)
    _tier_activity(session, out, ids, wins, team_id)
    return out


def _within(column: Any, window: Window) -> ColumnElement[bool]:
    return and_(column >= window[0], column < window[1])


def _spanning(column: Any, wins: Sequence[Window]) -> ColumnElement[bool]:
    """The rows any window may count (one range scan for all of them)."""
    return and_(column >= min(s for s, _ in wins), column < max(e for _, e in wins))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _add(figs: dict[str, Figures], who: str, metric: str, value: Any) -> None:
    if value:
        figs[who].add(metric, value)


def _activities(session: Session, out: list[dict[str, Figures]], ids: list[str], wins: list[Window]) -> None:
    rows = session.execute(
        select(Activity.user_id, Activity.type, *(_count(_within(Activity.occurred_at, w)) for w in wins))
        .where(
            Activity.user_id.in_(ids),
            _spanning(Activity.occurred_at, wins),
            Activity.undone_at.is_(None),
            Activity.type != NOSHOW,
        )
        .group_by(Activity.user_id, Activity.type)
    )
    for who, kind, *counts in rows:
        for figs, count in zip(out, counts, strict=True):
            _add(figs, who, plural(kind), count)


def _noshows(session: Session, out: list[dict[str, Figures]], ids: list[str], wins: list[Window]) -> None:
    later = aliased(Activity)
    rebooked = exists().where(
        later.account_id == Activity.account_id,
        later.type.in_(REBOOK_TYPES),
        later.undone_at.is_(None),
        later.occurred_at > Activity.occurred_at,
        _days(session, later.occurred_at, Activity.occurred_at) <= REBOOK_DAYS,
    )
    each = (
        select(Activity.user_id, Activity.occurred_at, case((rebooked, 1), else_=0).label("rebooked"))
        .where(
            Activity.user_id.in_(ids),
            Activity.type == NOSHOW,
            _spanning(Activity.occurred_at, wins),
            Activity.undone_at.is_(None),
        )
        .subquery()
    )
    sums = []
    for w in wins:
        inside = _within(each.c.occurred_at, w)
        sums += [_count(inside), func.sum(case((inside, each.c.rebooked), else_=0))]
    for who, *counts in session.execute(select(each.c.user_id, *sums).group_by(each.c.user_id)):
        for k, figs in enumerate(out):
            _add(figs, who, "noshows", counts[2 * k])
            _add(figs, who, "noshows_rebooked", counts[2 * k + 1])


TASK_METRICS = ("followups_on_time", "followups_late", "followups_open", "visits_planned", "visits_done")


def _tasks(session: Session, out: list[dict[str, Figures]], ids: list[str], wins: list[Window]) -> None:
    """Follow-ups done on time, late, still open; visits planned (not cancelled) and done: one pass."""
    done = Task.status == "done"
    followup, visit = Task.kind == "followup", and_(Task.kind == "visit", Task.status != "cancelled")
    sums = []
    for w in wins:
        inside = _within(Task.due_at, w)
        sums += [
            _count(and_(inside, followup, done, Task.completed_at <= Task.due_at)),
            _count(and_(inside, followup, done, Task.completed_at > Task.due_at)),
            _count(and_(inside, followup, Task.status == "open")),
            _count(and_(inside, visit)),
            _count(and_(inside, visit, done)),
        ]
    rows = session.execute(
        select(Task.assignee_id, *sums)
        .where(Task.kind.in_(("followup", "visit")), Task.assignee_id.in_(ids), _spanning(Task.due_at, wins))
        .group_by(Task.assignee_id)
    )
    n = len(TASK_METRICS)
    for who, *counts in rows:
        for k, figs in enumerate(out):
            for metric, count in zip(TASK_METRICS, counts[n * k : n * (k + 1)], strict=True):
                _add(figs, who, metric, count)


OPPORTUNITY_METRICS = ("opportunities", "won", "lost", "won_mrr", "expansion_mrr", "renewals_won")


def _opportunities(
    session: Session, out: list[dict[str, Figures]], ids: list[str], wins: list[Window], team_id: str
) -> None:
    """Created (by ``created_at``), won and lost (by ``closed_at``), MRR, renewals and the reasons for
    losing: one GROUP BY per owner and lost reason."""
    in_team = Opportunity.account_id.in_(select(Account.id).where(Account.team_id == team_id))
    won, lost = Opportunity.status == "won", Opportunity.status == "lost"
    mrr = Opportunity.mrr
    sums = []
    for w in wins:
        closed = _within(Opportunity.closed_at, w)
        sums += [
            _count(_within(Opportunity.created_at, w)),
            _count(and_(won, closed)),
            _count(and_(lost, closed)),
            func.sum(case((and_(won, closed), mrr), else_=0)),
            func.sum(case((and_(won, closed, Opportunity.kind.in_(EXPANSION_KINDS)), mrr), else_=0)),
            _count(and_(won, closed, Opportunity.kind == "renewal")),
        ]
    rows = session.execute(
        select(Opportunity.owner_id, Opportunity.lost_reason, *sums)
        .where(
            Opportunity.owner_id.in_(ids),
            in_team,
            or_(
                _spanning(Opportunity.created_at, wins),
                and_(Opportunity.status.in_(("won", "lost")), _spanning(Opportunity.closed_at, wins)),
            ),
        )
        .group_by(Opportunity.owner_id, Opportunity.lost_reason)
    )
    n = len(OPPORTUNITY_METRICS)
    for who, reason, *values in rows:
        for k, figs in enumerate(out):
            mine = dict(zip(OPPORTUNITY_METRICS, values[n * k : n * (k + 1)], strict=True))
            for metric, value in mine.items():
                _add(figs, who, metric, value)
            if mine["lost"]:
                key = (reason or "").strip().lower() or "no reason given"
                reasons = figs[who].lost_reasons
                reasons[key] = reasons.get(key, 0) + int(mine["lost"])


def _signals(
    session: Session, out: list[dict[str, Figures]], ids: list[str], wins: list[Window], team_id: str
) -> None:
    converted, won = Opportunity.id.is_not(None), Opportunity.status == "won"
    sums = []
    for w in wins:
        inside = _within(Signal.created_at, w)
        sums += [_count(inside), _count(and_(inside, converted)), _count(and_(inside, won))]
    rows = session.execute(
        select(Account.owner_id, *sums)
        .select_from(Signal)
        .join(Account, Account.id == Signal.account_id)
        .outerjoin(Opportunity, Opportunity.id == Signal.opportunity_id)
        .where(Account.team_id == team_id, Account.owner_id.in_(ids), _spanning(Signal.created_at, wins))
        .group_by(Account.owner_id)
    )
    for who, *counts in rows:
        for k, figs in enumerate(out):
            _add(figs, who, "signals", counts[3 * k])
            _add(figs, who, "signals_to_opportunity", counts[3 * k + 1])
            _add(figs, who, "signals_won", counts[3 * k + 2])


def median_days_to_opportunity(
    session: Session,
    people: Iterable[str],
    start: datetime,
    end: datetime,
    *,
    team_id: str | None = None,
    together: bool = False,
) -> dict[str, float]:
    """Median days from a signal (flagged in the period, on an account the person owns) to the
    opportunity made from it: per person, or (``together``) over all of them as ``TEAM``."""
    team_id = team_id or current_team()
    return _medians(session, list(people), [(start, end)], team_id=team_id, together=together)[0]


def _medians(
    session: Session, people: Sequence[str], wins: Sequence[Window], *, team_id: str, together: bool
) -> list[dict[str, float]]:
    """The medians for every window in one statement: window functions number each window's (and
    person's) rows in the database, and the middle one or two are averaged (the same on SQLite and
    PostgreSQL, which alone has ``percentile_cont``)."""
    ids = list(dict.fromkeys(people))
    out: list[dict[str, float]] = [{} for _ in wins]
    if not ids or not wins:
        return out
    days = _days(session, Opportunity.created_at, Signal.created_at)
    who = literal(TEAM) if together else Account.owner_id
    partition = None if together else [Account.owner_id]
    ranked = union_all(
        *(
            select(
                literal_column(str(k)).label("k"),
                who.label("who"),
                days.label("days"),
                func.row_number().over(partition_by=partition, order_by=days).label("rn"),
                func.count().over(partition_by=partition).label("n"),
            )
            .select_from(Signal)
            .join(Account, Account.id == Signal.account_id)
            .join(Opportunity, Opportunity.id == Signal.opportunity_id)
            .where(Account.team_id == team_id, Account.owner_id.in_(ids), _within(Signal.created_at, w))
            for k, w in enumerate(wins)
        )
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    rows = session.execute(
        select(ranked.c.k, ranked.c.who, func.avg(ranked.c.days))
        .where(middle)
        .group_by(ranked.c.k, ranked.c.who)
    )
    for k, w, d in rows:
        if d is not None:
            out[int(k)][str(w)] = round(float(d), 1)
    return out


def _coverage(
    session: Session,
    out: list[dict[str, Figures]],
    ids: list[str],
    ats: list[datetime],
    playbook: Playbook,
    team_id: str,
) -> None:
    """Per owner and tier: accounts they own now, and how many had an activity within the tier's
    cadence before each ``at`` (the end of a period, or now while it runs): each account's last
    activity before each ``at`` is one conditional ``MAX`` of one pass over its activities."""
    every = {tier: parse_cadence(c.rrule).every for tier, c in playbook.tier_cadence.items()}
    if not every:
        return
    earliest = min(at - e for at in ats for e in every.values())
    owned = select(Account.id).where(Account.team_id == team_id, Account.owner_id.in_(ids))
    last = (
        select(
            Activity.account_id,
            *(
                func.max(case((Activity.occurred_at < at, Activity.occurred_at))).label(f"last{k}")
                for k, at in enumerate(ats)
            ),
        )
        .where(
            Activity.account_id.in_(owned),
            Activity.occurred_at >= earliest,
            Activity.occurred_at < max(ats),
            Activity.undone_at.is_(None),
            Activity.type != NOSHOW,
        )
        .group_by(Activity.account_id)
        .subquery()
    )
    touched = []
    for k, at in enumerate(ats):
        since = case(*((Account.tier == t, _at(at - e)) for t, e in every.items()), else_=_at(at))
        touched.append(func.sum(case((last.c[f"last{k}"] >= since, 1), else_=0)))
    rows = session.execute(
        select(Account.owner_id, Account.tier, func.count(Account.id), *touched)
        .select_from(Account)
        .outerjoin(last, last.c.account_id == Account.id)
        .where(Account.team_id == team_id, Account.owner_id.in_(ids), Account.tier.in_(list(every)))
        .group_by(Account.owner_id, Account.tier)
    )
    for who, tier, accounts, *counts in rows:
        for figs, count in zip(out, counts, strict=True):
            figs[who].coverage[tier] = (int(count or 0), int(accounts))


def _tier_activity(
    session: Session, out: list[dict[str, Figures]], ids: list[str], wins: list[Window], team_id: str
) -> None:
    """owner → ``<tier>_<activity type>s`` → activities (by anyone) in the period on the accounts of
    that tier they own now: what the coverage targets are compared with."""
    rows = session.execute(
        select(
            Account.owner_id,
            Account.tier,
            Activity.type,
            *(_count(_within(Activity.occurred_at, w)) for w in wins),
        )
        .select_from(Activity)
        .join(Account, Account.id == Activity.account_id)
        .where(
            Account.team_id == team_id,
            Account.owner_id.in_(ids),
            Account.tier.is_not(None),
            _spanning(Activity.occurred_at, wins),
            Activity.undone_at.is_(None),
        )
        .group_by(Account.owner_id, Account.tier, Activity.type)
    )
    for who, tier, kind, *counts in rows:
        for figs, count in zip(out, counts, strict=True):
            _add(figs, who, f"{tier}_{plural(kind)}", count)


def team_totals(
    session: Session,
    figures: Sequence[dict[str, Figures]],
    windows: Sequence[Window],
    *,
    team_id: str | None = None,
) -> list[Figures]:
    """For each window, the sum of the members' figures; the median is taken again over the whole
    team (one statement for every window)."""
    team_id = team_id or current_team()
    totals = []
    for figs in figures:
        total = Figures()
        for fig in figs.values():
            for metric, value in fig.values.items():
                total.add(metric, value)
            for tier, (touched, accounts) in fig.coverage.items():
                t, a = total.coverage.get(tier, (0, 0))
                total.coverage[tier] = (t + touched, a + accounts)
            for reason, count in fig.lost_reasons.items():
                total.lost_reasons[reason] = total.lost_reasons.get(reason, 0) + count
        totals.append(total)
    members = list(dict.fromkeys(p for figs in figures for p in figs))
    for total, medians in zip(
        totals, _medians(session, members, windows, team_id=team_id, together=True), strict=True
    ):
        total.median_days_to_opportunity = medians.get(TEAM)
    return totals


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
    team_id: str | None = None,
) -> tuple[dict[str, list[Line]], dict[str, Figures], dict[str, Figures]]:
    """Each person's lines (against their own targets and the coverage their accounts imply), with
    the figures behind them: a fixed number of GROUP BY queries whatever the number of people."""
    team_id = team_id or current_team()
    ids = list(dict.fromkeys(people))
    before = period.previous()
    figs, prev = compute_windows(
        session,
        ids,
        [(period.start, period.end), (before.start, before.end)],
        now=now,
        playbook=playbook,
        team_id=team_id,
    )
    plans = per_person(
        session, ("targets", team_id), ids, lambda missing: targets_of(session, REP, missing, team_id=team_id)
    )
    tiers = per_person(
        session, ("tiers", team_id), ids, lambda missing: accounts_by_tier(session, missing, team_id=team_id)
    )
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
    team_id: str | None = None,
) -> TeamReport:
    team_id = team_id or current_team()
    by_member, figs, prev = reports(session, members, period, now=now, playbook=playbook, team_id=team_id)
    before = period.previous()
    total, prev_total = team_totals(
        session, [figs, prev], [(period.start, period.end), (before.start, before.end)], team_id=team_id
    )
    team_plan = targets_of(session, TEAM_SCOPE, [manager_id], team_id=team_id)[manager_id]
    tiers: dict[str, int] = {}
    owned = per_person(
        session,
        ("tiers", team_id),
        members,
        lambda missing: accounts_by_tier(session, missing, team_id=team_id),
    )
    for counts in owned.values():
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
    team_id: str | None = None,
) -> Simulation:
    team_id = team_id or current_team()
    figs = compute(session, reps, period.start, period.end, now=now, playbook=playbook, team_id=team_id)
    return Simulation(
        period,
        specs,
        list(reps),
        {s.metric: pro_rata(s.amount, s.per, period) for s in specs},
        {r: {s.metric: figs[r].get(s.metric) for s in specs} for r in reps},
    )
