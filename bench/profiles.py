"""Where the time of a missed goal goes: pyinstrument profiles of the work behind one command.

The app runs in process with its work inline (as in the tests), against the fake Slack in its own
process and a seeded SQLite database; ``count`` commands are profiled together.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pyinstrument import Profiler

from bench.commands import BIG
from bench.common import add_account_with_history, people, seed_accounts
from bench.fake import RemoteFake
from bot.app import build_app, build_services, make_client
from bot.clock import SystemClock
from bot.console.slack_requests import SlackDriver
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, upgrade

SECRET = "bench-profile-secret"


def profile(command: str, text: str, count: int = 100) -> str:
    reps = people(40)
    fake = RemoteFake(len(reps))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            upgrade(engine)
            users = [u.id for u in reps]
            seed_accounts(engine, users, accounts=2_000, activities=20_000)
            add_account_with_history(engine, BIG, users[0], 60_000)
            settings = Settings(
                bot_token="xoxb-bench",
                signing_secret=SECRET,
                slack_api_url=fake.api_url,
                process_before_response=True,
            )
            client = make_client(settings)
            factory = make_session_factory(engine)
            services = build_services(settings, client=client, session_factory=factory, clock=SystemClock())
            app = build_app(
                settings, client=client, session_factory=factory, clock=services.clock, services=services
            )
            driver = SlackDriver(app, SECRET, fake)  # type: ignore[arg-type]
            for user in users:  # profiles in memory, as in a warm process
                services.people.get(user)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for n in range(count):
                driver.command(command, text, user=users[n % len(users)])
            profiler.stop()
            engine.dispose()
            return profiler.output_text(unicode=False, color=False, show_all=False)
    finally:
        fake.stop()


if __name__ == "__main__":
    print(profile("/log", f"call {BIG}: pricing for 20 more seats"))
