"""``salesbot run``: build the app once, then serve it over Socket Mode, HTTP, or the local console.

``build_runtime`` is the one place where the database, the services and the app are put together;
anything that runs next to the app (e.g. a scheduler) starts from its ``Runtime``.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.app import build_app, build_services, make_client, prepare
from bot.clock import Clock, SystemClock
from bot.health import Heartbeat
from bot.http_server import serve_http
from bot.services import Services
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, upgrade
from bot.workers import AckFirstApp, WorkPool

if TYPE_CHECKING:  # imported where a mode needs them: start-up imports only what it serves
    from bot.reminders.dispatcher import Dispatcher
    from bot.work_processes import WorkProcesses

lifecycle = logging.getLogger("salesbot.lifecycle")
# At shutdown, how long the work already acknowledged (a command's reply …) may take to finish.
WORK_GRACE_SECONDS = 20.0

CONNECT_HELP = """\
No Slack credentials are set, so salesbot starts its local console: a fake workspace on this machine.
To connect a real workspace: create an app from manifest.json (api.slack.com/apps → Create New App → From a manifest),
install it, then set SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…, scope connections:write) for Socket Mode,
or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET and run `salesbot run --http` behind a public HTTPS URL (docs/cli.md).
"""


class Mode(enum.Enum):
    CONSOLE = "console"
    SOCKET = "socket"
    HTTP = "http"


class ConfigError(Exception):
    """The environment does not allow the requested mode; the message names what is missing."""


def select_mode(settings: Settings, *, http: bool = False) -> Mode:
    if settings.oauth:
        if not http:
            raise ConfigError(
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET select OAuth mode (installable in many "
                "workspaces), which serves HTTP: run `salesbot run --http` behind a public HTTPS URL."
            )
        return Mode.HTTP
    if (settings.client_id or settings.client_secret) and not settings.bot_token:
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", settings.client_id),
                ("SLACK_CLIENT_SECRET", settings.client_secret),
                ("SLACK_SIGNING_SECRET", settings.signing_secret),
            )
            if not value
        ]
        raise ConfigError(
            f"OAuth mode needs {' and '.join(missing)}, from your Slack app's Basic Information "
            "(App Credentials)."
        )
    if http:
        missing = [
            name
            for name, value in (
                ("SLACK_SIGNING_SECRET", settings.signing_secret),
                ("SLACK_BOT_TOKEN", settings.bot_token),
            )
            if not value
        ]
        if missing:
            where = {
                "SLACK_SIGNING_SECRET": "Basic Information → Signing Secret",
                "SLACK_BOT_TOKEN": "OAuth & Permissions → Bot User OAuth Token",
            }
            raise ConfigError(
                f"HTTP mode needs {' and '.join(missing)}, from your Slack app's settings ("
                + "; ".join(where[name] for name in missing)
                + ")."
            )
        return Mode.HTTP
    if settings.bot_token and settings.app_token:
        return Mode.SOCKET
    if not settings.bot_token and not settings.app_token:
        return Mode.CONSOLE
    if settings.bot_token:
        raise ConfigError(
            "SLACK_APP_TOKEN is not set. Socket Mode needs it (an app-level token xapp-… with "
            "connections:write); or serve HTTP instead with `salesbot run --http` and SLACK_SIGNING_SECRET."
        )
    raise ConfigError(
        "SLACK_BOT_TOKEN is not set. Socket Mode needs both SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN."
    )


@dataclass
class Runtime:
    app: App
    services: Services
    engine: Engine


def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    client: WebClient | None = None,
    migrate_and_seed: bool = True,
) -> tuple[Engine, Services]:
    """The database (migrated to the newest schema, its roles seeded at the first start, unless
    ``migrate_and_seed`` is False: a work process, whose serving process did it) and the services
    on it; no Slack app."""
    engine = make_engine(settings.database_url)
    if migrate_and_seed:
        upgrade(engine)
    installations = None
    if settings.oauth:  # every workspace's bot token comes from its installation
        from bot.installs import InstallationStore

        installations = InstallationStore(str(settings.client_id), engine)
    services = build_services(
        settings,
        client=client or make_client(settings, installations),
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        installations=installations,
    )
    if migrate_and_seed:
        prepare(services)
    return engine, services


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    client: WebClient | None = None,
    migrate_and_seed: bool = True,
    work: WorkPool | None = None,
) -> Runtime:
    """Engine, services and the Slack app, wired together: the one place the bot is assembled.
    ``work``: where listeners' work runs instead of the default pool (a work process's)."""
    engine, services = open_services(settings, clock=clock, client=client, migrate_and_seed=migrate_and_seed)
    if work is not None:
        services.work = work
    app = build_app(
        settings,
        client=services.client,
        session_factory=services.session_factory,
        clock=services.clock,
        services=services,
    )
    return Runtime(app, services, engine)


class Terminated(Exception):
    """SIGTERM arrived: stop serving, finish what is in flight, give back what is claimed."""


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """While serving, SIGTERM raises ``Terminated`` in the main thread (once; a second one is ignored)."""

    def terminate(_signum: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread (an embedding application handles signals)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_work_processes(runtime: Runtime, settings: Settings) -> WorkProcesses | None:
    """The processes that do the work after each ack (``SALESBOT_WORK_PROCESSES``; none with 0)."""
    if settings.work_processes <= 0:
        return None
    from bot.storage import tenancy
    from bot.work_processes import WorkProcesses
    from bot.workers import tell_failure

    client = runtime.services.client

    def tell(body: dict[str, Any], saved: bool) -> None:
        workspace = tenancy.workspace_of(body) if settings.oauth else None  # whose token answers
        with tenancy.as_workspace(workspace or tenancy.LOCAL):
            tell_failure(body, client, saved=saved)

    processes = WorkProcesses(
        settings,
        processes=settings.work_processes,
        threads=settings.workers,
        bound=settings.work_queue,
        lost=tell,
    )
    processes.start()
    assert isinstance(runtime.app, AckFirstApp)
    runtime.app.work_processes = processes
    return processes


def shut_down(
    runtime: Runtime, jobs: Any, dispatcher: Dispatcher | None, processes: WorkProcesses | None = None
) -> None:
    """After serving: let the delivery in flight finish (the rest of its batch goes back to pending),
    wait for the scheduler's jobs and for the work already acknowledged, then give back any claim."""
    lifecycle.info("stopping")
    started = time.perf_counter()
    if dispatcher is not None:
        dispatcher.stop()
    if jobs is not None:
        jobs.shutdown(wait=True)
    # One grace period for the work in this process's threads and in the work processes, drained
    # side by side.
    deadline = time.monotonic() + WORK_GRACE_SECONDS
    stopped: list[bool] = []
    stopper = None
    if processes is not None:
        stopper = threading.Thread(target=lambda: stopped.append(processes.stop(timeout=WORK_GRACE_SECONDS)))
        stopper.start()
    finished = runtime.services.work.join(timeout=WORK_GRACE_SECONDS)
    if stopper is not None:
        stopper.join(max(0.0, deadline - time.monotonic()) + 10.0)
        finished = finished and stopped == [True]
    released = dispatcher.release_claims() if dispatcher is not None else 0
    lifecycle.info(
        "stopped",
        extra={
            "fields": {
                "released_claims": released,
                "work_finished": finished,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        },
    )


def run(
    settings: Settings,
    *,
    http: bool = False,
    host: str = "0.0.0.0",
    port: int = 3000,
    out: TextIO | None = None,
    err: TextIO | None = None,
    scheduler: bool = True,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        mode = select_mode(settings, http=http)
    except ConfigError as exc:
        print(f"salesbot: {exc}", file=err)
        return 2
    if mode is Mode.CONSOLE:
        print(CONNECT_HELP, file=out)
        from bot.console.repl import run_console
        from bot.oplog import quiet_for_console

        quiet_for_console()
        return run_console(settings)
    runtime = build_runtime(settings)
    heartbeat = Heartbeat(runtime.services.clock) if scheduler else None
    dispatcher = jobs = processes = socket = None
    with sigterm_stops():
        try:
            processes = start_work_processes(runtime, settings)
            if scheduler:  # APScheduler and the dispatcher are imported only when they run
                from bot.reminders.dispatcher import Dispatcher
                from bot.reminders.scheduler import build_scheduler

                dispatcher = Dispatcher(runtime.services)
                jobs = build_scheduler(runtime.services, dispatcher=dispatcher, heartbeat=heartbeat)
                jobs.start()  # the clock for reminders and nudges; what is due lives in the database
            if mode is Mode.SOCKET:
                print(
                    "salesbot is connecting to Slack over Socket Mode. Press Ctrl+C to stop.",
                    file=out,
                    flush=True,
                )
                from slack_bolt.adapter.socket_mode import SocketModeHandler

                socket = SocketModeHandler(runtime.app, settings.app_token)
                socket.start()
            else:
                serve_http(runtime.app, runtime.engine, host, port, heartbeat=heartbeat)
        except (Terminated, KeyboardInterrupt):
            print("salesbot: stopping (finishing the deliveries in flight) …", file=err, flush=True)
        finally:
            if socket is not None:  # no new requests while the work drains
                with contextlib.suppress(Exception):
                    socket.close()
            shut_down(runtime, jobs, dispatcher, processes)
    return 0
