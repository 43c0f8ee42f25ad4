"""The work after an ack in processes of its own (``bot/work_processes.py``).

In process: the serving app only acks and forwards the request as Slack sent it; a second app (a work
process's) does the work from that alone. Then ``python -m bot run --http`` for real: a command's work
is done by a work process, a killed one is replaced, SIGTERM lets the queued work finish.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import select

from bot.console.slack_requests import sign
from bot.settings import Settings
from bot.storage.models import Activity
from bot.work_processes import WorkProcesses
from bot.workers import BUSY, PARTLY_SAVED
from tests.helpers import (
    SIGNING_SECRET,
    FakeSlack,
    Harness,
    database_for_a_process,
    hold_calls,
)

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60.0  # seconds: a loaded machine starts Python slowly


class RecordingProcesses:
    """Stands in for ``WorkProcesses`` in the serving app: keeps what it is handed."""

    def __init__(self, *, room: bool = True) -> None:
        self.room = room
        self.forwarded: list[tuple[str | dict[str, Any], dict[str, Any]]] = []
        self.parsed: list[dict[str, Any]] = []

    def has_room(self) -> bool:
        return self.room

    def submit(self, body: str | dict[str, Any], headers: dict[str, Any], parsed: dict[str, Any]) -> bool:
        self.forwarded.append((body, dict(headers)))
        self.parsed.append(parsed)
        return True


def activities(bot: Harness) -> list[str]:
    with bot.db() as s:
        return list(s.scalars(select(Activity.notes)))


def test_the_serving_app_only_acks_and_a_work_app_does_the_work_from_the_forwarded_request(
    fake_slack: FakeSlack, session_factory: Any
) -> None:
    serving = Harness.create(fake_slack, session_factory)
    serving.command("/account", "add Acme Corp")
    working = Harness.create(fake_slack, session_factory)  # another process's app, same database
    processes = RecordingProcesses()
    serving.app.work_processes = processes  # type: ignore[attr-defined]
    fake_slack.clear()

    sent = serving.command("/log", "call Acme Corp: talked pricing")

    assert sent.status == 200 and sent.response.body == ""
    assert activities(serving) == [] and fake_slack.responses() == []  # nothing done on the request thread
    [(body, headers)] = processes.forwarded
    assert body == sent.body  # the bytes Slack sent: the work process records the same replay digest
    working.app.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))
    assert activities(serving) == ["talked pricing"]
    assert "Logged" in str(fake_slack.responses()[-1])
    # A copy of the request reaching the work process again (two processes, a replay) runs nothing.
    other = Harness.create(fake_slack, session_factory)
    other.app.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))
    assert activities(serving) == ["talked pricing"]


def test_a_button_press_is_forwarded_too(fake_slack: FakeSlack, session_factory: Any) -> None:
    serving = Harness.create(fake_slack, session_factory)
    serving.command("/account", "add Acme Corp")
    reply = serving.last_reply()
    processes = RecordingProcesses()
    serving.app.work_processes = processes  # type: ignore[attr-defined]
    presses_before = len(fake_slack.responses())
    serving.click(next(b["text"]["text"] for b in _buttons(reply)))
    assert len(processes.forwarded) == 1 and len(fake_slack.responses()) == presses_before


def test_when_the_work_processes_are_full_the_command_is_refused_in_its_ack(
    fake_slack: FakeSlack, session_factory: Any
) -> None:
    serving = Harness.create(fake_slack, session_factory)
    serving.command("/account", "add Acme Corp")
    processes = RecordingProcesses(room=False)
    serving.app.work_processes = processes  # type: ignore[attr-defined]
    sent = serving.command("/log", "call Acme Corp: talked pricing")
    assert sent.response.body == BUSY
    assert processes.forwarded == [] and activities(serving) == []


def test_socket_mode_requests_each_run_once(bot: Harness, fake_slack: FakeSlack) -> None:
    """Socket Mode hands Bolt the payload, not its bytes: each command still runs, and a copy does not."""
    bot.command("/account", "add Acme Corp")

    def command(text: str, trigger: str) -> dict[str, Any]:
        return {
            "team_id": "T_LOCAL",
            "api_app_id": "A_SALESBOT",
            "channel_id": "C_GENERAL",
            "user_id": "U0ALICE",
            "command": "/log",
            "text": text,
            "response_url": fake_slack.response_url(trigger),
            "trigger_id": trigger,
        }

    first, second = command("call Acme Corp: one", "t.1"), command("call Acme Corp: two", "t.2")
    for payload in (first, second, first):
        bot.app.dispatch(BoltRequest(body=payload, headers={}, mode="socket_mode"))
    assert sorted(activities(bot)) == ["one", "two"]


def test_a_forwarded_event_is_recorded_and_answered_by_the_work_process(
    fake_slack: FakeSlack, session_factory: Any
) -> None:
    serving = Harness.create(fake_slack, session_factory)
    working = Harness.create(fake_slack, session_factory)
    processes = RecordingProcesses()
    serving.app.work_processes = processes  # type: ignore[attr-defined]
    dm = {"type": "message", "channel_type": "im", "channel": "D0ALICE", "user": "U0ALICE", "text": "help"}
    dm["ts"] = "1700000000.000100"
    assert serving.slack.event(dm, event_id="EvFWD1").status == 200
    [(body, headers)] = processes.forwarded
    assert serving.messages("U0ALICE") == []
    working.app.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))
    assert len(serving.messages("U0ALICE")) == 1  # the DM's answer
    working.app.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))  # Slack's retry
    assert len(serving.messages("U0ALICE")) == 1


def test_a_socket_mode_payload_is_forwarded_as_slack_sent_it(
    fake_slack: FakeSlack, session_factory: Any
) -> None:
    """Middleware changes the payload (the text as typed): the work process gets the original."""
    serving = Harness.create(fake_slack, session_factory)
    serving.command("/account", "add Acme Corp")
    working = Harness.create(fake_slack, session_factory)
    processes = RecordingProcesses()
    serving.app.work_processes = processes  # type: ignore[attr-defined]
    payload = {
        "team_id": "T_LOCAL",
        "api_app_id": "A_SALESBOT",
        "channel_id": "C_GENERAL",
        "user_id": "U0ALICE",
        "command": "/log",
        "text": "call Acme Corp: R&amp;amp;D",  # the person typed R&amp;D
        "response_url": fake_slack.response_url("k"),
        "trigger_id": "t.9",
    }
    serving.app.dispatch(BoltRequest(body=dict(payload), headers={}, mode="socket_mode"))
    [(body, headers)] = processes.forwarded
    assert body == payload
    working.app.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))
    assert activities(serving) == ["R&amp;D"]


@pytest.mark.xdist_group("processes")
def test_a_work_process_that_cannot_start_is_retried_with_pauses_and_its_queue_is_told_at_the_end(
    tmp_path: Path,
) -> None:
    """A broken playbook: each process dies before it is ready. The request waits (nothing is sent to
    a process that is not ready, nobody is told "saved"), restarts pause longer each time, and at the
    end the person whose request never started is told that nothing was saved."""
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        slack_api_url="http://127.0.0.1:9/api/",
        database_url=f"sqlite:///{tmp_path / 'none.db'}",
        config_path=str(tmp_path / "missing.toml"),
    )
    told: list[tuple[dict[str, Any], bool]] = []
    was_told = threading.Event()

    def tell(body: dict[str, Any], saved: bool) -> None:
        told.append((body, saved))
        was_told.set()

    restarting = LogSeen("ended before it was ready")
    logging.getLogger("salesbot.lifecycle").addHandler(restarting)
    processes = WorkProcesses(settings, processes=1, threads=2, bound=10, lost=tell)
    processes.start()
    try:
        assert processes.submit("body", {}, {"user_id": "U0ALICE"})
        assert restarting.seen.wait(WAIT), "the process never ended"
        assert told == []
        assert processes.restart_pause >= 1.0
    finally:
        logging.getLogger("salesbot.lifecycle").removeHandler(restarting)
        assert processes.stop(timeout=5.0) is False
    assert was_told.wait(WAIT)
    assert told == [({"user_id": "U0ALICE"}, False)]
    assert not processes.has_room()  # stopped: refuses


@pytest.mark.xdist_group("processes")
def test_leaving_without_stop_does_not_hang(tmp_path: Path, sqlite_template: Path) -> None:
    """Python's exit asks daemon processes to end (SIGTERM) and waits for them: they must end."""
    db = tmp_path / "exit.db"
    shutil.copy(sqlite_template, db)
    script = (
        "from bot.settings import Settings\n"
        "from bot.work_processes import WorkProcesses\n"
        "if __name__ == '__main__':\n"
        f"    s = Settings(bot_token='x', signing_secret='s', database_url='sqlite:///{db}',"
        " slack_api_url='http://127.0.0.1:9/api/', team_id='T_LOCAL', app_id='A_SALESBOT')\n"
        "    WorkProcesses(s, processes=1, threads=2, bound=10).start()\n"
        "    raise SystemExit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=WAIT,
    )
    assert done.returncode == 3


def _buttons(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in reply.get("blocks") or []
        for element in block.get("elements") or []
        if element.get("type") == "button"
    ]


# -- a real server ------------------------------------------------------------------------------------
def work_processes_of(pid: int) -> list[int]:
    """The work processes started by ``pid`` (not multiprocessing's resource tracker)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    found = []
    for child in (int(p) for p in text.split()):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:  # gone meanwhile
            continue
    return found


class LogSeen(logging.Handler):
    """Sets ``seen`` when a record containing ``text`` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


def wait_for_line(lines: queue.Queue[str], text: str, seen: list[str]) -> None:
    """Read the process's log lines (kept in ``seen``) until one contains ``text``."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"no log line with {text!r}")


def post_command(base: str, fake: FakeSlack, text: str, key: str) -> int:
    from urllib.parse import urlencode

    body = urlencode(
        {
            "team_id": "T_LOCAL",
            "api_app_id": "A_SALESBOT",
            "channel_id": "C_GENERAL",
            "user_id": "U0ALICE",
            "user_name": "alice",
            "command": "/log",
            "text": text,
            "response_url": fake.response_url(key),
            "trigger_id": f"trigger.{key}",
        }
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SIGNING_SECRET, body)}
    request = urllib.request.Request(f"{base}/slack/events", data=body.encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return response.status


@pytest.mark.xdist_group("processes")
def test_salesbot_run_does_the_work_in_a_work_process_replaces_a_dead_one_and_drains_at_sigterm(
    tmp_path: Path, fake_slack: FakeSlack, sqlite_template: Path
) -> None:
    url, engine, bot = database_for_a_process(tmp_path, sqlite_template, fake_slack)
    fake_slack.clear()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_TEAM_ID": "T_LOCAL",
        "SLACK_APP_ID": "A_SALESBOT",
        "DATABASE_URL": url,
        "SALESBOT_WORK_PROCESSES": "1",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-scheduler",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stderr or []], daemon=True).start()
    log: list[str] = []
    try:
        banner = process.stdout.readline() if process.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", banner)
        assert match, banner
        base = f"http://127.0.0.1:{match.group(1)}"

        assert post_command(base, fake_slack, "call Acme Corp: first", "w1") == 200
        fake_slack.wait_until(fake_slack.responses)
        [worker] = work_processes_of(process.pid)  # it answered: it is there
        assert worker != process.pid

        # The next reply is held at the fake Slack: the work process is mid-request when it is killed.
        posting, release = hold_calls(fake_slack, lambda path: path.startswith("/response/"), WAIT)
        assert post_command(base, fake_slack, "call Acme Corp: second", "w2") == 200
        assert posting.wait(WAIT), "the second /log never replied"
        os.kill(worker, signal.SIGKILL)
        release.set()
        fake_slack.wait_until(lambda: [r for r in fake_slack.responses() if PARTLY_SAVED in str(r)])
        wait_for_line(lines, "starting another", log)

        assert post_command(base, fake_slack, "call Acme Corp: third", "w3") == 200
        fake_slack.wait_until(lambda: "third" in str(fake_slack.responses()))
        [replacement] = work_processes_of(process.pid)
        assert replacement != worker
        assert len([r for r in fake_slack.responses() if PARTLY_SAVED in str(r)]) == 1

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        while not lines.empty():
            log.append(lines.get())
    assert any("work processes started" in line for line in log), log
    assert any("a work process ended" in line for line in log), log
    assert sum("msg=request " in line for line in log) == 3, log  # one line per request, not per process
    # The second was saved before its process was killed (its reply was on its way): told to check.
    assert sorted(activities(bot)) == ["first", "second", "third"]
    engine.dispose()
