"""Durations and times, read and written in one set of spellings.

- :func:`parse_duration` / :func:`format_duration`: durations as people write them in config
  files: ``500ms``, ``5s``, ``20m``, ``3h``, ``1h30m``.
- :func:`format_clock`: countdowns and elapsed time, ``m:ss`` or ``h:mm:ss``; :func:`format_offset`
  puts ``T+`` (or ``T-``) in front.
- :func:`incident_clock`: the incident clock, always ``hh:mm:ss``.
- :func:`hours_minutes`: time engaged, ``h:mm``.
- :func:`human_duration`: durations in prose and reports, ``1h 02m 05s``, ``4m 10s``, ``12s``.
- :func:`clock_time` (``04:31:40``), :func:`short_time` (``04:31``) and :func:`full_time`
  (``2026-11-27 04:31:40 UTC``): moments, always in UTC.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """Parse ``"1h30m"``-style text (or a number of seconds) into a timedelta.

    Raises ValueError with a message that says what was expected: also for a negative, NaN or
    infinite number, and for anything longer than :data:`MAX_DURATION` (100 years), which can
    only be a typing mistake and would overflow the arithmetic on times.
    """
    if isinstance(text, timedelta):
        seconds = text.total_seconds()
    elif isinstance(text, bool):
        raise ValueError("expected a duration such as 500ms, 5s, 20m or 3h")
    elif isinstance(text, (int, float)):
        try:
            seconds = float(text)
        except OverflowError:
            seconds = math.inf
    elif isinstance(text, str):
        compact = text.strip().replace(" ", "")
        pos, seconds = 0, 0.0
        for match in _PART.finditer(compact):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if not compact or pos != len(compact):
            shown = text if len(text) <= 40 else text[:40] + "…"
            raise ValueError(f"{shown!r} is not a duration; expected e.g. 500ms, 5s, 20m, 3h or 1h30m")
    else:
        raise ValueError("expected a duration such as 500ms, 5s, 20m or 3h")
    if math.isnan(seconds):
        raise ValueError("expected a duration such as 500ms, 5s, 20m or 3h, not nan")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError("a duration cannot be longer than 36500d (100 years)")
    return text if isinstance(text, timedelta) else timedelta(seconds=seconds)


MAX_DURATION = timedelta(days=36500)
"""The longest duration :func:`parse_duration` accepts: longer is a typing mistake."""


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling of a duration, the inverse of :func:`parse_duration`."""
    ms = round(value.total_seconds() * 1000)
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _hms(seconds: float) -> tuple[int, int, int]:
    """Whole hours, minutes and seconds of a non-negative number of seconds."""
    hours, rest = divmod(int(seconds), 3600)
    return hours, *divmod(rest, 60)


def format_clock(seconds: float) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour) for countdowns and the incident clock."""
    sign = "-" if seconds < 0 else ""
    hours, minutes, secs = _hms(abs(seconds))
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def to_the_minute(seconds: float, *, left: bool = False) -> str:
    """``42s`` within a minute, then ``27m``, ``1h 05m``: how long until or since, on screen.

    Only the incident clock moves by the second. Every other time on screen (LATE by, due in,
    an ask's time left, the last news) moves by the minute once past its first: a lead reads
    ``LATE 27m`` at a glance, and an idle screen redraws one line a second, not one per step.
    ``left``: time still to go, rounded up (never less than there is); else time gone by,
    rounded down."""
    whole = math.ceil(seconds) if left else int(seconds)
    whole = max(whole, 0)
    if whole < 60:
        return f"{whole}s"
    minutes = math.ceil(whole / 60) if left else whole // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def format_offset(seconds: float) -> str:
    """``T+4:10`` after the origin, ``T-0:05`` before it."""
    return f"T{'-' if seconds < 0 else '+'}{format_clock(abs(seconds))}"


def incident_clock(seconds: float) -> str:
    """``00:42:13``: hours always shown, so the clock never changes width or meaning."""
    hours, minutes, secs = _hms(max(seconds, 0))
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def hours_minutes(seconds: float) -> str:
    """``0:42``: time engaged, to the minute (seconds would only add noise)."""
    hours, minutes = divmod(max(int(seconds // 60), 0), 60)
    return f"{hours}:{minutes:02d}"


def human_duration(seconds: float) -> str:
    """``1h 02m 05s``, ``4m 10s``, ``12s``: a duration in a sentence or a report."""
    whole = int(round(seconds))
    sign = "-" if whole < 0 else ""
    hours, minutes, secs = _hms(abs(whole))
    if hours:
        return f"{sign}{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def clock_time(moment: datetime) -> str:
    """``04:31:40``: a moment on the UTC clock, to the second."""
    return f"{moment:%H:%M:%S}"


def short_time(moment: datetime) -> str:
    """``04:31``: a moment on the UTC clock, to the minute."""
    return f"{moment:%H:%M}"


def full_time(moment: datetime) -> str:
    """``2026-11-27 04:31:40 UTC``."""
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
"""A pydantic field type: accepts ``"5m"`` or seconds, writes back ``"5m"``."""


def bounded(least: str, most: str) -> Any:
    """A :data:`Duration` field type that must lie between ``least`` and ``most``: each range is
    said once, and a value outside it gets a message that names the range."""
    low, high = parse_duration(least), parse_duration(most)

    def check(value: timedelta) -> timedelta:
        if value < low:
            raise ValueError(f"must be at least {format_duration(low)}")
        if value > high:
            raise ValueError(f"must be at most {format_duration(high)}")
        return value

    return Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(check),
                     PlainSerializer(format_duration, return_type=str)]


Interval = bounded("100ms", "1d")
"""How often a health check runs."""
Timeout = bounded("1ms", "10m")
"""How long one health check may take."""
StaleAfter = bounded("100ms", "7d")
"""How long without a conclusive check before an endpoint's state is unknown."""
FlapWindow = bounded("1s", "1d")
"""The window in which many state changes mark an endpoint as flapping."""
FLAP_CHANGES = 6
FLAP_WINDOW = timedelta(minutes=5)
"""The default flapping rule: this many state changes within this window."""
UpdateCadence = bounded("1m", "7d")
"""How often a status update is due."""


_T_PLUS = re.compile(r"^T\+(?:(\d+):)?(\d{1,3}):(\d{2})(?:\.(\d{1,3}))?$")
_EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
_LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


class MomentProblem(ValueError):
    """Why a written time is no moment: ``no-origin``, ``not-a-time``, ``no-zone`` or
    ``implausible``; each caller says it in its own words (``--at``, an imported row)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_moment(text: str, origin: datetime | None) -> datetime:
    """A UTC time with its zone (``2015-10-21T15:01:00Z``), or ``T+MM:SS`` / ``T+H:MM:SS[.mmm]``
    after ``origin`` (the declaration, an import's first row), in UTC; raises MomentProblem."""
    text = text.strip()
    offset = _T_PLUS.match(text)
    if offset:
        if origin is None:
            raise MomentProblem("no-origin")
        hours, minutes, seconds, millis = offset.groups()
        return origin + timedelta(hours=int(hours or 0), minutes=int(minutes), seconds=int(seconds),
                                  milliseconds=int((millis or "0").ljust(3, "0")))
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" and text else text)
    except ValueError:
        raise MomentProblem("not-a-time") from None
    if moment.tzinfo is None:
        raise MomentProblem("no-zone")
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:
        raise MomentProblem("implausible") from None
    if not _EARLIEST <= moment < _LATEST:
        raise MomentProblem("implausible")
    return moment
