"""``cockpit insights [--since DATE] [--format md|json] [-o FILE] [--ui]``: across the saved sessions."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cockpit import jsonfmt
from cockpit.errors import EXIT_OK, RuntimeFailure, UsageError
from cockpit.files import replace_private
from cockpit.insights.markdown import render_markdown
from cockpit.insights.model import build, gather
from cockpit.paths import saved_sessions
from cockpit.settings import Config, config_if_readable
from cockpit.text import printable


def parse_since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--since {printable(text)!r} is not a date: give it as YYYY-MM-DD,"
                         " e.g. 2026-01-01") from None


def insights_document(*, config: Config | None, since: date | None,
                      now: datetime | None = None) -> dict[str, Any]:
    """The document over every saved session (the cache spares the unchanged ones)."""
    zone = ZoneInfo(config.insights.timezone if config else "UTC")
    gathered = gather(saved_sessions(), config=config)
    return build(gathered, now=now or datetime.now(timezone.utc), since=since, zone=zone)


def run_insights(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    config = config_if_readable(getattr(args, "config", None))
    if args.ui:
        from cockpit.ui.insights import run_insights_screen  # only the screen pays for Textual

        return run_insights_screen(config=config, since=since)
    doc = insights_document(config=config, since=since)
    for unreadable in doc["sessions"]["unreadable"]:
        print(printable(f"cockpit: warning: {unreadable['path']}: {unreadable['problem']}"), file=sys.stderr)
    text = jsonfmt.dumps(doc, indent=2) + "\n" if args.format == "json" else printable(render_markdown(doc))
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    try:
        replace_private(target, text.encode("utf-8"))
    except OSError as exc:
        raise RuntimeFailure(f"cannot write the insights to {target}: {exc.strerror or exc}") from None
    print(f"insights written to {target}", file=sys.stderr)
    return EXIT_OK
