"""SIGTERM: ``salesbot run`` finishes the delivery in flight, gives back the rest of its claims, exits 0.

A real process (``python -m bot run --http``) against the fake Slack, whose ``chat.postMessage``
holds the first post until the test has sent SIGTERM and seen the process start stopping.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.reminders.followups import REMINDER_KIND
from bot.reminders.outbox import enqueue
from bot.storage.models import Reminder
from tests.helpers import DEFAULT_NOW, FakeSlack, add_task, database_for_a_process, hold_calls

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds: a loaded machine starts Python slowly


def test_sigterm_finishes_the_post_in_flight_and_releases_the_other_claims(
    tmp_path: Path, fake_slack: FakeSlack, sqlite_template: Path
) -> None:
    url, engine, bot = database_for_a_process(tmp_path, sqlite_template, fake_slack)
    # Five follow-ups whose reminders go to one channel: one post at a time.
    tasks = [
        (add_task(bot, "Acme Corp", f"call back #{n}", due), due)
        for n in range(5)
        for due in [DEFAULT_NOW + timedelta(minutes=n)]
    ]
    with bot.db() as s:
        for task_id, due in tasks:
            enqueue(
                s,
                kind=REMINDER_KIND,
                due_at=due,
                now=DEFAULT_NOW,
                task_id=task_id,
                channel_id="C0SALES",
                payload={"due": due.isoformat()},
            )
    config = tmp_path / "salesbot.toml"
    playbook = (ROOT / "config" / "salesbot.toml").read_text()
    config.write_text(playbook.replace("dispatch_every_seconds = 5", "dispatch_every_seconds = 1"))
    posting, release = hold_calls(fake_slack, lambda path: path.endswith("/chat.postMessage"), WAIT)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "shutdown-test-secret",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": url,
        "SALESBOT_CONFIG": str(config),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or []], daemon=True)
    reader.start()
    try:
        assert posting.wait(WAIT), "the process never started delivering"
        process.send_signal(signal.SIGTERM)
        while "msg=stopping" not in lines.get(timeout=WAIT):
            pass
        release.set()  # the post in flight completes after SIGTERM arrived
        assert process.wait(timeout=WAIT) == 0
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=WAIT)
    log = []
    while not lines.empty():
        log.append(lines.get())
    assert any("msg=stopped" in line and "released_claims=" in line for line in log), log
    with bot.db() as s:
        rows = s.execute(select(Reminder.status, Reminder.lease_until, Reminder.attempts)).all()
    statuses = sorted(status for status, _lease, _attempts in rows)
    assert statuses == ["pending"] * 4 + ["sent"]
    assert all(lease is None for status, lease, _ in rows)
    assert all(attempts == 0 for status, _lease, attempts in rows if status == "pending")
    assert len(fake_slack.calls("chat.postMessage")) == 1
    [delivery] = [line for line in log if "msg=delivery" in line]
    assert "outcome=sent" in delivery and "channel=C0SALES" in delivery and "call back" not in delivery
    engine.dispose()
