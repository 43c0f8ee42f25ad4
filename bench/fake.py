"""The fake Slack Web API in its own process, so that its cost is not charged to what is measured.

    python -m bench.fake USERS   → prints its base URL, serves until stdin closes

``bench.stats`` answers how many messages reached a ``response_url`` and how many were posted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from http.server import ThreadingHTTPServer
from typing import Any

from bench.common import people
from bot.console.fake_slack import FakeSlack


class CountingFake(FakeSlack):
    def _answer(self, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        if method == "bench.stats":
            with self.state.lock:
                calls = list(self.state.calls)
            return {
                "ok": True,
                "responses": sum(1 for c in calls if c.method == "response_url"),
                "posted": sum(1 for c in calls if c.method == "chat.postMessage"),
            }
        return super()._answer(method, params, token)


class RemoteFake:
    """A ``CountingFake`` running in a child process."""

    def __init__(self, users: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fake", str(users)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().decode().strip()
        self.api_url = self.base_url + "/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.base_url}/response/{key}"

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.api_url + "bench.stats", timeout=30) as answer:
            return json.loads(answer.read())

    def responses(self) -> int:
        return self.stats()["responses"]

    def answered(self, body: str, content_type: str) -> None:
        """What the app answered in an ack: checked against Slack's limits by the tests, not here."""

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:  # still answering kept-alive connections: it has done its part
            self.process.terminate()
            self.process.wait(10)


def main() -> None:
    # Like Slack, accept many connections at once (socketserver's default backlog is 5: a burst of
    # parallel posts would wait a second for a retransmitted SYN).
    ThreadingHTTPServer.request_queue_size = 256
    fake = CountingFake(people(int(sys.argv[1]))).start()
    print(fake.base_url, flush=True)
    sys.stdin.read()
    fake.stop()


if __name__ == "__main__":
    main()
