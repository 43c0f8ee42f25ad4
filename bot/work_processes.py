"""The work after an ack, in processes of its own: the serving process only verifies, acks and forwards.

Threads in one process share its interpreter lock: while a worker thread renders a reply, a request
thread waits a few switch intervals before it can ack (bench/NOTES.md, *Ack latency*). So in
``salesbot run`` (HTTP and Socket Mode) a command's, button's, shortcut's or event's work runs in
``SALESBOT_WORK_PROCESSES`` separate processes (default 1; 0 keeps it in the serving process's
threads). The serving process checks the request (signature, workspace, replays seen in memory),
acks, and puts the request as Slack sent it on a bounded queue; a work process dispatches it through
the same app, built the same way, with each listener's work run on the thread that took the request.
Nothing else changes: the replay record is the work's first step, failures are told, the person
gets the same answers. Forms and option loads answer in their ack, so they stay in the serving
process. See docs/ARCHITECTURE.md, "Requests".
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import SpawnProcess

    from bot.settings import Settings

log = logging.getLogger("salesbot.lifecycle")

# A request as Slack sent it: the raw body (HTTP) or the payload (Socket Mode), its headers, and the
# parsed body (kept by the serving process, to tell the person if their work is lost).
Forwarded = tuple[str | dict[str, Any], dict[str, Any], dict[str, Any]]
# Work processes run at a lower priority than the serving process: when the cores are busy, an ack
# (a few hundred microseconds of CPU) goes before the work, which waits in the queue instead.
WORK_NICENESS = 5
# How often a work process checks that the serving process is still there (it exits with it).
PARENT_CHECK_SECONDS = 1.0


@dataclass
class _Child:
    """One work process, fed over its own pipe: a process killed mid-request takes no shared lock
    with it (a ``multiprocessing.Queue`` would stay locked for every other reader)."""

    process: SpawnProcess
    conn: Connection
    slots: threading.Semaphore  # requests it may hold at once: one per thread
    ready: threading.Event = field(default_factory=threading.Event)  # its app is built
    gone: threading.Event = field(default_factory=threading.Event)
    in_flight: dict[int, Forwarded] = field(default_factory=dict)


# A work process that dies before its app is built (a broken config, a bad database URL) is started
# again after a pause that doubles each time, up to this many seconds: no crash loop.
MAX_RESTART_PAUSE = 60.0


class WorkProcesses:
    """``processes`` work processes with ``threads`` threads each, fed from one queue of at most
    ``bound`` waiting requests. ``submit`` never blocks; a process that dies is replaced, and the
    people whose requests it was doing are told (``lost``: the parsed body, and whether it may have
    saved something)."""

    def __init__(
        self,
        settings: Settings,
        *,
        processes: int,
        threads: int,
        bound: int,
        lost: Callable[[dict[str, Any], bool], None] | None = None,
    ) -> None:
        self._settings = settings
        self._count = processes
        self._threads = threads
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied locks
        self._queue: queue.Queue[Forwarded | None] = queue.Queue()
        self._children: list[_Child] = []
        self._numbers = itertools.count(1)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._lost = lost
        self._pause = 0.0
        self.bound = bound
        self.replaced = 0

    def start(self) -> None:
        for _ in range(self._count):
            self._start_child()
        log.info(
            "work processes started", extra={"fields": {"processes": self._count, "threads": self._threads}}
        )

    def submit(self, body: str | dict[str, Any], headers: dict[str, Any], parsed: dict[str, Any]) -> bool:
        """Queue a request's work; False (and a log line) when ``bound`` requests are waiting, or
        when stopping."""
        if not self.has_room():
            log.warning(
                "work processes: %d requests waiting (the bound), or stopping; refused one", self.bound
            )
            return False
        self._queue.put((body, dict(headers), parsed))
        return True

    def has_room(self) -> bool:
        return not self._stopping.is_set() and self._queue.qsize() < self.bound

    @property
    def restart_pause(self) -> float:
        """Seconds before a process that died before it was ready is started again (0: none died)."""
        return self._pause

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return [c.process.pid for c in self._children if c.process.pid is not None]

    def stop(self, timeout: float) -> bool:
        """Let the work already queued finish (within ``timeout``), then end the processes. False
        when some work did not finish (its people are told)."""
        self._stopping.set()
        with self._lock:
            children = list(self._children)
        for _ in children:  # after everything queued: each feeder passes one on to its process
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        finished = True
        for child in children:
            child.process.join(max(0.0, deadline - time.monotonic()))
            if child.process.is_alive():
                finished = False
                child.process.kill()
                child.process.join(5.0)
            child.gone.wait(5.0)  # its reader has told the people of what it did not finish
            finished = finished and child.process.exitcode == 0
        left = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                left.append(item)
        if left:
            log.error(
                "work processes: %d requests not started before the end; telling their people", len(left)
            )
            self._tell([parsed for _raw, _headers, parsed in left], saved=False)
        return finished and not left

    def _start_child(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=serve_work,
            args=(self._settings, theirs, self._threads, os.getpid()),
            name="salesbot-work",
            daemon=True,
        )
        process.start()
        theirs.close()
        child = _Child(process, ours, threading.Semaphore(self._threads))
        with self._lock:
            self._children.append(child)
        threading.Thread(target=self._feed, args=(child,), name="work-feed", daemon=True).start()
        threading.Thread(target=self._read, args=(child,), name="work-done", daemon=True).start()

    def _feed(self, child: _Child) -> None:
        """Hand queued requests to ``child`` once it is ready, at most one per thread of it at a time."""
        while not child.ready.wait(PARENT_CHECK_SECONDS):
            if child.gone.is_set():
                return
        while True:
            if not child.slots.acquire(timeout=PARENT_CHECK_SECONDS):
                if child.gone.is_set():
                    return
                continue
            item = self._take(child)
            if item is _GONE:
                return
            number = next(self._numbers)
            if item is not None:
                with self._lock:
                    child.in_flight[number] = item  # type: ignore[assignment]
            try:
                child.conn.send(None if item is None else (number, item[0], item[1]))  # type: ignore[index]
            except (OSError, ValueError):  # it died meanwhile: the request waits for the replacement
                with self._lock:
                    taken_back = child.in_flight.pop(number, None) is not None or item is None
                if taken_back:
                    self._queue.put(item)  # type: ignore[arg-type]
                return
            if item is None:
                return

    def _take(self, child: _Child) -> Forwarded | object | None:
        """The next queued item, or ``_GONE`` once ``child`` is gone (nothing taken)."""
        while True:
            try:
                return self._queue.get(timeout=PARENT_CHECK_SECONDS)
            except queue.Empty:
                if child.gone.is_set():
                    return _GONE

    def _read(self, child: _Child) -> None:
        """Free a slot whenever ``child`` finishes a request; tell about and replace it when it dies."""
        while True:
            try:
                message = child.conn.recv()
            except (EOFError, OSError):
                break
            if message == READY:
                child.ready.set()
                self._pause = 0.0
                continue
            number, ok = message
            with self._lock:
                item = child.in_flight.pop(number, None)
            child.slots.release()
            if not ok and item is not None:  # refused by the app there (no listener, a workspace gone)
                self._tell([item[2]], saved=False)
        child.process.join(5.0)
        with self._lock:
            lost = [parsed for _raw, _headers, parsed in child.in_flight.values()]
            child.in_flight.clear()
            if child in self._children:
                self._children.remove(child)
        child.conn.close()
        child.gone.set()
        if lost:
            log.error(
                "a work process ended (exit code %s) with %d requests unfinished",
                child.process.exitcode,
                len(lost),
            )
            self._tell(lost, saved=True)  # it may have saved before it ended: "check before doing it again"
        if self._stopping.is_set():
            return
        if not child.ready.is_set():
            self._pause = min(max(1.0, self._pause * 2), MAX_RESTART_PAUSE)
            log.error(
                "a work process ended before it was ready (exit code %s); starting another in %.0f s",
                child.process.exitcode,
                self._pause,
            )
            if self._stopping.wait(self._pause):
                return
        else:
            log.error("a work process ended (exit code %s); starting another", child.process.exitcode)
        self.replaced += 1
        while not self._stopping.is_set():
            try:
                self._start_child()
                return
            except Exception:  # out of processes or files: try again, without a flood of lines
                log.exception("could not start a work process; trying again in %.0f s", MAX_RESTART_PAUSE)
                self._stopping.wait(MAX_RESTART_PAUSE)

    def _tell(self, bodies: list[dict[str, Any]], *, saved: bool) -> None:
        """Tell each person, on another thread (a slow Slack must not hold up a replacement)."""
        if self._lost is None or not bodies:
            return
        tell = self._lost

        def run() -> None:
            for body in bodies:
                try:
                    tell(body, saved)
                except Exception:
                    log.exception("could not tell a person that their request was not finished")

        threading.Thread(target=run, name="work-tell", daemon=True).start()


_GONE = object()
READY = "ready"


def serve_work(settings: Settings, conn: Connection, threads: int, parent: int) -> None:
    """A work process: the app, built as the serving process builds it, dispatching forwarded requests.

    SIGINT (Ctrl+C reaches the whole process group) is ignored: the serving process decides when
    work stops, after letting the queue drain. SIGTERM makes it finish the requests it holds and end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    os.nice(WORK_NICENESS)
    from slack_bolt import BoltRequest

    from bot.oplog import configure

    configure()
    app, services, engine = build_work_app(settings)
    jobs: queue.Queue[tuple[int, str | dict[str, Any], dict[str, Any]] | None] = queue.Queue()
    sending = threading.Lock()

    def answer(message: Any) -> None:
        with sending:
            try:
                conn.send(message)
            except (OSError, ValueError):  # the serving process is gone
                stopping.set()

    def work() -> None:
        while (item := jobs.get()) is not None:
            number, body, headers = item
            ok = True
            try:
                # Checked by the serving process already (signature, age): "socket_mode" tells Bolt
                # not to check the signature again, which may have aged past 5 minutes in the queue.
                response = app.dispatch(BoltRequest(body=body, headers=headers, mode="socket_mode"))
                if response.status != 200:
                    ok = False
                    log.error("a forwarded request was refused here (status %s)", response.status)
            except Exception:
                log.exception("a forwarded request failed")
            answer((number, ok))

    workers = [threading.Thread(target=work, name=f"work-{n}", daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    answer(READY)
    while not stopping.is_set():
        if not conn.poll(PARENT_CHECK_SECONDS):
            if os.getppid() != parent:  # the serving process is gone: nobody sends us more
                break
            continue
        try:
            item = conn.recv()
        except (EOFError, OSError):
            break
        if item is None:
            break
        jobs.put(item)
    for _ in workers:
        jobs.put(None)
    for worker in workers:
        worker.join()
    services.background.join(timeout=10.0)
    engine.dispose()


def build_work_app(settings: Settings) -> tuple[Any, Any, Any]:
    """The app of a work process: the serving process's app and services, on the same database
    (already migrated and seeded by it), with each listener's work run on the calling thread."""
    from bot.runner import build_runtime
    from bot.workers import WorkPool

    # Run on the thread that took the request (errors are told, then logged: not ``inline``).
    runtime = build_runtime(
        settings, migrate_and_seed=False, work=WorkPool("work", workers=0, bound=1, direct=True)
    )
    runtime.app.log_requests = False  # type: ignore[attr-defined]  # the serving process logged it
    return runtime.app, runtime.services, runtime.engine
