"""The two HTTP servers the command benchmark compares, each run as its own process.

    python -m bench.servers salesbot --port 3000   (DATABASE_URL, SLACK_API_URL … from the environment)
    python -m bench.servers bare --port 3001

``salesbot`` is exactly what ``salesbot run --http`` serves (without the scheduler), its work processes
included; ``bare`` is the
floor: a Bolt app whose listeners ack with a constant, behind the same WSGI server and adapter.

``BENCH_BURN_MS=15`` (an experiment, not a floor): the bare app's listeners ack, then hand a burn of
that many milliseconds of Python CPU to 8 worker threads, as salesbot hands its work to its pool;
it shows what doing work after the ack in the same interpreter costs the acks (bench/NOTES.md).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

SECRET = "bench-signing-secret"


def bare_wsgi() -> Any:
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token="xoxb-bench", base_url=os.environ.get("SLACK_API_URL", "http://127.0.0.1:9/")),
        signing_secret=SECRET,
        process_before_response=True,
        token_verification_enabled=False,
    )
    burn = float(os.environ.get("BENCH_BURN_MS") or 0) / 1000
    jobs: queue.Queue[float] = queue.Queue()

    def worker() -> None:
        while True:
            end = time.thread_time() + jobs.get()
            spin = 0
            while time.thread_time() < end:
                spin = sum(i * i for i in range(200))
            del spin

    if burn:
        for n in range(8):
            threading.Thread(target=worker, name=f"work-{n}", daemon=True).start()

    def listener(ack: Any) -> None:
        ack()
        if burn:
            jobs.put(burn)

    for command in ("/log", "/account", "/agenda"):
        app.command(command)(listener)
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            body = json.dumps({"status": "ok"}).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return slack(environ, start_response)

    return wsgi


def salesbot_wsgi() -> Any:
    from bot.http_server import make_wsgi_app
    from bot.runner import build_runtime, start_work_processes
    from bot.settings import Settings

    settings = Settings.from_env()
    runtime = build_runtime(settings)
    start_work_processes(runtime, settings)  # as `salesbot run` does (SALESBOT_WORK_PROCESSES)
    return make_wsgi_app(runtime.app, runtime.engine)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=["salesbot", "bare"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    from bot.http_server import create_http_server

    if os.environ.get("BENCH_SWITCH"):
        import sys

        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))
    wsgi = salesbot_wsgi() if args.which == "salesbot" else bare_wsgi()
    server = create_http_server(wsgi, "127.0.0.1", args.port)
    print("ready", flush=True)
    server.run()


if __name__ == "__main__":
    main()
