"""Values as Gatus reads them, for the condition language (``cockpit.health.conditions``).

Gatus compares text: every operand becomes a string, and ``==`` reads two integers as numbers
(Go's ``strconv.ParseInt(s, 0, 64)``: ``0x1f``, ``0o17``, ``0b101``, ``1_000``) where ``< <= > >=``
read numbers and Go durations. These functions give the same answers from the JSON values and
placeholders a check saw, with two corrections documented in docs/conditions.md: a fraction is
kept (Gatus truncates 1.95 to 1) and a leading zero stays decimal (Go reads ``010`` as 8). They
also hold ``pat()``'s matching: Go's ``filepath.Match``, as Gatus uses it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_INTEGER = re.compile(r"[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[0-9](?:_?[0-9])*)")
_INT64 = (-(2**63), 2**63 - 1)
_LONGEST = 200  # longer than any int64, however written: not worth converting
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DURATION_PART = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d)")
_DURATION_MS = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4,
                "h": 3.6e6, "d": 8.64e7}


def text(value: Any) -> str:
    """A value as Gatus compares it: strings as they are, numbers as written, objects and arrays
    as minified JSON with sorted keys (Go's ``json.Marshal`` of a map)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def integer(value: Any) -> int | None:
    """An integer as ``strconv.ParseInt(s, 0, 64)`` reads it: decimal, ``0x``, ``0o``, ``0b``,
    underscores between digits, within int64. A leading zero stays decimal (``010`` is 10, where
    Go reads 8)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str) or len(value) > _LONGEST or not _INTEGER.fullmatch(value):
        return None
    digits = value.lstrip("+-")
    number = int(value, 0) if digits[:2].lower() in ("0x", "0o", "0b") else int(value.replace("_", ""), 10)
    return number if _INT64[0] <= number <= _INT64[1] else None  # beyond, Gatus compares the text


def duration_ms(written: str) -> float | None:
    """Milliseconds of a Go duration (``300ms``, ``1h30m``, ``-1.5s``; also ``d`` for days)."""
    sign = -1.0 if written.startswith("-") else 1.0
    body = written[1:] if written[:1] in ("+", "-") else written
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(body):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _DURATION_MS[match.group(2)]
        pos = match.end()
    return sign * total if pos and pos == len(body) else None


def measure(value: Any) -> float | None:
    """A value as ``< <= > >=`` see it: a number, or a duration in milliseconds; None otherwise.
    Unlike Gatus, a fraction is kept (1.95 > 1.9) and text is never taken for 0."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if not isinstance(value, str):
        return None
    for read in (duration_ms, integer):
        number = read(value)
        if number is not None:
            return number
    return float(value) if _DECIMAL.fullmatch(value) else None


def equal(left: Any, right: Any) -> bool:
    """As Gatus's ``==``: two integers compare as numbers, anything else as text."""
    a, b = integer(left), integer(right)
    if a is not None and b is not None:
        return a == b
    return text(left) == text(right)


def glob_regex(glob: str) -> re.Pattern[str]:
    """Go's ``filepath.Match`` grammar, without ``/`` (as Gatus strips it); ValueError says what
    is malformed, which Gatus would only find as a pattern that never matches."""
    glob = glob.replace("/", "")
    out, i = [], 0
    while i < len(glob):
        char = glob[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "\\":
            if i + 1 == len(glob):
                raise ValueError("ends with a lone \\")
            i += 1
            out.append(re.escape(glob[i]))
        elif char == "[":
            klass, i = _glob_class(glob, i + 1)
            out.append(klass)
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _glob_class(glob: str, i: int) -> tuple[str, int]:
    """``[a-z]`` or ``[^0-9]`` starting after the ``[``: the regex class and where it ends."""
    negate = glob.startswith("^", i)
    i += negate
    ranges = []
    while not (glob.startswith("]", i) and ranges):
        low, i = _glob_char(glob, i)
        high = low
        if glob.startswith("-", i):
            high, i = _glob_char(glob, i + 1)
        if low > high:
            raise ValueError(f"has a backwards range {low}-{high}")
        ranges.append(re.escape(low) + ("-" + re.escape(high) if high != low else ""))
    return "[" + "^" * negate + "".join(ranges) + "]", i + 1


def _glob_char(glob: str, i: int) -> tuple[str, int]:
    if i >= len(glob):
        raise ValueError("has a [ that is not closed with ]")
    if glob[i] in "-]":
        raise ValueError(f"has {glob[i]!r} where a character of a [...] class belongs (escape it with \\)")
    if glob[i] == "\\":
        if i + 1 >= len(glob):
            raise ValueError("has a [ that is not closed with ]")
        return glob[i + 1], i + 2
    return glob[i], i + 1
