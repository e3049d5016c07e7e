"""``cockpit import FILE [--session PATH] [--title T]``: a past incident, handled elsewhere, as a
session the cockpit can replay, report on and count.

Three inputs, told apart by the file's name (``.jsonl``, ``.csv``, ``.md``) or ``--format``:

- **JSON lines**, as ``cockpit export --format jsonl`` writes them: the exact events. Each line is
  one event record (``seq``, ``at``, ``by``, ``kind`` and its fields); a known kind must validate as
  that kind. The events are written in their ``seq`` order; seqs that are not 1, 2, 3… are numbered
  again, and the fields that point at another event by its seq (``ask``, ``evidence``, ``update``,
  ``action``) follow them.
- **CSV** or a **Markdown table** with the columns ``at``, ``by``, ``text`` and optionally ``kind``
  and ``links`` (other columns are ignored), such as a timeline kept in a document during the
  incident, or ``cockpit export`` itself. A row whose kind this version knows and whose text reads
  the way the narrator words that kind (``severity → SEV1 (critical) because …``, ``status →
  RESOLVED``, ``decision: roll back``…) becomes that event; a kind of ``note``, ``decision``,
  ``action`` or ``hypothesis`` is a timeline entry of that tag; anything else becomes a note with the
  row's text (its kind said in front), so nothing in the file is dropped.

Times are kept: every event lands at its ``at`` (a UTC time with its zone, ``2015-10-21T15:01:00Z``,
or ``T+MM:SS`` / ``T+H:MM:SS`` from the first row's time). A file without a declaration is declared
at its first row (title from ``--title``, else the file's name). The new session's header says it
was imported (``imported``, when; ``imported_from``, the file's name).

A bad row stops the import with its line number and what is wrong (exit 2); nothing is written
until every row has been read, and the new file is written in one append.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from cockpit.domain import events as ev
from cockpit.domain.clock import SystemClock, utc_ms
from cockpit.domain.durations import MomentProblem, read_moment
from cockpit.domain.links import LINK_KINDS
from cockpit.domain.vocabulary import IMPACT_LABELS, MOMENT_LABELS, RETRO_CATEGORY_LABELS, ROLE_TITLES
from cockpit.errors import EXIT_OK, UsageError
from cockpit.journal import Journal, JournalWriteError
from cockpit.paths import new_session_path
from cockpit.session import default_handle
from cockpit.settings import load_config
from cockpit.text import handle_problem, printable

FORMATS = ("jsonl", "csv", "md")
MAX_BYTES = 64 * 1024 * 1024
"""A timeline bigger than this is not a timeline a person kept: refused, not read into memory."""
REFERENCES = ("ask", "evidence", "update", "action")
"""Fields that name another event by its seq."""
TAGS = ("note", "decision", "action", "hypothesis")
COLUMN_NAMES = {
    **{name: "at" for name in ("at", "time", "timestamp", "when", "time (utc)", "utc")},
    **{name: "by" for name in ("by", "who", "author", "user", "handle")},
    **{name: "kind" for name in ("kind", "type", "tag")},
    **{name: "text" for name in ("text", "what", "message", "note", "entry", "description")},
    "links": "links",
}
"""Column names a timeline kept elsewhere uses, and the column each means (the first one wins)."""
IMPORTED_PROTOCOL = "imported"
"""The protocol an imported timeline is configured with: none of the team's, so the report says
adherence is not assessed rather than judging a response by a runbook it never followed."""

_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
             ".md": "md", ".markdown": "md"}
_MD_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ARROW = r"(?:→|->)"


class ImportProblem(UsageError):
    """A file that cannot be imported: the message names the line and what is wrong."""


@dataclass
class Imported:
    """What an import read: the event records to write, and what it had to decide."""

    records: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


# -- times ------------------------------------------------------------------------------------------


def parse_time(text: str, origin: datetime | None, line: int) -> datetime:
    """A UTC time with its zone, or ``T+MM:SS`` from ``origin``; the message names the line."""
    text = text.strip()
    try:
        return utc_ms(read_moment(text, origin))
    except MomentProblem as problem:
        raise ImportProblem({
            "no-origin": f"line {line}: at = {text!r} counts from the first row's time, and"
                         " there is none before it; give a UTC time such as 2026-11-27T04:10:00Z",
            "not-a-time": f"line {line}: at = {printable(text, one_line=True)!r} is not a time;"
                          " give a UTC time such as 2026-11-27T04:10:00Z",
            "no-zone": f"line {line}: at = {text!r} has no zone; end it with Z for UTC (or give"
                       " its offset), so it means one moment wherever it is read",
        }.get(problem.reason, f"line {line}: at = {text!r} is not a plausible time")) from None


# -- JSON lines -------------------------------------------------------------------------------------


def _datetime_fields(kind: str) -> set[str]:
    model = ev.KINDS.get(kind)
    if model is None:
        return set()
    names = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if annotation is datetime or datetime in get_args(annotation):
            names.add(info.alias or name)
    return names


def read_jsonl(text: str) -> Imported:
    """The exact events of a ``cockpit export --format jsonl`` file."""
    records: list[tuple[int, dict[str, Any]]] = []
    seqs: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise ImportProblem(f"line {number}: not a JSON object ({reason})") from None
        if not isinstance(record, dict):
            raise ImportProblem(f"line {number}: expected one JSON object per line (an event), got"
                                f" {type(record).__name__}")
        seq = record.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise ImportProblem(f"line {number}: seq = {printable(repr(seq), one_line=True)}; expected"
                                " a whole number from 1")
        if seq in seqs:
            raise ImportProblem(f"line {number}: seq {seq} is already on line {seqs[seq]}")
        seqs[seq] = number
        kind = record.get("kind")
        if not isinstance(kind, str) or not kind.strip():
            raise ImportProblem(f"line {number}: kind = {printable(repr(kind), one_line=True)}; expected"
                                " an event kind such as note.added")
        at = record.get("at")
        if not isinstance(at, str):
            raise ImportProblem(f"line {number}: at = {printable(repr(at), one_line=True)}; expected a"
                                " UTC time such as 2026-11-27T04:10:00.120Z")
        record["at"] = parse_time(at, None, number)
        for name in _datetime_fields(kind) - {"at"}:
            value = record.get(name)
            if isinstance(value, str):
                record[name] = parse_time(value, None, number)
        by = record.get("by", "")
        if not isinstance(by, str):
            raise ImportProblem(f"line {number}: by = {printable(repr(by), one_line=True)}; expected"
                                " a handle")
        _check_known(record, number)
        records.append((number, record))
    if not records:
        raise ImportProblem("the file holds no events (one JSON object per line)")
    records.sort(key=lambda item: item[1]["seq"])
    return Imported([record for _, record in records])


def _check_known(record: dict[str, Any], line: int) -> None:
    """A known kind must be that kind: a typo in a field is said now, not folded away later."""
    model = ev.KINDS.get(record["kind"])
    if model is None:
        return
    try:
        model.model_validate(record)
    except ValidationError as exc:
        problems = "; ".join(_field_problem(e) for e in exc.errors()[:3])
        raise ImportProblem(f"line {line}: {printable(record['kind'], one_line=True)}: {problems}") from None


def _field_problem(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())) or "fields"
    if error.get("type") == "missing":
        return f"{where} is needed"
    return printable(f"{where}: {error.get('msg', 'not valid').lower()}", one_line=True)


# -- tables: CSV and Markdown -----------------------------------------------------------------------


def csv_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) for each CSV row; a cell guarded against formulas (``'=…``) is read
    back without its guard."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            line = reader.line_num
            yield line, [_unguard(cell) for cell in cells]
    except csv.Error as exc:
        raise ImportProblem(f"line {reader.line_num}: not valid CSV ({exc})") from None


def _unguard(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r", "'") else cell


def _split_markdown(row: str) -> list[str]:
    """The cells of ``| a | b\\|c |``: split at the pipes that are not escaped."""
    cells, cell, escaped = [], [], False
    for char in row:
        if escaped:
            cell.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append("".join(cell))
            cell = []
        else:
            cell.append(char)
    if escaped:
        cell.append("\\")
    cells.append("".join(cell))
    return cells


def _markdown_text(cell: str) -> str:
    return _MD_ESCAPE.sub(r"\1", _MD_BREAK.sub("\n", cell.strip()))


def markdown_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) for each row of the first Markdown table in ``text``."""
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        match = _MD_ROW.match(line)
        if match is None:
            if in_table:
                return  # the table ended
            continue
        if _MD_RULE.match(line):
            continue
        in_table = True
        yield number, [_markdown_text(cell) for cell in _split_markdown(match.group(1))]


def read_table(rows: Iterable[tuple[int, list[str]]]) -> Imported:
    """Events from a timeline table: its first row names the columns."""
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        raise ImportProblem("the file holds no table: expected a first row naming the columns at,"
                            " by, kind, text")
    header_line, names = header
    columns: dict[str, int] = {}
    for i, name in enumerate(names):
        column = COLUMN_NAMES.get(name.strip().lower())
        if column is not None:
            columns.setdefault(column, i)
    missing = [name for name in ("at", "by", "text") if name not in columns]
    if missing:
        raise ImportProblem(f"line {header_line}: the first row names the columns; {', '.join(missing)}"
                            f" {'is' if len(missing) == 1 else 'are'} missing (expected at, by, kind,"
                            " text, links)")
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    origin: datetime | None = None
    kept_as_notes = 0
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        if not cell("at"):
            raise ImportProblem(f"line {number}: the at cell is empty; give a UTC time such as"
                                " 2026-11-27T04:10:00Z")
        at = parse_time(cell("at"), origin, number)
        origin = origin or at
        by = cell("by")
        problem = handle_problem(by)
        if problem:
            raise ImportProblem(f"line {number}: by = {printable(by, one_line=True)!r}: {problem}")
        text = cell("text")
        if not text:
            raise ImportProblem(f"line {number}: the text cell is empty; say what happened")
        record = row_event(cell("kind"), text, at)
        if record is None:
            kind = printable(cell("kind"), one_line=True)
            record = {"kind": "note.added", "text": f"{kind}: {text}" if kind else text, "tag": "note"}
            kept_as_notes += bool(kind)
        records.append({"at": at, "by": by, **record})
        _check_known(records[-1], number)
    if not records:
        raise ImportProblem(f"line {header_line}: the table has no rows under its column names")
    if kept_as_notes:
        notes.append(f"{kept_as_notes} row{'s' if kept_as_notes != 1 else ''} kept as notes: the kind"
                     " is not one this version reads back from its text")
    return Imported(records, notes)


# -- a row's words back into an event ------------------------------------------------------------


_ROLES = {("SME" if role == "sme" else title.lower()): role for role, title in ROLE_TITLES.items()}
_FIELDS = {label: name for name, label in IMPACT_LABELS.items()}
_ROLE_WORDS = "|".join(re.escape(words) for words in sorted(_ROLES, key=len, reverse=True))


def _next_at(hhmm: str, at: datetime) -> datetime:
    """``04:52`` after ``at``: the first such time from the row's own moment."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(hhmm)
    moment = at.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    return moment if moment >= at else moment + timedelta(days=1)


def row_event(kind: str, text: str, at: datetime) -> dict[str, Any] | None:
    """The fields of the event a row's kind and words describe (as the narrator says them), or
    None when they do not read as that kind."""
    kind = kind.strip()
    if kind in TAGS:
        return {"kind": "note.added", "text": text, "tag": kind}
    reader = _READERS.get(kind)
    if reader is None:
        return None
    try:
        fields = reader(text, at)
    except ValueError:
        return None
    return {"kind": kind, **fields} if fields is not None else None


def _match(pattern: str, text: str) -> re.Match[str]:
    found = re.fullmatch(pattern, text, re.DOTALL)
    if found is None:
        raise ValueError(text)
    return found


def _note(text: str, _: datetime) -> dict[str, Any]:
    tag, sep, rest = text.partition(": ")
    if sep and tag in TAGS[1:] and rest.strip():
        return {"text": rest, "tag": tag}
    return {"text": text, "tag": "note"}


def _update(text: str, at: datetime) -> dict[str, Any]:
    found = _match(r"(internal|external) update(?: \(next by (\d{1,2}:\d{2})\))?: (.+)", text)
    fields: dict[str, Any] = {"audience": found.group(1), "text": found.group(3)}
    if found.group(2):
        fields["next_update_at"] = _next_at(found.group(2), at)
    return fields


def _prefixed(prefix: str, name: str = "text") -> Any:
    def read(text: str, _: datetime) -> dict[str, Any]:
        return {name: _match(re.escape(prefix) + r"(.+)", text).group(1)}

    return read


_CATEGORIES = {label.rstrip("?").lower(): name for name, label in RETRO_CATEGORY_LABELS.items()}
_MOMENTS = {label: name for name, label in MOMENT_LABELS.items()}


def _retro(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"retro note(?: \(([^)]*)\))?: (.+)", text)
    fields: dict[str, Any] = {"text": found.group(2)}
    if found.group(1) is not None:
        if found.group(1) not in _CATEGORIES:
            raise ValueError(text)
        fields["category"] = _CATEGORIES[found.group(1)]
    return fields


def _moment(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"key moment( \(inferred\))?: (.+)", text)
    if found.group(2) not in _MOMENTS:
        raise ValueError(text)
    return {"moment": _MOMENTS[found.group(2)], "inferred": found.group(1) is not None}


def _link(text: str, _: datetime) -> dict[str, Any]:
    found = _match(rf"link \(({'|'.join(LINK_KINDS)})\): (?:(.+) — )?(\S+)", text)
    fields: dict[str, Any] = {"link_kind": found.group(1), "url": found.group(3)}
    if found.group(2):
        fields["label"] = found.group(2)
    return fields


def _declared(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"declared (SEV[1-5])(?: \([a-z]+\))?: (.+)", text)
    return {"severity": found.group(1), "title": found.group(2)}


def _severity(text: str, _: datetime) -> dict[str, Any]:
    found = _match(rf"severity {_ARROW} (SEV[1-5])(?: \([a-z]+\))?(?: because (.+))?", text)
    return {"severity": found.group(1), "reason": found.group(2) or ""}


def _status(text: str, _: datetime) -> dict[str, Any]:
    found = _match(rf"status {_ARROW} (INVESTIGATING|IDENTIFIED|MONITORING|RESOLVED)", text.strip())
    return {"status": found.group(1).lower()}


def _impact(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"impact: ([a-z ]+?) = (.*)", text)
    if found.group(1) not in _FIELDS:
        raise ValueError(text)
    return {"field": _FIELDS[found.group(1)], "value": found.group(2)}


def _role(verb: str) -> Any:
    def read(text: str, _: datetime) -> dict[str, Any]:
        found = _match(rf"(\S+) {verb} ({_ROLE_WORDS})(?: — briefing: (.+))?", text)
        fields: dict[str, Any] = {"handle": found.group(1), "role": _ROLES[found.group(2)]}
        if found.group(3):
            fields["briefing"] = found.group(3)
        return fields

    return read


def _joined(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"(\S+) joined \((paged|engaged|resting|off)\)", text)
    return {"handle": found.group(1), "status": found.group(2)}


def _member_status(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"(\S+) is now (paged|engaged|resting|off)", text)
    return {"handle": found.group(1), "status": found.group(2)}


def _health(text: str, _: datetime) -> dict[str, Any]:
    states = "unknown|up|degraded|down"
    found = _match(rf"(\S+) ({states}) {_ARROW} ({states})(?: \((.*)\))?", text)
    return {"endpoint": found.group(1), "from": found.group(2), "to": found.group(3),
            "detail": found.group(4) or ""}


def _ask(text: str, _: datetime) -> dict[str, Any]:
    found = _match(r"ask (\S+?): (.+) · back in ([0-9.]+(?:e[+-]?\d+)?) min", text)
    return {"handle": found.group(1), "task": found.group(2), "minutes": float(found.group(3))}


_READERS: dict[str, Any] = {
    "note.added": _note,
    "update.posted": _update,
    "retro.note": _retro,
    "moment.marked": _moment,
    "link.added": _link,
    "drill.inject": _prefixed("drill inject: "),
    "incident.declared": _declared,
    "incident.retitled": _prefixed("retitled: ", "title"),
    "severity.changed": _severity,
    "status.changed": _status,
    "impact.assessed": _impact,
    "role.assigned": _role("took"),
    "role.released": _role("released"),
    "member.joined": _joined,
    "member.status": _member_status,
    "health.changed": _health,
    "ask.started": _ask,
}
"""The kinds a table row is read back into, from the narrator's words for them."""


def readable_kinds() -> list[str]:
    return sorted({*_READERS, *TAGS})


# -- the new session --------------------------------------------------------------------------------


def format_of(path: Path, given: str | None) -> str:
    if given:
        return given
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ImportProblem(f"{path}: cannot tell the format from its name; give --format"
                            f" {'|'.join(FORMATS)}")
    return fmt


def read_file(path: Path, fmt: str) -> Imported:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ImportProblem(f"{path} is {size // (1024 * 1024)} MiB; an imported timeline is at"
                                f" most {MAX_BYTES // (1024 * 1024)} MiB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportProblem(f"{path} is a folder, not a timeline") from None
    except OSError as exc:
        raise ImportProblem(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportProblem(f"line {line}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ImportProblem(f"line {line}: a NUL byte; this is not a text file")
    if fmt == "jsonl":
        return read_jsonl(text)
    return read_table(csv_rows(text) if fmt == "csv" else markdown_rows(text))


def complete(imported: Imported, *, title: str | None, severity: str, by: str) -> list[dict[str, Any]]:
    """The records to write, in order: what every incident starts with when the file lacks it
    (the configuration, the ``imported`` protocol with no steps; a declaration at the first
    event), then the file's events. Their seqs become their places (1, 2, 3…), and the fields
    naming another event by its seq follow. ``title`` renames the incident."""
    records = list(imported.records)
    first = min(records, key=lambda r: r["at"])
    opening: list[dict[str, Any]] = []
    if not any(r["kind"] == "session.configured" for r in records):
        opening.append({"at": first["at"], "by": first.get("by") or by, "kind": "session.configured",
                        "protocol": IMPORTED_PROTOCOL})
    declared = next((r for r in records if r["kind"] == "incident.declared"), None)
    if declared is None:
        opening.append({"at": first["at"], "by": first.get("by") or by, "kind": "incident.declared",
                        "title": title or "Imported incident", "severity": severity})
        imported.notes.append("no declaration in the file: declared at its first event")
    elif title:
        declared["title"] = title
    ordered = opening + records
    places = {r["seq"]: n for n, r in enumerate(ordered, start=1) if "seq" in r}
    if any(old != new for old, new in places.items()):
        imported.notes.append("the seqs were not 1, 2, 3…: numbered again, in the same order")
    for record in ordered:
        record.pop("seq", None)
        for name in REFERENCES:
            value = record.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value in places:
                record[name] = places[value]
    return ordered


def write_session(records: list[dict[str, Any]], *, target: Path, source: Path,
                  now: datetime) -> Path:
    """A new session file holding ``records``, in one append; nothing left when it fails."""
    header = {"session": target.stem, "created": min(r["at"] for r in records), "drill": False,
              "imported": now, "imported_from": printable(source.name, one_line=True)}
    journal = Journal.create(target, header)
    try:
        journal.append(records)
    except JournalWriteError:
        journal.remove()
        raise
    finally:
        journal.close()
    return target


def run_import(args: argparse.Namespace) -> int:
    source = Path(args.file).expanduser()
    fmt = format_of(source, getattr(args, "format", None))
    imported = read_file(source, fmt)
    title = (args.title or "").strip() or None
    if title is None and not any(r["kind"] == "incident.declared" for r in imported.records):
        title = source.stem.replace("-", " ").replace("_", " ").strip() or None
    config = load_config(getattr(args, "config", None))
    records = complete(imported, title=title, severity=config.incident.default_severity,
                       by=default_handle(None))
    declared = next(r for r in records if r["kind"] == "incident.declared")
    target = Path(args.session) if args.session else new_session_path(str(declared["title"]), declared["at"])
    write_session(records, target=target, source=source, now=utc_ms(SystemClock().now()))
    for note in imported.notes:
        print(printable(f"cockpit: note: {note}"), file=sys.stderr)
    print(printable(f"imported {len(records)} events from {source.name} into {target}"), file=sys.stderr)
    print(printable(str(target)))
    return EXIT_OK

