"""``cockpit db init``, ``cockpit push`` and ``cockpit pull``: the journal database from the
command line (docs/command-line.md, docs/journals.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cockpit.errors import EXIT_OK, UsageError
from cockpit.files import replace_private
from cockpit.journals import configured
from cockpit.paths import resolve_session
from cockpit.pgjournal import Database, init_schema, list_sessions, pull, push, session_bytes
from cockpit.session import Session
from cockpit.text import printable
from cockpit.tomlfmt import toml_datetime


def _database(args: argparse.Namespace, command: str) -> Database:
    db = configured(args)
    if db is None:
        raise UsageError(f"cockpit {command} needs a journal database: --journal postgresql://…"
                         " or [journal] url in the config")
    return db


def run_db(args: argparse.Namespace) -> int:
    db = _database(args, "db init")
    applied = init_schema(db)
    if applied:
        print(printable(f"created the cockpit's tables at {db.where} (schema version"
                        f" {max(applied)})"))
    else:
        print(printable(f"the cockpit's tables at {db.where} are up to date"))
    return EXIT_OK


def run_push(args: argparse.Namespace) -> int:
    db = _database(args, "push")
    path = resolve_session(args.session)
    name, count = push(db, path)
    print(printable(f"pushed {name}: {count} new event{'' if count == 1 else 's'} to {db.where}"))
    return EXIT_OK


def run_pull(args: argparse.Namespace) -> int:
    db = _database(args, "pull")
    header, records = pull(db, args.session)
    target = Path(args.output)
    if target.is_dir():
        raise UsageError(f"-o {target} is a folder; name the session file to write")
    replace_private(target, session_bytes(header, records))
    Session.open(target, read_only=True)  # what was written reads back as a session
    print(printable(f"wrote {header.get('session')} ({len(records)} events) to {target}"),
          file=sys.stderr)
    return EXIT_OK


def iso(moment: Any) -> str | None:
    return toml_datetime(moment) if moment else None


def database_rows(db: Database) -> list[dict[str, Any]]:
    """``cockpit sessions`` rows for the database's sessions, newest first (as for files; the
    name stands where the path would). Nothing is written, here or there."""
    from cockpit.domain.events import parse_event
    from cockpit.domain.state import fold
    from cockpit.folding import fold_key

    rows = []
    for found in list_sessions(db):
        _, records = pull(db, found["name"])
        state = fold(sorted((parse_event(r) for r in records), key=fold_key))
        rows.append({"path": found["name"], "title": state.title, "severity": state.severity,
                     "status": state.status, "drill": bool(found["header"].get("drill", False)),
                     "declared_at": iso(state.declared_at), "events": found["events"]})
    return rows
