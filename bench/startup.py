"""Start-up: ``salesbot run --http`` until ``/healthz`` answers, against the bare Bolt app."""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.commands import free_port
from bench.common import Pair, migrated_sqlite
from bench.servers import SECRET


def time_until_healthy(args: list[str], env: dict[str, str], port: int) -> float:
    began = time.perf_counter()
    process = subprocess.Popen(
        args, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - began
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{args} exited with {process.returncode}")
            if time.perf_counter() - began > 60:
                raise RuntimeError(f"{args} did not answer /healthz within 60 s")
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(10)


def compile_sources() -> None:
    """Byte-compile salesbot as installing it does (pip writes the .pyc files): otherwise, with
    PYTHONDONTWRITEBYTECODE set or a read-only tree, every start would compile every module again,
    which an installed bot never does (and the floor, importing a handful of modules, barely does)."""
    root = Path(__file__).resolve().parent.parent
    for package in ("bot", "bench"):
        compileall.compile_dir(root / package, quiet=1)


def run(quick: bool) -> tuple[list[Pair], list[str]]:
    rounds = 3 if quick else 7
    pair = Pair("start-up until `/healthz` answers", "s", goal="≤ 1.5×")
    compile_sources()
    with tempfile.TemporaryDirectory() as tmp:
        url = migrated_sqlite(Path(tmp) / "bench.db")  # an installed bot: the schema is current
        env = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
        }
        for _ in range(rounds):
            port = free_port()
            pair.ours.append(
                time_until_healthy(
                    [sys.executable, "-m", "bot", "run", "--http", "--port", str(port), "--no-scheduler"],
                    env,
                    port,
                )
            )
            port = free_port()
            pair.floor.append(
                time_until_healthy(
                    [sys.executable, "-m", "bench.servers", "bare", "--port", str(port)], env, port
                )
            )
    return [pair], []
