"""Time as an injectable dependency, so tests and replays decide what "now" is."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


def utc_ms(moment: datetime) -> datetime:
    """The same instant in UTC, truncated to milliseconds (the session file's precision)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that moves only when told to: for tests, screenshots and benchmarks."""

    def __init__(self, start: datetime) -> None:
        self._now = utc_ms(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        self._now += timedelta(seconds=seconds, **delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = utc_ms(moment)
