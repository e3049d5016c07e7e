"""``cockpit export SESSION [--format csv|md|jsonl] [-o FILE]``: the timeline, for other tools.

- **jsonl**: one JSON object per event, its record exactly as the session file holds it (``seq``,
  ``at``, ``by``, ``kind`` and the kind's own fields), in the one order every view folds by (``at``,
  then ``seq``). ``cockpit import`` reads it back into the same events, so a report of the import
  is the report of the original.
- **csv** and **md** (a Markdown table): the timeline as people read it, one row per entry with
  the columns ``at`` (UTC, ISO 8601), ``by``, ``kind``, ``text`` (the narrator's sentence, the one
  the timeline shows; a text written over several lines keeps its lines) and ``links`` (the URLs
  the entry carries). Presence and the health windows are left out, as on the timeline.

What goes out is safe where it lands: text passes :func:`cockpit.text.printable`; a CSV cell that
a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return; and ``'`` so the guard itself reads back) is prefixed with ``'``; a Markdown cell has its
punctuation backslash-escaped and its newlines written as ``<br>``, so no entry can break the
table or inject HTML. JSON is ASCII with ``\\uXXXX`` escapes (:mod:`cockpit.jsonfmt`).

A file named with ``-o`` is created 0600 and never replaces an existing one unless ``--force``
is given. Exporting only reads the session.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cockpit import jsonfmt
from cockpit.domain import events as ev
from cockpit.domain.state import fold
from cockpit.errors import EXIT_OK, RuntimeFailure, UsageError
from cockpit.files import create_private, replace_private
from cockpit.journal import Journal
from cockpit.narrate import Context, narrate
from cockpit.paths import resolve_session
from cockpit.text import printable
from cockpit.tomlfmt import toml_datetime

FORMATS = ("csv", "md", "jsonl")
COLUMNS = ("at", "by", "kind", "text", "links")
NOT_ON_THE_TIMELINE = frozenset({"session.configured", "seat.joined", "seat.left", "health.summary"})
"""Kinds the timeline leaves out (the configuration, presence, health windows): so does a table."""

LINK_FIELDS = ("url", "runbook_url", "generator_url", "dashboard", "runbook", "ticket")
_URL = re.compile(r"https?://[^\s<>\"'`|]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
"""First characters a spreadsheet may read as a formula; ``'`` too, so the guard reads back."""
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")
_PLACE = "\ue000"
"""Stands for an entry's own text while the narrator words the rest of its line."""


# -- the rows ---------------------------------------------------------------------------------------


def _records(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The session's event records as the file holds them, in fold order; and what was damaged."""
    loaded = Journal(path).load()
    problems = list(loaded.problems)
    if loaded.recovery is not None:
        problems.append(loaded.recovery.describe())
    records = sorted(loaded.events, key=lambda r: (r["at"], r["seq"]))
    return records, problems


def sentence(event: ev.Event, context: Mapping[str, str]) -> str:
    """The narrator's sentence for ``event``; an entry written over several lines keeps them."""
    text = getattr(event, "text", None)
    if not isinstance(text, str) or "\n" not in text.strip():
        return narrate(event, context)
    line = narrate(event.model_copy(update={"text": _PLACE}), context)
    return line.replace(_PLACE, printable(text.strip()))


def links_of(event: ev.Event) -> list[str]:
    """The URLs an entry carries: its link fields, then any written in its text."""
    record = event.to_record()
    found = [str(record[name]) for name in LINK_FIELDS
             if isinstance(record.get(name), str) and _URL.fullmatch(str(record[name]).strip())]
    text = record.get("text")
    if isinstance(text, str):
        found += _URL.findall(text)
    return [printable(url, one_line=True) for url in dict.fromkeys(found)]


def timeline_rows(records: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """One row per timeline entry: at, by, kind, text, links (all text, all printable)."""
    events = [ev.parse_event(dict(r)) for r in records]
    state = fold(events)
    context = Context({step.id: step.text for _, step in state.all_steps()}, events)
    rows = []
    for event in events:
        if event.kind in NOT_ON_THE_TIMELINE:
            continue
        rows.append({
            "at": toml_datetime(event.at),
            "by": printable(event.by, one_line=True),
            "kind": printable(event.kind if isinstance(event.kind, str) else str(event.kind), one_line=True),
            "text": sentence(event, context),
            "links": " ".join(links_of(event)),
        })
    return rows


# -- the formats ------------------------------------------------------------------------------------


def csv_cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def render_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def markdown_cell(value: str) -> str:
    """A cell that cannot end the row or the table, nor carry HTML: punctuation escaped, lines
    joined with ``<br>``."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", value.replace("\r\n", "\n").replace("\r", "\n"))
    return escaped.replace("\n", "<br>")


def render_markdown(rows: list[dict[str, str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(markdown_cell(row[c]) for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def render_jsonl(records: Iterable[dict[str, Any]]) -> str:
    """One event a line: ``seq``, ``at``, ``by``, ``kind`` first, then its fields as written."""
    first = ("seq", "at", "by", "kind")
    return "".join(jsonfmt.dumps({**{k: r[k] for k in first if k in r},
                                  **{k: v for k, v in r.items() if k not in first}}) + "\n"
                   for r in records)


def export_text(path: Path, fmt: str) -> tuple[str, list[str]]:
    """The export of the session at ``path`` in ``fmt``, and the damage met reading it."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    records, problems = _records(path)
    if fmt == "jsonl":
        return render_jsonl(records), problems
    rows = timeline_rows(records)
    return (render_csv(rows) if fmt == "csv" else render_markdown(rows)), problems


def write_output(target: Path, text: str, *, force: bool, what: str) -> None:
    """``text`` into a new 0600 file at ``target``; an existing one only with ``force``."""
    data = text.encode("utf-8")
    try:
        if force:
            replace_private(target, data)
        else:
            create_private(target, data)
    except FileExistsError:
        raise UsageError(f"{target} already exists; give another -o FILE, or --force to replace"
                         " it") from None
    except OSError as exc:
        raise RuntimeFailure(f"cannot write the {what} to {target}: {exc.strerror or exc}") from None


def run_export(args: argparse.Namespace) -> int:
    path = resolve_session(args.session)
    text, problems = export_text(path, args.format)
    for problem in problems:
        print(printable(f"cockpit: warning: {path}: {problem}"), file=sys.stderr)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    write_output(target, text, force=args.force, what="export")
    print(printable(f"timeline written to {target} ({args.format})"), file=sys.stderr)
    return EXIT_OK
