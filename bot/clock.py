"""Time as a dependency: production reads the system clock, tests move a fixed one."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests, the console's replay and `tick --now`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now


class OffsetClock:
    """The system clock moved forward by an offset: the console's ``:time +2d`` moves it, time still flows."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self.now()


class Deadline:
    """A time budget: ``seconds`` from now on ``timer`` (``time.monotonic``; tests give one that follows
    their clock). ``Deadline(None)`` never passes. One deadline may be shared by several pieces of work
    (``salesbot tick``: every workspace's delivery), and ``share(n)`` cuts a fair part of what is left."""

    def __init__(self, seconds: float | None, timer: Callable[[], float] = time.monotonic) -> None:
        self.timer = timer
        self.at = None if seconds is None else timer() + seconds

    def left(self) -> float | None:
        return None if self.at is None else max(0.0, self.at - self.timer())

    def passed(self) -> bool:
        return self.at is not None and self.timer() >= self.at

    def share(self, ways: int) -> Deadline:
        """A deadline for one of ``ways`` parts of what is left (never later than this one)."""
        left = self.left()
        return Deadline(None if left is None else left / max(1, ways), self.timer)
