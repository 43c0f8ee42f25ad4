"""The scheduler's heartbeat, for ``GET /healthz``: when did its last pass succeed?

Each scheduler job calls ``beat()`` after a pass that finished (a pass that raised does not count).
``state()`` is healthy while the last pass is younger than ``STALE_AFTER`` on the injected clock; a
process that has just started gets the same delay for its first pass.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bot.clock import Clock

STALE_AFTER = timedelta(minutes=5)


class Heartbeat:
    def __init__(self, clock: Clock, *, stale_after: timedelta = STALE_AFTER) -> None:
        self.clock = clock
        self.stale_after = stale_after
        self.started_at = clock.now()
        self.last_pass: datetime | None = None
        self._lock = threading.Lock()

    def beat(self) -> None:
        with self._lock:
            self.last_pass = self.clock.now()

    def state(self) -> tuple[bool, str]:
        """(healthy, what to report): ``ok``, ``starting``, or ``stale: no successful pass for …``."""
        now = self.clock.now()
        with self._lock:
            last = self.last_pass
        if last is None:
            if now - self.started_at <= self.stale_after:
                return True, "starting"
            return False, f"stale: no successful pass since the start, {_ago(now - self.started_at)}"
        if now - last > self.stale_after:
            return False, f"stale: no successful pass for {_ago(now - last)}"
        return True, "ok"


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s ago" if seconds >= 60 else f"{seconds} s ago"
