"""``python -m bench [--quick] [--only commands,delivery,startup] [--out docs/BENCHMARKS.md]``"""

from __future__ import annotations

import argparse
import math
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import commands, delivery, imports, passes, startup
from bench.common import Pair, machine, median

KEEP = "<!-- Sections below are written by hand or by other scripts; python -m bench keeps them. -->"
SUITES = {
    "commands": commands.run,
    "delivery": delivery.run,
    "imports": imports.run_imports,
    "enqueue": imports.run_enqueue,
    "planning": passes.run,
    "scheduling": imports.run_scheduling,
    "startup": startup.run,
}


def fmt(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def report(results: dict[str, tuple[list[Pair], list[str]]], quick: bool, seconds: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench" + (" --quick" if quick else "") + "` (see the README). Every figure is "
        "measured beside its floor in the same run, interleaved (ours, floor, ours, floor …); the "
        "table gives medians. The machine is shared, so absolute figures move between runs; the "
        "ratios are what to compare.",
        "",
        f"- Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds:.0f} s" + (", quick sizes" if quick else ""),
        *[f"- {line}" for line in machine()],
        "",
    ]
    for suite, (pairs, notes) in results.items():
        lines += [
            f"## {suite.capitalize()}",
            "",
            "| figure | salesbot | floor | ratio | goal |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for pair in pairs:
            lines.append(
                f"| {pair.name} ({pair.unit}) | {fmt(median(pair.ours))} | {fmt(median(pair.floor))} "
                f"| {fmt(pair.ratio)}× | {pair.goal} |"
            )
        lines.append("")
        lines += [f"- {note}" for note in notes]
        lines.append("")
    lines.append((Path(__file__).parent / "NOTES.md").read_text(encoding="utf-8"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="salesbot's benchmarks, each beside its floor")
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute")
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated: " + ", ".join(SUITES))
    parser.add_argument("--out", default="docs/BENCHMARKS.md", help="where to write the report")
    args = parser.parse_args()
    began = time.perf_counter()
    results = {}
    for name in args.only.split(","):
        print(f"{name} …", flush=True)
        started = time.perf_counter()
        results[name] = SUITES[name](args.quick)
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
        for pair in results[name][0]:
            print(f"  {pair.name}: {fmt(median(pair.ours))} vs {fmt(median(pair.floor))} {pair.unit}")
    text = report(results, args.quick, time.perf_counter() - began)
    out = Path(args.out)
    kept = out.read_text(encoding="utf-8").partition(KEEP)[2] if out.exists() else ""
    if kept:  # sections other scripts (or people) wrote below the marker stay
        text = text.rstrip("\n") + "\n\n" + KEEP + kept
    out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
