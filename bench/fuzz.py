"""``python -m bench.fuzz [--examples 10000] [--postgres URL] [--seed N] [--minutes M]``: the long hostile-input run.

The properties of ``tests/hostile/test_fuzz.py`` (every request gets HTTP 200 and a reply, nothing
is logged at ERROR, a refused request changes no table, nothing the bot sends pings anyone) over many
more examples: every command and subcommand, every button the world shows and every registered
action with forged values, every form with hostile values and forged metadata. Prints a summary and
exits non-zero when a property broke. ``--minutes`` stops early (the summary says how many ran).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.storage.db import make_engine, upgrade
from tests.helpers import (
    ALICE,
    BOB,
    CAROL,
    TEST_CHANNELS,
    FakeSlack,
    Harness,
    fresh_postgres_schema,
    session_factory_for,
)
from tests.hostile.fuzzing import (
    COMMANDS,
    FORGED,
    HOSTILE,
    USERS,
    Outcome,
    World,
    forged_metadata,
    garbage_values,
    initial_state,
    metadata_for,
    mutated,
    registered_actions,
    state_for,
    texts,
)

SHARES = {"command": 0.5, "button": 0.3, "form": 0.2}


@contextmanager
def database(postgres: str | None) -> Iterator[Engine]:
    if postgres:
        with fresh_postgres_schema(postgres) as url:
            engine = make_engine(url)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    directory = Path(tempfile.mkdtemp(prefix="salesbot-fuzz-"))
    engine = make_engine(f"sqlite:///{directory / 'fuzz.db'}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        shutil.rmtree(directory, ignore_errors=True)


def campaign(
    examples: int, seed: int, postgres: str | None, minutes: float | None = None
) -> tuple[list[Outcome], float]:
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    stop_at = started + minutes * 60 if minutes else float("inf")
    fake = FakeSlack([ALICE, BOB, CAROL], channels=TEST_CHANNELS).start()
    try:
        with database(postgres) as engine:
            bot = Harness.create(fake, session_factory_for(engine))
            world = World(bot, engine).populate()
            # Every command and subcommand, every registered action, once each with hostile input.
            for command, subcommands in COMMANDS.items():
                for sub in subcommands:
                    outcomes.append(world.command(command, f"{sub} {HOSTILE}".strip(), "U0BOB"))
            for action_id in registered_actions(bot.app):
                for value in FORGED:
                    outcomes.append(world.forge(action_id, value, "U0BOB"))
            for view in world.views:
                for metadata in forged_metadata(view):
                    state = initial_state(view)
                    outcomes.append(world.submit(view, state, metadata, "U0ALICE", refused=True))
            budget = max(0, examples - len(outcomes))
            runs: dict[str, Callable[[Any], Outcome]] = {
                "command": lambda data: _command(world, data),
                "button": lambda data: _button(world, data),
                "form": lambda data: _form(world, data),
            }
            for kind, share in SHARES.items():
                _generate(runs[kind], round(budget * share), seed, outcomes, stop_at)
    finally:
        fake.stop()
    return outcomes, time.perf_counter() - started


def _generate(
    run: Callable[[Any], Outcome], count: int, seed: int, outcomes: list[Outcome], stop_at: float
) -> None:
    if count <= 0:
        return

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # collect every outcome; no shrinking
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def explore(data: st.DataObject) -> None:
        if time.perf_counter() > stop_at:
            return  # out of time: the remaining examples are drawn but not sent
        outcomes.append(run(data))
        if len(outcomes) % 500 == 0:
            print(f"… {len(outcomes):,} requests", file=sys.stderr, flush=True)

    seeded: Any = explore
    seeded._hypothesis_internal_use_seed = seed  # hypothesis.seed(), without a decorator per run
    explore()


def _command(world: World, data: st.DataObject) -> Outcome:
    command = data.draw(st.sampled_from(sorted(COMMANDS)))
    sub = data.draw(st.sampled_from(COMMANDS[command]))
    return world.command(command, f"{sub} {data.draw(texts())}".strip(), data.draw(st.sampled_from(USERS)))


def _button(world: World, data: st.DataObject) -> Outcome:
    element, message, block_id = data.draw(st.sampled_from(world.buttons))
    value = str(element.get("value", ""))
    forged = data.draw(st.one_of(st.just(value), mutated(value), garbage_values()))
    return world.press(element, message, block_id, forged, data.draw(st.sampled_from(USERS)))


def _form(world: World, data: st.DataObject) -> Outcome:
    view = data.draw(st.sampled_from(world.views))
    values = data.draw(state_for(view))
    return world.submit(view, values, data.draw(metadata_for(view)), data.draw(st.sampled_from(USERS)))


def summary(outcomes: list[Outcome], seconds: float, backend: str) -> tuple[str, int]:
    kinds = Counter(o.kind for o in outcomes)
    refused = Counter(o.kind for o in outcomes if o.refused)
    broken = [o for o in outcomes if o.problems()]
    lines = [
        f"salesbot fuzz on {backend}: {len(outcomes):,} requests in {seconds:,.0f} s "
        + ", ".join(f"{kinds[k]:,} {k}s ({refused[k]:,} refused)" for k in ("command", "button", "form")),
        f"distinct: {len({o.what for o in outcomes if o.kind == 'command'}):,} command texts, "
        f"{len({o.what.split('=')[0] for o in outcomes if o.kind == 'button'})} action ids, "
        f"{len({o.what for o in outcomes if o.kind == 'form'})} forms",
        f"problems: {len(broken)}",
    ]
    grouped = Counter((o.kind, o.what.split(" ")[0].split("=")[0], o.problems()[0][:160]) for o in broken)
    for (kind, what, problem), count in grouped.most_common(40):
        lines.append(f"  {count:>5} × {kind} {what}: {problem}")
    return "\n".join(lines), len(broken)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="requests in all (default 10 000)")
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh schema of this PostgreSQL server")
    parser.add_argument("--seed", type=int, default=12, help="the examples' seed (default 12)")
    parser.add_argument("--minutes", type=float, help="stop sending after this long (default: no limit)")
    args = parser.parse_args(argv)
    os.environ.setdefault("SALESBOT_WORKERS", "1")
    outcomes, seconds = campaign(args.examples, args.seed, args.postgres, args.minutes)
    text, broken = summary(outcomes, seconds, "PostgreSQL" if args.postgres else "SQLite")
    print(text)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
