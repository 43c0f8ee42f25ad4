"""salesbot export stats on the known world: one row per rep and metric, target beside actual."""

from __future__ import annotations

import csv
import io

from bot.cli import build_parser
from bot.settings import Settings
from bot.stats_export import HEADER, run_export_stats
from tests.helpers import FixedClock, Harness
from tests.insight.conftest import ALICE, NOW


def export(bot: Harness, **options: str) -> tuple[int, list[dict[str, str]], str]:
    engine = bot.session_factory.kw["bind"]
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    out, err = io.StringIO(), io.StringIO()
    code = run_export_stats(settings, out=out, err=err, clock=FixedClock(NOW), **options)  # type: ignore[arg-type]
    return code, list(csv.DictReader(io.StringIO(out.getvalue()))), err.getvalue()


def test_export_one_team_in_the_managers_zone(world: Harness) -> None:
    world.command("/targets", f"{ALICE} calls:1/week won_mrr:15000/quarter", user="U0MGR")
    code, rows, _ = export(world, period="2026-11", team="U0MGR")
    assert code == 0
    assert list(rows[0]) == list(HEADER)
    alice = {r["metric"]: r for r in rows if r["rep"] == "U0ALICE"}
    assert {r["rep"] for r in rows} == {"U0ALICE", "U0BOB"} and {r["manager"] for r in rows} == {"U0MGR"}
    # The same figures as /stats @alice 2026-11 read in New York.
    assert (alice["calls"]["actual"], alice["calls"]["target"], alice["calls"]["previous"]) == (
        "4",
        "4.2857",
        "2",
    )
    assert (alice["won_mrr"]["actual"], alice["won_mrr"]["target"], alice["won_mrr"]["previous"]) == (
        "5800",
        "5000",
        "0",
    )
    assert (alice["coverage_gold"]["actual"], alice["coverage_gold"]["previous"]) == ("0.75", "0.5")
    assert (alice["win_rate"]["actual"], alice["days_to_opportunity"]["actual"]) == ("0.75", "3")
    assert alice["followups_late"]["actual"] == "1" and alice["followups_late"]["target"] == ""
    assert all(r["period"] == "2026-11" for r in rows)


def test_export_every_team_in_utc_and_bad_options(world: Harness) -> None:
    code, rows, _ = export(world, period="2026-11")
    assert code == 0
    assert {r["rep"] for r in rows} == {"U0ALICE", "U0BOB", "U0KENJI", "U0CAROL"}
    kenji = {r["metric"]: r for r in rows if r["rep"] == "U0KENJI"}
    assert kenji["calls"]["actual"] == "2"  # in UTC both of Kenji's calls are in November
    code, rows, err = export(world, period="someday")
    assert code == 2 and rows == [] and "--period 'someday'" in err and "2026-Q4" in err
    code, _, err = export(world, period="2026-11", team="@nobody")
    assert code == 2 and "--team '@nobody' is not a manager" in err


def test_the_command_line() -> None:
    args = build_parser().parse_args(["export", "stats", "--period", "2026-Q4", "--team", "@dana"])
    assert (args.period, args.team) == ("2026-Q4", "@dana")
