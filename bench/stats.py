"""Time the manager features on a big workspace, against a hand-written SQL floor.

    python -m bench.stats [--accounts 100000] [--activities 1000000] [--followups 200000]
                            [--opportunities 20000] [--reps 200] [--teams 20] [--pairs 3]
                            [--charts] [--database-url URL]

Builds (seeded, with a realistic skew: a few reps own and do much more than others, a few accounts
get most of the activity, more activity lately than two years ago) the accounts, activities,
no-shows, follow-ups, visits, opportunities and signals of ``--reps`` reps in ``--teams`` teams
across time zones, each with targets, in bulk (one ``executemany`` per table on SQLite, ``COPY`` on
PostgreSQL), on a fresh SQLite database or the PostgreSQL database ``--database-url`` names (its
salesbot tables are dropped first). Then times:

* ``/stats team quarter`` for the busiest team (the figures and the Block Kit reply),
* the whole weekly digest: every team's digest (figures, text, chart data) and every rep's
  personal summary, as the dispatcher renders them when they are due together (batches of 200,
  one read-only unit of work each, the batch's figures computed first: ``digest.prepare``),
* ``salesbot export stats`` for every team over the quarter,

each beside *the floor*: one hand-written SQL statement giving, for the same people, period and
previous period, every per-rep figure the feature shows (activities by type, coverage of each
tier, follow-ups, visits, no-shows and rebookings, opportunities, wins, losses and their reasons,
MRR, renewals, signals and their conversion, the median days from signal to opportunity, and the
activities on each tier's accounts). The script checks that the floor's figures and the feature's
are the same before it times anything. Ours and the floor run interleaved (ours, floor, ours,
floor …) and the medians are compared. Peak memory: Python's allocations during one run of each
step (tracemalloc), and the timing process's peak resident size (the data is built in a child
process, so its lists don't count).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, bindparam, insert, text

from bot.blocks.digest import summary_blocks, team_digest_blocks
from bot.blocks.stats import team_blocks
from bot.charts import digest as chart
from bot.domain import digest, stats
from bot.domain.cadence import parse_cadence
from bot.domain.periods import Period, containing
from bot.domain.targets import plural
from bot.playbook import Playbook, load_playbook
from bot.stats_export import export_stats
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.models import (
    LOCAL_TEAM,
    Base,
    Target,
    TeamMember,
    UserProfile,
    UTCDateTime,
)

ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
    "America/Los_Angeles",
    "UTC",
]
TYPES = ["call", "email", "meeting", "video", "demo", "visit", "note", "noshow"]
TYPE_WEIGHTS = [30, 20, 10, 5, 5, 8, 10, 1]
STAGES = ["qualified", "discovery", "proposal", "negotiation"]
KINDS = ["new", "upsell", "cross-sell", "renewal"]
REASONS = ["price", "timing", "competitor", " Price ", None]
NOW = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)  # Monday: 08:30 in New York
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = (NOW - START).total_seconds()
CHUNK = 200_000
BATCH = 200  # reminders the dispatcher renders together (Dispatcher batch_size)
TEAM, REP = "team", "rep"


# -- building the data -----------------------------------------------------------------------------
def _when(rng: random.Random) -> datetime:
    # More recent activity than old (a growing team): the square root skews towards now.
    return START + timedelta(seconds=SPAN * rng.random() ** 0.5)


def _bulk(engine: Engine, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert plain tuples at the driver's speed: COPY on PostgreSQL, one executemany on SQLite
    (timestamps as SQLAlchemy stores them there: UTC text with microseconds)."""
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        cur = conn.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (tuple(_sqlite(v) for v in row) for row in rows),
            )
        conn.commit()
    finally:
        raw.close()


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
    return value


def build(url: str, args: argparse.Namespace) -> None:
    """Fill the database (run in a child process: nothing it holds counts in the timing process)."""
    engine = make_engine(url)
    rng = random.Random(7)
    reps, managers, teams = people(args)
    created = datetime(2024, 6, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(UserProfile),
            [
                {"team_id": LOCAL_TEAM, "user_id": u, "display_name": u.lower(), "tz": rng.choice(ZONES),
                 "tz_checked_at": NOW, "nudges_off": []}
                for u in reps + managers
            ],
        )  # fmt: skip
        conn.execute(
            insert(TeamMember),
            [{"team_id": LOCAL_TEAM, "member_id": r, "manager_id": m, "created_at": created}
             for m, rs in teams.items() for r in rs],
        )  # fmt: skip
        conn.execute(
            insert(Target),
            [
                {"team_id": LOCAL_TEAM, "scope": "rep", "subject_id": r, "metric": metric, "amount": amount,
                 "per": per, "set_by": "UM0000", "updated_at": created}
                for r in reps
                for metric, amount, per in (("calls", 20, "week"), ("meetings", 4, "week"),
                                            ("won_mrr", 5000, "quarter"), ("opportunities", 3, "month"))
            ] + [
                {"team_id": LOCAL_TEAM, "scope": "team", "subject_id": m, "metric": "calls", "amount": 150,
                 "per": "week", "set_by": "UM0000", "updated_at": created}
                for m in managers
            ],
        )  # fmt: skip
    weights = [1 / (i + 1) ** 0.8 for i in range(args.reps)]  # a few reps own and do much more
    owners = rng.choices(reps, weights, k=args.accounts)
    tiers = rng.choices(["gold", "silver", "bronze", None], [1, 3, 6, 4], k=args.accounts)
    _bulk(
        engine,
        "accounts",
        ("id", "team_id", "name", "name_key", "search_key", "status", "tier", "tags", "owner_id",
         "created_at", "updated_at"),
        ((i + 1, LOCAL_TEAM, f"Account {i}", f"account {i}", f"account {i}", "customer", tiers[i], "[]",
          owners[i], created, created) for i in range(args.accounts)),
    )  # fmt: skip
    print(f"  {args.accounts:,} accounts", flush=True)

    def account() -> int:
        return int(args.accounts * rng.random() ** 1.5)  # a few accounts get most of the activity

    for start in range(0, args.activities, CHUNK):
        n = min(CHUNK, args.activities - start)
        kinds = rng.choices(TYPES, TYPE_WEIGHTS, k=n)
        rows = []
        for k in range(n):
            a = account()
            when = _when(rng)
            doer = owners[a] if rng.random() < 0.9 else rng.choice(reps)
            undone = when if rng.random() < 0.01 else None
            rows.append(
                (
                    start + k + 1,
                    a + 1,
                    kinds[k],
                    doer,
                    when,
                    "",
                    "command",
                    when,
                    undone,
                )
            )
        _bulk(
            engine,
            "activities",
            (
                "id",
                "account_id",
                "type",
                "user_id",
                "occurred_at",
                "notes",
                "source",
                "created_at",
                "undone_at",
            ),
            rows,
        )
        print(f"  {start + n:,} activities", flush=True)
    rows = []
    for i in range(args.followups):
        a = account()
        due = _when(rng)
        status = rng.choices(["done", "open", "cancelled"], [8, 1, 1])[0]
        done = due + timedelta(hours=rng.uniform(-48, 96)) if status == "done" else None
        rows.append(
            ("followup" if i % 5 else "visit", a + 1, "follow-up", owners[a], due, False, status,
             due - timedelta(days=3), done)
        )  # fmt: skip
    _bulk(
        engine,
        "tasks",
        (
            "kind",
            "account_id",
            "title",
            "assignee_id",
            "due_at",
            "all_day",
            "status",
            "created_at",
            "completed_at",
        ),
        rows,
    )
    print(f"  {args.followups:,} follow-ups and visits", flush=True)
    opps, signals = [], []
    for i in range(args.opportunities):
        a = account()
        opened = _when(rng)
        status = rng.choices(["open", "won", "lost"], [3, 2, 2])[0]
        closed = min(NOW, opened + timedelta(days=rng.uniform(5, 90))) if status != "open" else None
        reason = rng.choice(REASONS) if status == "lost" else None
        opps.append(
            (i + 1, a + 1, rng.choice(KINDS), "deal", rng.randrange(100, 5000), rng.choice(STAGES), status,
             owners[a], opened, closed, reason)
        )  # fmt: skip
        if rng.random() < 0.5:
            flagged = opened - timedelta(days=rng.uniform(0, 20))
            signals.append((a + 1, "upsell", 30, "", owners[a], "acted", i + 1, flagged))
    for _ in range(args.opportunities):
        signals.append(
            (
                account() + 1,
                "upsell",
                30,
                "",
                rng.choice(reps),
                "open",
                None,
                _when(rng),
            )
        )
    _bulk(
        engine,
        "opportunities",
        ("id", "account_id", "kind", "title", "mrr", "stage", "status", "owner_id", "created_at", "closed_at",
         "lost_reason"),
        opps,
    )  # fmt: skip
    _bulk(
        engine,
        "signals",
        (
            "account_id",
            "kind",
            "points",
            "quote",
            "flagged_by",
            "status",
            "opportunity_id",
            "created_at",
        ),
        signals,
    )
    print(f"  {args.opportunities:,} opportunities, {len(signals):,} signals", flush=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    engine.dispose()


def people(
    args: argparse.Namespace,
) -> tuple[list[str], list[str], dict[str, list[str]]]:
    reps = [f"U{n:05d}" for n in range(args.reps)]
    managers = [f"UM{n:04d}" for n in range(args.teams)]
    return reps, managers, {m: reps[i :: args.teams] for i, m in enumerate(managers)}


# -- the floor: one hand-written statement, every per-rep figure ----------------------------------
FLOOR = """
WITH act AS (
  SELECT user_id AS who, type, SUM(CASE WHEN {in0} THEN 1 ELSE 0 END) AS v0,
         SUM(CASE WHEN {in1} THEN 1 ELSE 0 END) AS v1
  FROM activities a
  WHERE user_id IN :people AND occurred_at >= :lo AND occurred_at < :hi AND undone_at IS NULL
    AND type <> 'noshow'
  GROUP BY user_id, type
), ns AS (
  SELECT who, SUM(CASE WHEN {in0} THEN 1 ELSE 0 END) AS n0, SUM(CASE WHEN {in1} THEN 1 ELSE 0 END) AS n1,
         SUM(CASE WHEN {in0} THEN r ELSE 0 END) AS r0, SUM(CASE WHEN {in1} THEN r ELSE 0 END) AS r1
  FROM (
    SELECT a.user_id AS who, a.occurred_at,
           CASE WHEN EXISTS (
             SELECT 1 FROM activities l
             WHERE l.account_id = a.account_id AND l.type IN ('meeting', 'visit') AND l.undone_at IS NULL
               AND l.occurred_at > a.occurred_at AND {rebook_days} <= 14
           ) THEN 1 ELSE 0 END AS r
    FROM activities a
    WHERE a.user_id IN :people AND a.type = 'noshow' AND a.occurred_at >= :lo AND a.occurred_at < :hi
      AND a.undone_at IS NULL
  ) AS a
  GROUP BY who
), tk AS (
  SELECT assignee_id AS who,
    SUM(CASE WHEN {due0} AND kind = 'followup' AND status = 'done' AND completed_at <= due_at THEN 1 ELSE 0 END) AS ot0,
    SUM(CASE WHEN {due1} AND kind = 'followup' AND status = 'done' AND completed_at <= due_at THEN 1 ELSE 0 END) AS ot1,
    SUM(CASE WHEN {due0} AND kind = 'followup' AND status = 'done' AND completed_at > due_at THEN 1 ELSE 0 END) AS lt0,
    SUM(CASE WHEN {due1} AND kind = 'followup' AND status = 'done' AND completed_at > due_at THEN 1 ELSE 0 END) AS lt1,
    SUM(CASE WHEN {due0} AND kind = 'followup' AND status = 'open' THEN 1 ELSE 0 END) AS op0,
    SUM(CASE WHEN {due1} AND kind = 'followup' AND status = 'open' THEN 1 ELSE 0 END) AS op1,
    SUM(CASE WHEN {due0} AND kind = 'visit' AND status <> 'cancelled' THEN 1 ELSE 0 END) AS vp0,
    SUM(CASE WHEN {due1} AND kind = 'visit' AND status <> 'cancelled' THEN 1 ELSE 0 END) AS vp1,
    SUM(CASE WHEN {due0} AND kind = 'visit' AND status = 'done' THEN 1 ELSE 0 END) AS vd0,
    SUM(CASE WHEN {due1} AND kind = 'visit' AND status = 'done' THEN 1 ELSE 0 END) AS vd1
  FROM tasks
  WHERE assignee_id IN :people AND kind IN ('followup', 'visit') AND due_at >= :lo AND due_at < :hi
  GROUP BY assignee_id
), op AS (
  SELECT o.owner_id AS who, o.lost_reason AS reason,
    SUM(CASE WHEN {created0} THEN 1 ELSE 0 END) AS c0, SUM(CASE WHEN {created1} THEN 1 ELSE 0 END) AS c1,
    SUM(CASE WHEN o.status = 'won' AND {closed0} THEN 1 ELSE 0 END) AS w0,
    SUM(CASE WHEN o.status = 'won' AND {closed1} THEN 1 ELSE 0 END) AS w1,
    SUM(CASE WHEN o.status = 'lost' AND {closed0} THEN 1 ELSE 0 END) AS l0,
    SUM(CASE WHEN o.status = 'lost' AND {closed1} THEN 1 ELSE 0 END) AS l1,
    SUM(CASE WHEN o.status = 'won' AND {closed0} THEN o.mrr ELSE 0 END) AS m0,
    SUM(CASE WHEN o.status = 'won' AND {closed1} THEN o.mrr ELSE 0 END) AS m1,
    SUM(CASE WHEN o.status = 'won' AND {closed0} AND o.kind IN ('upsell', 'cross-sell') THEN o.mrr ELSE 0 END) AS x0,
    SUM(CASE WHEN o.status = 'won' AND {closed1} AND o.kind IN ('upsell', 'cross-sell') THEN o.mrr ELSE 0 END) AS x1,
    SUM(CASE WHEN o.status = 'won' AND {closed0} AND o.kind = 'renewal' THEN 1 ELSE 0 END) AS rn0,
    SUM(CASE WHEN o.status = 'won' AND {closed1} AND o.kind = 'renewal' THEN 1 ELSE 0 END) AS rn1
  FROM opportunities o JOIN accounts ac ON ac.id = o.account_id AND ac.team_id = :team
  WHERE o.owner_id IN :people
    AND ((o.created_at >= :lo AND o.created_at < :hi)
         OR (o.status IN ('won', 'lost') AND o.closed_at >= :lo AND o.closed_at < :hi))
  GROUP BY o.owner_id, o.lost_reason
), sg AS (
  SELECT ac.owner_id AS who,
    SUM(CASE WHEN {sig0} THEN 1 ELSE 0 END) AS s0, SUM(CASE WHEN {sig1} THEN 1 ELSE 0 END) AS s1,
    SUM(CASE WHEN {sig0} AND o.id IS NOT NULL THEN 1 ELSE 0 END) AS o0,
    SUM(CASE WHEN {sig1} AND o.id IS NOT NULL THEN 1 ELSE 0 END) AS o1,
    SUM(CASE WHEN {sig0} AND o.status = 'won' THEN 1 ELSE 0 END) AS w0,
    SUM(CASE WHEN {sig1} AND o.status = 'won' THEN 1 ELSE 0 END) AS w1
  FROM signals s JOIN accounts ac ON ac.id = s.account_id
  LEFT JOIN opportunities o ON o.id = s.opportunity_id
  WHERE ac.team_id = :team AND ac.owner_id IN :people AND s.created_at >= :lo AND s.created_at < :hi
  GROUP BY ac.owner_id
), md AS (
  SELECT k, who, AVG(days) AS d FROM (
    SELECT k, who, days, ROW_NUMBER() OVER (PARTITION BY k, who ORDER BY days) AS rn,
           COUNT(*) OVER (PARTITION BY k, who) AS n
    FROM (
      SELECT CASE WHEN {sig0} THEN 0 ELSE 1 END AS k, ac.owner_id AS who, {signal_days} AS days
      FROM signals s JOIN accounts ac ON ac.id = s.account_id JOIN opportunities o ON o.id = s.opportunity_id
      WHERE ac.team_id = :team AND ac.owner_id IN :people AND s.created_at >= :lo AND s.created_at < :hi
    ) AS d
  ) AS ranked
  WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2
  GROUP BY k, who
), last AS (
  SELECT account_id, MAX(CASE WHEN occurred_at < :at0 THEN occurred_at END) AS last0,
         MAX(CASE WHEN occurred_at < :at1 THEN occurred_at END) AS last1
  FROM activities
  WHERE account_id IN (SELECT id FROM accounts WHERE team_id = :team AND owner_id IN :people)
    AND occurred_at >= :cov_lo AND occurred_at < :cov_hi AND undone_at IS NULL AND type <> 'noshow'
  GROUP BY account_id
), cov AS (
  SELECT ac.owner_id AS who, ac.tier, COUNT(ac.id) AS n,
    SUM(CASE WHEN last.last0 >= {since0} THEN 1 ELSE 0 END) AS t0,
    SUM(CASE WHEN last.last1 >= {since1} THEN 1 ELSE 0 END) AS t1
  FROM accounts ac LEFT JOIN last ON last.account_id = ac.id
  WHERE ac.team_id = :team AND ac.owner_id IN :people AND ac.tier IN ({cadence_tiers})
  GROUP BY ac.owner_id, ac.tier
), ta AS (
  SELECT ac.owner_id AS who, ac.tier, a.type, SUM(CASE WHEN {in0} THEN 1 ELSE 0 END) AS v0,
         SUM(CASE WHEN {in1} THEN 1 ELSE 0 END) AS v1
  FROM activities a JOIN accounts ac ON ac.id = a.account_id
  WHERE ac.team_id = :team AND ac.owner_id IN :people AND ac.tier IS NOT NULL
    AND a.occurred_at >= :lo AND a.occurred_at < :hi AND a.undone_at IS NULL
  GROUP BY ac.owner_id, ac.tier, a.type
)
SELECT who, 'type:' || type AS metric, v0, v1 FROM act
UNION ALL SELECT who, 'noshows', n0, n1 FROM ns
UNION ALL SELECT who, 'noshows_rebooked', (r0), (r1) FROM ns
UNION ALL SELECT who, 'followups_on_time', (ot0), (ot1) FROM tk
UNION ALL SELECT who, 'followups_late', (lt0), (lt1) FROM tk
UNION ALL SELECT who, 'followups_open', (op0), (op1) FROM tk
UNION ALL SELECT who, 'visits_planned', (vp0), (vp1) FROM tk
UNION ALL SELECT who, 'visits_done', (vd0), (vd1) FROM tk
UNION ALL SELECT who, 'opportunities', (c0), (c1) FROM op
UNION ALL SELECT who, 'won', (w0), (w1) FROM op
UNION ALL SELECT who, 'lost', (l0), (l1) FROM op
UNION ALL SELECT who, 'won_mrr', (m0), (m1) FROM op
UNION ALL SELECT who, 'expansion_mrr', (x0), (x1) FROM op
UNION ALL SELECT who, 'renewals_won', (rn0), (rn1) FROM op
UNION ALL SELECT who, 'lost_reason:' || COALESCE(reason, ''), (l0), (l1) FROM op
UNION ALL SELECT who, 'signals', (s0), (s1) FROM sg
UNION ALL SELECT who, 'signals_to_opportunity', (o0), (o1) FROM sg
UNION ALL SELECT who, 'signals_won', (w0), (w1) FROM sg
UNION ALL SELECT who, 'median', CASE WHEN k = 0 THEN (d) END, CASE WHEN k = 1 THEN (d) END FROM md
UNION ALL SELECT who, 'coverage:' || tier, (t0), (t1) FROM cov
UNION ALL SELECT who, 'accounts:' || tier, (n), (n) FROM cov
UNION ALL SELECT who, 'tier:' || tier || ':' || type, (v0), (v1) FROM ta
"""


def _days(dialect: str, later: str, earlier: str) -> str:
    if dialect == "sqlite":
        return f"(julianday({later}) - julianday({earlier}))"
    return f"(EXTRACT(EPOCH FROM {later} - {earlier}) / 86400.0)"


def floor_statement(dialect: str, playbook: Playbook) -> Any:
    every = {t: parse_cadence(c.rrule).every for t, c in playbook.tier_cadence.items()}

    def since(k: int) -> str:
        whens = " ".join(f"WHEN ac.tier = '{t}' THEN :since{k}_{t}" for t in every)
        return f"CASE {whens} ELSE :at{k} END"

    sql = FLOOR.format(
        **{f"in{k}": f"occurred_at >= :s{k} AND occurred_at < :e{k}" for k in (0, 1)},
        **{f"due{k}": f"due_at >= :s{k} AND due_at < :e{k}" for k in (0, 1)},
        **{f"created{k}": f"o.created_at >= :s{k} AND o.created_at < :e{k}" for k in (0, 1)},
        **{f"closed{k}": f"o.closed_at >= :s{k} AND o.closed_at < :e{k}" for k in (0, 1)},
        **{f"sig{k}": f"s.created_at >= :s{k} AND s.created_at < :e{k}" for k in (0, 1)},
        since0=since(0),
        since1=since(1),
        cadence_tiers=", ".join(f"'{t}'" for t in every),
        rebook_days=_days(dialect, "l.occurred_at", "a.occurred_at"),
        signal_days=_days(dialect, "o.created_at", "s.created_at"),
    )
    stamps = ["s0", "e0", "s1", "e1", "lo", "hi", "at0", "at1", "cov_lo", "cov_hi"]
    stamps += [f"since{k}_{t}" for k in (0, 1) for t in every]
    return text(sql).bindparams(
        bindparam("people", expanding=True),
        *(bindparam(s, type_=UTCDateTime()) for s in stamps),
    )


def floor_params(
    people: Sequence[str], windows: Sequence[Period], now: datetime, playbook: Playbook
) -> dict[str, Any]:
    every = {t: parse_cadence(c.rrule).every for t, c in playbook.tier_cadence.items()}
    ats = [min(p.end, now) for p in windows]
    params: dict[str, Any] = {"people": list(people), "team": LOCAL_TEAM}
    for k, p in enumerate(windows):
        params |= {f"s{k}": p.start, f"e{k}": p.end, f"at{k}": ats[k]}
        params |= {f"since{k}_{t}": ats[k] - e for t, e in every.items()}
    params |= {"lo": min(p.start for p in windows), "hi": max(p.end for p in windows)}
    params |= {
        "cov_lo": min(at - e for at in ats for e in every.values()),
        "cov_hi": max(ats),
    }
    return params


def floor_figures(rows: Iterable[Any], people: Sequence[str]) -> list[dict[str, stats.Figures]]:
    """The floor's rows as the feature's Figures, to check that both say the same."""
    out = [{p: stats.Figures() for p in people} for _ in range(2)]
    accounts: dict[tuple[str, str], int] = {}
    for who, metric, *values in rows:
        for k, value in enumerate(values):
            fig = out[k][who]
            if metric == "median":
                if value is not None:
                    fig.median_days_to_opportunity = round(float(value), 1)
            elif metric.startswith("type:"):
                fig.add(plural(metric[5:]), value)
            elif metric.startswith("tier:"):
                _, tier, kind = metric.split(":")
                fig.add(f"{tier}_{plural(kind)}", value)
            elif metric.startswith("lost_reason:"):
                if value:
                    key = metric[12:].strip().lower() or "no reason given"
                    fig.lost_reasons[key] = fig.lost_reasons.get(key, 0) + int(value)
            elif metric.startswith("coverage:"):
                fig.coverage[metric[9:]] = (
                    int(value or 0),
                    fig.coverage.get(metric[9:], (0, 0))[1],
                )
            elif metric.startswith("accounts:"):
                accounts[(who, metric[9:])] = int(value)
            else:
                fig.add(metric, value)
    for figs in out:
        for who, fig in figs.items():
            for tier, (touched, _) in list(fig.coverage.items()):
                fig.coverage[tier] = (touched, accounts[(who, tier)])
    return out


def same(ours: dict[str, stats.Figures], floor: dict[str, stats.Figures]) -> list[str]:
    """The differences between two sets of per-person figures (none, when both count the same)."""
    diffs = []
    for who, fig in ours.items():
        other = floor[who]
        mine = {m: v for m, v in fig.values.items() if v}
        theirs = {m: v for m, v in other.values.items() if v}
        for what, a, b in (
            ("values", mine, theirs),
            ("coverage", fig.coverage, other.coverage),
            ("lost reasons", fig.lost_reasons, other.lost_reasons),
            (
                "median",
                fig.median_days_to_opportunity,
                other.median_days_to_opportunity,
            ),
        ):
            if a != b:
                diffs.append(f"{who} {what}: {a} ≠ {b}")
    return diffs


# -- timing ----------------------------------------------------------------------------------------
def interleaved(ours: Callable[[], Any], floor: Callable[[], Any], pairs: int) -> tuple[float, float]:
    """Medians (seconds) of ``pairs`` runs of each, alternating: the shared machine's load falls on both."""
    a, b = [], []
    for _ in range(pairs):
        for fn, times in ((ours, a), (floor, b)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.reuse:  # built by an earlier run with the same sizes: measure only
            measure(make_engine(url), args)
            return
        engine = make_engine(url)
        dialect = engine.dialect.name
        if args.database_url:  # PostgreSQL, or a SQLite file to keep for --reuse
            with engine.begin() as conn:
                Base.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(engine)
        engine.dispose()
        print(f"{dialect}: building …", flush=True)
        started = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(target=build, args=(url, args))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit(f"building the data failed ({child.exitcode})")
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        measure(make_engine(url), args)


def measure(engine: Engine, args: argparse.Namespace) -> None:
    dialect = engine.dialect.name
    reps, _, teams = people(args)
    playbook = load_playbook()
    factory = make_session_factory(engine)
    manager = next(iter(teams))  # the busiest team: it has the rep who owns the most
    members = teams[manager]
    tz = ZoneInfo("America/New_York")
    quarter = containing("quarter", NOW.astimezone(tz).date(), tz)
    week = Period("week", date(2026, 11, 23), tz)
    utc_quarter = containing("quarter", NOW.date(), ZoneInfo("UTC"))
    statement = floor_statement(dialect, playbook)

    def floor(who: Sequence[str], period: Period) -> list[Any]:
        with engine.connect() as conn:
            params = floor_params(who, [period, period.previous()], NOW, playbook)
            return conn.execute(statement, params).all()

    def check(
        who: Sequence[str],
        period: Period,
        figs: dict[str, stats.Figures],
        prev: dict[str, stats.Figures],
    ) -> None:
        expected = floor_figures(floor(who, period), who)
        diffs = same(figs, expected[0]) + same(prev, expected[1])
        if diffs:
            raise SystemExit("the floor and the feature disagree:\n" + "\n".join(diffs[:20]))

    def stats_team() -> stats.TeamReport:
        with unit_of_work(factory, read_only=True) as session:
            report = stats.team_report(session, manager, members, quarter, now=NOW, playbook=playbook)
            team_blocks(report, now=NOW)
            return report

    def weekly_digest() -> list[digest.TeamDigest]:
        """As the dispatcher renders them when they are due together: batches of 200 reminders, each in
        one read-only unit of work whose figures are computed first for all of it (digest.prepare)."""
        found = []
        due = [(TEAM, boss) for boss in teams] + [(REP, rep) for rep in reps]
        for i in range(0, len(due), BATCH):
            batch = due[i : i + BATCH]
            with unit_of_work(factory, read_only=True) as session:
                digests = [(teams[who], week) for kind, who in batch if kind == TEAM]
                summaries = [(who, week) for kind, who in batch if kind == REP]
                digest.prepare(session, digests, summaries, now=NOW, playbook=playbook)
                for kind, who in batch:
                    if kind == TEAM:
                        one = digest.team_digest(session, who, teams[who], week, now=NOW, playbook=playbook)
                        team_digest_blocks(one, NOW)
                        found.append(one)
                    else:
                        summary = digest.personal_summary(session, who, week, now=NOW, playbook=playbook)
                        summary_blocks(summary, NOW)
        return found

    def export() -> None:
        with unit_of_work(factory, read_only=True) as session:
            export_stats(
                session,
                io.StringIO(),
                period_text="2026-Q4",
                manager=None,
                now=NOW,
                playbook=playbook,
            )

    print("checking that the floor gives the feature's figures …", flush=True)
    report = stats_team()
    check(members, quarter, report.figures, report.previous)
    found = weekly_digest()
    check(reps, week, {p: f for d in found for p, f in d.report.figures.items()},
          {p: f for d in found for p, f in d.report.previous.items()})  # fmt: skip
    with unit_of_work(factory, read_only=True) as session:
        _, figs, prev = stats.reports(session, reps, utc_quarter, now=NOW, playbook=playbook)
    check(reps, utc_quarter, figs, prev)
    print("  the same, for every rep, metric and both periods", flush=True)

    print(f"timings (medians of {args.pairs} interleaved pairs):", flush=True)
    steps = [
        (f"`/stats team quarter` ({len(members)} reps; figures + Block Kit)", stats_team,
         lambda: floor(members, quarter), args.pairs * 2),
        (f"weekly digest: {len(teams)} team digests + {len(reps)} personal summaries", weekly_digest,
         lambda: floor(reps, week), args.pairs),
        (f"`export stats`, all {len(teams)} teams, a quarter", export, lambda: floor(reps, utc_quarter), args.pairs),
    ]  # fmt: skip
    results = []
    for label, ours, base, pairs in steps:
        t, f = interleaved(ours, base, pairs)
        peak = peak_mb(ours)
        results.append((label, t, f, peak))
        print(
            f"  {label:<62} {t * 1000:9.0f} ms  floor {f * 1000:8.0f} ms  {t / f:5.2f}×  peak {peak:6.1f} MB",
            flush=True,
        )

    def charts() -> None:
        for one in found:
            chart.render(one.chart)

    if args.charts:
        started = time.perf_counter()
        peak = peak_mb(charts)
        took = time.perf_counter() - started
        print(
            f"  the {len(found)} digest charts (matplotlib PNG): {took:.1f} s, peak {peak:.1f} MB",
            flush=True,
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident size of the timing process: {rss:.0f} MB", flush=True)
    print("\n| step | ours | floor | ratio | peak (Python) |\n| --- | ---: | ---: | ---: | ---: |")
    for label, t, f, peak in results:
        print(f"| {label} | {t * 1000:,.0f} ms | {f * 1000:,.0f} ms | {t / f:.2f}× | {peak:.1f} MB |")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--followups", type=int, default=200_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--charts", action="store_true", help="also time drawing the digest charts")
    parser.add_argument("--pairs", type=int, default=3, help="interleaved runs of ours and the floor")
    parser.add_argument(
        "--database-url",
        help="the database to use: PostgreSQL, or a SQLite file to keep (its salesbot tables are dropped first)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on --database-url as an earlier run left it (same sizes)",
    )
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
