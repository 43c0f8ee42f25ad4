"""Commands over HTTP: salesbot (``run --http``) against a bare Bolt app on the same server stack.

Each server is its own process behind waitress and Bolt's WSGI adapter; the load comes from
``concurrency`` client threads with keep-alive connections sending signed slash commands, as Slack
does. Figures: ack latency (p50, p99; none may pass Slack's 3 s), and the server's CPU per command,
read from /proc once the work after the acks is done (every reply has reached the fake Slack).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import Pair, add_account_with_history, median, people, seed_accounts
from bench.fake import RemoteFake
from bench.servers import SECRET
from bot.storage.db import make_engine, upgrade

BIG, SMALL = "Acme Corp", "Small Co"


@dataclass
class Server:
    which: str
    port: int
    process: subprocess.Popen[bytes]

    def cpu(self) -> float:
        """CPU seconds of the server and of every process it started (salesbot's work processes)."""
        return sum(_cpu_of(pid) for pid in _with_descendants(self.process.pid))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _cpu_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:  # ended meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _with_descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as f:
                todo += [int(child) for child in f.read().split()]
        except OSError:
            continue
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(which: str, env: dict[str, str]) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", which, "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != b"ready":
        raise RuntimeError(f"the {which} server did not start")
    return Server(which, port, process)


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    busy: int = 0
    errors: int = 0
    wall: float = 0.0

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def over_3s(self) -> int:
        return sum(1 for x in self.latencies if x > 3.0)


def body_for(command: str, text: str, user: str, n: int) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T_LOCAL",
            "team_domain": "local",
            "channel_id": "C_GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "response_url": f"{RESPONSE_BASE[0]}/response/{n}",
            "trigger_id": f"trigger.{n}",
            "api_app_id": "A_LOCAL",
        }
    )


RESPONSE_BASE = [""]
# Every request is a new one, as Slack sends them (its own trigger id): a repeated body is a replay,
# acknowledged and not run (bot/replays.py).
REQUEST_NUMBERS = itertools.count(1)


def send_load(port: int, command: str, text: str, users: list[str], concurrency: int, total: int) -> Load:
    load = Load()
    counter = iter(range(total))
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            body = body_for(command, text, users[n % len(users)], next(REQUEST_NUMBERS))
            ts = str(int(time.time()))
            digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": f"v0={digest}",
            }
            began = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - began
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    load.errors += 1
                continue
            with lock:
                load.latencies.append(elapsed)
                if response.status != 200:
                    load.errors += 1
                elif b"busy" in payload:
                    load.busy += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.wall = time.perf_counter() - began
    return load


def wait_for_replies(fake: RemoteFake, before: int, expected: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while fake.responses() - before < expected and time.monotonic() < deadline:
        time.sleep(0.05)


def run(quick: bool) -> tuple[list[Pair], list[str]]:
    rounds = 1 if quick else 3
    n = 60 if quick else 400
    n200 = 200 if quick else 1400
    reps = people(40)
    fake = RemoteFake(len(reps))
    RESPONSE_BASE[0] = fake.base_url
    users = [u.id for u in reps]
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_accounts(
            engine, users, accounts=2_000 if quick else 20_000, activities=20_000 if quick else 200_000
        )
        add_account_with_history(engine, BIG, users[0], 60_000)
        add_account_with_history(engine, SMALL, users[0], 10)
        engine.dispose()
        env = {
            "DATABASE_URL": url,
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
        }
        ours, floor = start("salesbot", env), start("bare", env)
        pairs: list[Pair] = []
        try:
            # Warm both (imports, first connections, profiles in memory).
            for server in (ours, floor):
                send_load(server.port, "/agenda", "", users, 8, 80)
            wait_for_replies(fake, 0, 80, timeout=60)
            cases = [("/log", f"call {BIG}: pricing for 20 more seats"), ("/account", BIG), ("/agenda", "")]
            for command, text in cases:
                label = f"`{command} {text.split(':')[0]}`".replace(" `", "`")
                for concurrency in (16, 64):
                    p50 = Pair(f"{label} ack p50, concurrency {concurrency}", "ms", goal="")
                    p99 = Pair(f"{label} ack p99, concurrency {concurrency}", "ms", goal="≤ 1.5×")
                    for _ in range(rounds):
                        before = fake.responses()
                        load = send_load(ours.port, command, text, users, concurrency, n)
                        wait_for_replies(fake, before, n - load.busy)
                        p50.ours.append(load.p(0.5))
                        p99.ours.append(load.p(0.99))
                        if load.busy:
                            notes.append(f"{label} at {concurrency}: {load.busy} of {n} refused as busy")
                        bare = send_load(floor.port, command, text, users, concurrency, n)
                        p50.floor.append(bare.p(0.5))
                        p99.floor.append(bare.p(0.99))
                    pairs += [p50, p99]
            # CPU per command, and whether /log costs more on a long history.
            for command, text, label in [
                ("/log", f"call {BIG}: pricing", "`/log` on an account with 60,000 activities"),
                ("/log", f"call {SMALL}: pricing", "`/log` on an account with 10 activities"),
                ("/account", BIG, "`/account` (60,000 activities)"),
                ("/agenda", "", "`/agenda`"),
            ]:
                cpu = Pair(f"CPU per command, {label}", "ms", goal="≤ 3×")
                for _ in range(rounds):
                    before, c0 = fake.responses(), ours.cpu()
                    load = send_load(ours.port, command, text, users, 16, n)
                    wait_for_replies(fake, before, n - load.busy)
                    time.sleep(0.3)  # the App Home refreshes after the replies
                    cpu.ours.append((ours.cpu() - c0) / n * 1000)
                    c0 = floor.cpu()
                    send_load(floor.port, command, text, users, 16, n)
                    cpu.floor.append((floor.cpu() - c0) / n * 1000)
                pairs.append(cpu)
            over = Pair("acks over 3 s at concurrency 200 (`/log`)", "acks", goal="0")
            for _ in range(rounds):
                before = fake.responses()
                load = send_load(ours.port, "/log", f"call {BIG}: pricing", users, 200, n200)
                over.ours.append(float(load.over_3s))
                notes.append(
                    f"`/log` at concurrency 200: {n200} requests, ack p99 {load.p(0.99):.0f} ms, "
                    f"{load.busy} refused as busy, {load.errors} errors"
                )
                wait_for_replies(fake, before, n200 - load.busy)
                bare = send_load(floor.port, "/log", f"call {BIG}: pricing", users, 200, n200)
                over.floor.append(float(bare.over_3s))
            pairs.append(over)
        finally:
            ours.stop()
            floor.stop()
            fake.stop()
    return pairs, notes


def burn_experiment(burn_ms: float, rounds: int = 3, n: int = 300) -> None:
    """``/log`` acks of salesbot, the bare app, and the bare app doing ``burn_ms`` of Python CPU per
    command after its ack on 8 threads (``BENCH_BURN_MS``), interleaved; printed, not written."""
    reps = people(40)
    fake = RemoteFake(len(reps))
    RESPONSE_BASE[0] = fake.base_url
    users = [u.id for u in reps]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_accounts(engine, users, accounts=2_000, activities=20_000)
        add_account_with_history(engine, BIG, users[0], 60_000)
        engine.dispose()
        env = {
            "DATABASE_URL": url,
            "SLACK_API_URL": fake.api_url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
        }
        servers = [
            start("salesbot", env),
            start("bare", env),
            start("bare", {**env, "BENCH_BURN_MS": str(burn_ms)}),
        ]
        names = ["salesbot", "bare", f"bare + {burn_ms:g} ms burn"]
        try:
            send_load(servers[0].port, "/agenda", "", users, 8, 80)
            wait_for_replies(fake, 0, 80, timeout=60)
            for concurrency in (16, 64):
                for _ in range(rounds):
                    for name, server in zip(names, servers, strict=True):
                        before, c0 = fake.responses(), server.cpu()
                        load = send_load(server.port, "/log", f"call {BIG}: pricing", users, concurrency, n)
                        if server is servers[0]:
                            wait_for_replies(fake, before, n - load.busy)
                        else:
                            time.sleep(n * burn_ms / 1000 if server is servers[2] else 0)  # its burns drain
                        cpu = (server.cpu() - c0) / n * 1000
                        print(
                            f"concurrency {concurrency}, {name}: ack p50 {load.p(0.5):.1f} ms, "
                            f"p99 {load.p(0.99):.1f} ms, CPU {cpu:.1f} ms per command",
                            flush=True,
                        )
        finally:
            for server in servers:
                server.stop()
            fake.stop()


if __name__ == "__main__":
    if "--burn" in sys.argv:
        burn_experiment(float(sys.argv[sys.argv.index("--burn") + 1]))
        sys.exit()
    for pair in run("--quick" in sys.argv)[0]:
        print(
            f"{pair.name}: {median(pair.ours):.2f} vs {median(pair.floor):.2f} {pair.unit} ({pair.ratio:.2f}x)"
        )
