"""Reading a session file's bytes into event records, whatever wrote them.

An event is complete when its ``[[events]]`` table parses: completeness never depends on how the
file is laid out (key order, comments, blank lines, CRLF, one line per value or sub-tables).
Reading is pure: it never writes, and it never cuts anything away.

- The fast path parses the whole file at once (rtoml), which is what a healthy file costs.
- When that fails, the file is split at its table headers into the header and one piece per
  ``[[events]]`` table, and the pieces are parsed by bisection: a damaged event in the middle
  (a NUL, bad UTF-8, a broken value) costs that event only, and is reported with its byte offset;
  a last piece that does not parse is a torn tail (a crash mid-append), left for a recording
  seat to set aside.
- Every record is then checked for what the format promises (``seq``, ``at``, ``kind``): one that
  cannot be placed in time is reported and left out of the fold, and stays in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from cockpit.tomlfmt import TomlError, parse_deep, parse_toml

FORMAT = 1
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)
"""Times outside these are typing mistakes, and arithmetic on them (a due time) would overflow."""

_TABLE_HEADER = re.compile(rb"^[ \t]*(\[\[?)[ \t]*([^\]\r\n]*?)[ \t]*\]\]?[ \t]*(?:#[^\r\n]*)?\r?$",
                           re.MULTILINE)


@dataclass(frozen=True)
class Piece:
    """A run of bytes that starts at a table header (or the file's start)."""

    start: int
    end: int


@dataclass
class Parsed:
    """What a run of bytes holds: complete records, and where completeness stopped."""

    records: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)
    """Top-level tables other than ``events`` (the header, in the first run)."""
    end: int = 0
    """Offset just past the last complete piece; the bytes after it are a torn tail, if any."""
    problems: list[str] = field(default_factory=list)
    damaged: list[tuple[Piece, str]] = field(default_factory=list)


def _key_path(raw: bytes) -> list[str]:
    return [part.strip().strip("\"'") for part in raw.decode("utf-8", "replace").split(".")]


def pieces(data: bytes, base: int = 0) -> list[Piece]:
    """Split at each header that opens a new top-level table: ``[[events]]``, ``[cockpit]``, or
    any other name; sub-tables (``[events.endpoints]``, as tomli-w writes) stay with their event."""
    starts = [0]
    current = ""
    for match in _TABLE_HEADER.finditer(data):
        path = _key_path(match.group(2))
        if len(path) == 1 or path[0] != current:
            if match.start() > 0:
                starts.append(match.start())
            current = path[0]
    last_line = data.rfind(b"\n") + 1
    if data[last_line:].lstrip(b" \t").startswith(b"[") and last_line > starts[-1]:
        starts.append(last_line)  # a table header cut short: the start of a torn tail
    starts.append(len(data))
    return [Piece(base + a, base + b) for a, b in zip(starts, starts[1:]) if b > a]


_LINE = re.compile(r"\bline (\d+)")


def _parse_bytes(chunk: bytes, offset: int = 0, line: int = 1) -> dict[str, Any] | str:
    """The parsed document, or why it does not parse (a sentence). ``chunk`` starts at byte
    ``offset`` and line ``line`` of the file, so positions are said as the file counts them."""
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text at byte {offset + exc.start}"
    try:
        return parse_toml(text)
    except TomlError as exc:
        said = " ".join(str(exc).split())
        if "recurs" in said:  # rtoml stops at ~80 levels; valid deeper TOML is still TOML
            try:
                return parse_deep(text)
            except (*TomlError, ValueError, RecursionError):
                return "nested too deeply"
        return _LINE.sub(lambda m: f"line {int(m.group(1)) + line - 1}", said)
    except RecursionError:
        return "nested too deeply"


def read(data: bytes, base: int = 0, *, first: bool = True) -> Parsed:
    """The records in ``data``, which starts at offset ``base`` of the file (``first``: at its
    beginning, where the header lives). Raises :class:`HeaderError` for an unreadable header."""
    whole = _parse_bytes(data)
    parsed = Parsed(end=base)
    if isinstance(whole, dict) and not set(whole) - {"events", "cockpit" if first else ""}:
        _collect(whole, Piece(base, base + len(data)), parsed, first=first, single=False)
    else:
        _bisect(data, base, pieces(data, base), parsed, first)
    if parsed.records and parsed.end == base + len(data) and _cut_short(data, parsed.records[-1]):
        last = pieces(data, base)[-1]
        if last.start > base or not first:
            parsed.records.pop()
            parsed.end = last.start
    for piece, reason in parsed.damaged:
        if piece.start < parsed.end:  # complete events follow it: it costs itself only
            parsed.problems.append(f"byte {piece.start}: a damaged event, left out ({reason})")
    return parsed


def _cut_short(data: bytes, last: dict[str, Any]) -> bool:
    """Whether the file's last table is a write cut short rather than an event.

    Every complete event has a seq, and every writer ends its lines: a last table without a seq
    was cut at a line's end, and a last line without its newline may be a number cut short
    (``seq = 1`` of ``seq = 12``). Either is a torn tail, kept aside whole, never read as an event.
    """
    if "seq" not in last:
        return True
    tail = data.rstrip(b" \t")
    return not tail.endswith(b"\n") and not data[data.rfind(b"\n") + 1:].lstrip().startswith(b"#")


def _bisect(data: bytes, base: int, parts: list[Piece], out: Parsed, first: bool) -> None:
    """Parse ``parts`` as one run when it parses, else each half, down to single pieces."""
    if not parts:
        return
    run = Piece(parts[0].start, parts[-1].end)
    doc = _parse_bytes(data[run.start - base:run.end - base])
    stray = isinstance(doc, dict) and set(doc) - {"events", "cockpit" if first and run.start == base else ""}
    if isinstance(doc, dict) and not (stray and len(parts) > 1):  # a stray table: find its place
        _collect(doc, run, out, first=first and run.start == base, single=len(parts) == 1)
        return
    if len(parts) > 1:
        middle = len(parts) // 2
        _bisect(data, base, parts[:middle], out, first)
        _bisect(data, base, parts[middle:], out, first)
        return
    start = run.start - base
    line = 1 + data.count(b"\n", 0, start)
    doc = _parse_bytes(data[start:run.end - base], run.start, line if base == 0 else 1)
    if first and run.start == base:
        raise HeaderError(f"the header does not parse: {doc}")
    out.damaged.append((run, doc if isinstance(doc, str) else "it does not parse"))


def _collect(doc: dict[str, Any], run: Piece, out: Parsed, *, first: bool, single: bool) -> None:
    events = doc.pop("events", [])
    if isinstance(events, dict):  # ``[events]`` instead of ``[[events]]``
        out.problems.append(f"byte {run.start}: a table [events] is not an event"
                            " (each event is an [[events]] table); left out")
        events = []
    elif not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        out.problems.append(f"byte {run.start}: events = {events!r:.40} is not a list of"
                            " [[events]] tables; left out")
        events = []
    for record in events:
        out.records.append({**record, "_offset": run.start} if single else record)
    for name, value in doc.items():
        if first and name == "cockpit" and "cockpit" not in out.tables:
            out.tables[name] = value
        else:
            where = "a second header" if name == "cockpit" else f"a table [{name}]"
            out.problems.append(f"byte {run.start}: {where} is not part of the session format;"
                                " ignored")
    out.end = run.end


class HeaderError(ValueError):
    """The ``[cockpit]`` header is missing or unreadable: nothing else can be trusted."""


def check_header(tables: dict[str, Any]) -> dict[str, Any]:
    header = tables.get("cockpit")
    if not isinstance(header, dict):
        raise HeaderError("no [cockpit] header: this is not a session file")
    version = header.get("format", FORMAT)
    if isinstance(version, bool) or not isinstance(version, int):
        raise HeaderError(f"format = {version!r} in [cockpit]: expected a whole number ({FORMAT})")
    if version > FORMAT:
        raise HeaderError(f"written in session format {version}, newer than this cockpit"
                          f" understands ({FORMAT}); upgrade cockpit to open it")
    if "drill" in header and not isinstance(header["drill"], bool):
        raise HeaderError(f"drill = {header['drill']!r} in [cockpit]: expected true or false")
    return header


@dataclass
class Checked:
    """Records ready to fold, and why the others are not."""

    records: list[dict[str, Any]]
    problems: list[str]
    highest: int
    """The highest seq among them (or the one before them)."""


def checked(records: list[dict[str, Any]], previous: int = 0) -> Checked:
    """Each record ready to fold (``at`` an aware UTC time, ``by`` and ``id`` text), or a
    sentence on why it cannot be; ``previous``: the seq of the event before them, so that seqs
    going back are said (once: every event is still read).

    One loop over every record of a session, so an event as the cockpit writes it passes a few
    checks inline; anything else takes the long way, which says what is wrong."""
    ready: list[dict[str, Any]] = []
    problems: list[str] = []
    highest = previous
    said_order = False
    utc = timezone.utc
    for record in records:
        offset = record.pop("_offset", None)  # where a piece read alone starts (``_collect``)
        seq, at, kind = record.get("seq"), record.get("at"), record.get("kind")
        if type(seq) is int and seq >= 1 and type(kind) is str and kind and type(at) is datetime \
                and type(record.get("by", "")) is str and type(record.get("id", "")) is str:
            if at.tzinfo is not utc:
                at = record["at"] = _utc(at)
            problem = None if EARLIEST <= at < LATEST else _described_problem(record, seq, at, kind)
        else:
            problem = _described_problem(record, seq, at, kind)
        if problem is not None:
            where = f"event seq {seq}" if type(seq) is int else "an event"
            if offset is not None:
                where += f" at byte {offset}"
            problems.append(f"{where}: {problem}; left out of the incident (it stays in the file)")
            continue
        if seq <= previous and not said_order:
            problems.append(f"seq {seq} follows seq {previous}: the seqs are not increasing"
                            " (every event is still read; new events take the next number)")
            said_order = True
        previous = seq
        if seq > highest:
            highest = seq
        ready.append(record)
    return Checked(ready, problems, highest)


def _utc(at: datetime) -> datetime:
    """``at`` with the standard library's UTC zone. A local date-time is read as UTC, the only
    zone the format uses; any other is the same moment in UTC: the parser's own zone objects (one
    per value) make every comparison of two times call back into the parser, the fold compares
    times on every event, and a checkpoint pickled each zone."""
    if at.tzinfo is timezone.utc:
        return at
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def _described_problem(record: dict[str, Any], seq: Any, at: Any, kind: Any) -> str | None:
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        return f"seq = {seq!r}, expected a whole number from 1" if "seq" in record else "no seq"
    if not isinstance(kind, str) or not kind:
        return f"kind = {kind!r}, expected an event kind such as note.added" if "kind" in record \
            else "no kind"
    if isinstance(at, datetime):
        at = record["at"] = _utc(at)
        if not EARLIEST <= at < LATEST:
            return f"at = {at.isoformat()} is not a plausible time"
        for name in ("by", "id"):  # text fields of every event: kept, as text
            if name in record and not isinstance(record[name], str):
                record[name] = str(record[name])
        return None
    if isinstance(at, date):
        return f"at = {at.isoformat()} is a date, expected a UTC time such as 2026-11-27T04:10:00.120Z"
    if "at" not in record:
        return "no at (when it happened)"
    return f"at = {at!r}, expected a UTC time such as 2026-11-27T04:10:00.120Z"
