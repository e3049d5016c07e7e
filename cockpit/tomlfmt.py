"""Writing and reading TOML the way the session file needs it.

Every event is written as one ``[[events]]`` table whose values all sit on one line each (nested
values as inline tables), with ``seq`` as its last line. That makes a complete event recognisable
in the raw bytes (it ends with ``seq = N`` and a newline), which is what torn-tail recovery and
following another seat's appends rely on. Reading uses rtoml when it is installed (several times
faster than tomllib) and tomllib otherwise.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timezone
from typing import Any

try:  # pragma: no cover - exercised by whichever parser is installed
    import rtoml as _rtoml

    def parse_toml(text: str) -> dict[str, Any]:
        return _rtoml.loads(text, none_value=None)

    TomlError: tuple[type[Exception], ...] = (_rtoml.TomlParsingError,)
    PARSER = "rtoml"
except ImportError:  # pragma: no cover
    import tomllib

    def parse_toml(text: str) -> dict[str, Any]:
        return tomllib.loads(text)

    TomlError = (tomllib.TOMLDecodeError,)
    PARSER = "tomllib"

def foreign_timezones() -> tuple[type, ...]:
    """The parser's own ``tzinfo`` classes (rtoml's do not pickle): what a checkpoint stores as
    plain ``datetime.timezone`` offsets."""
    parsed = parse_toml("t = 2026-01-01T00:00:00Z\nu = 2026-01-01T00:00:00+01:00")
    return tuple({type(value.tzinfo) for value in parsed.values()} - {timezone})


def parse_deep(text: str) -> dict[str, Any]:
    """``text`` by the standard library's parser, which follows nesting deeper than rtoml does
    (its own limit is Python's recursion limit: RecursionError)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc)) from None


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f\ud800-\udfff]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    if "\ud800" <= char <= "\udfff":  # a lone surrogate cannot be stored in UTF-8
        return "\\uFFFD"
    return f"\\u{ord(char):04X}"


def toml_string(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, text) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_datetime(moment: datetime) -> str:
    """UTC with milliseconds, e.g. ``2026-11-27T04:10:00.120Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def toml_value(value: Any) -> str:
    """One value on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime):
        return toml_datetime(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(f"{toml_key(str(k))} = {toml_value(v)}" for k, v in value.items()
                          if v is not None)
        return "{ " + inner + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value if v is not None) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def toml_table_lines(mapping: dict[str, Any]) -> list[str]:
    return [f"{toml_key(k)} = {toml_value(v)}" for k, v in mapping.items() if v is not None]


def event_block(record: dict[str, Any]) -> bytes:
    """One ``[[events]]`` table, ``seq`` on its last line (the mark of a complete event)."""
    fields = {k: v for k, v in record.items() if k != "seq"}
    lines = ["", "[[events]]", *toml_table_lines(fields), f"seq = {int(record['seq'])}", ""]
    return "\n".join(lines).encode("utf-8")
