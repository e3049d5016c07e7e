"""``cockpit report SESSION [--format md|json] [-o FILE]``: the postmortem draft, no screen."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cockpit.errors import EXIT_OK, RuntimeFailure
from cockpit.files import replace_private
from cockpit.journals import configured, snapshot
from cockpit.retro.markdown import render_markdown
from cockpit.retro.replay import SavedSession
from cockpit.retro.report import render_json, report_for_session
from cockpit.settings import config_if_readable
from cockpit.text import printable


def read_saved(spec: str, args: argparse.Namespace | None = None, **kwargs: object) -> SavedSession:
    """The session named on the command line, read once; a recovered torn tail is mentioned.
    A session in a journal database is read from a snapshot of it (``cockpit.journals``)."""
    saved = SavedSession.read(snapshot(spec, configured(args, spec)), **kwargs)  # type: ignore[arg-type]
    for problem in saved.problems:
        print(printable(f"cockpit: warning: {saved.path}: {problem}"), file=sys.stderr)
    if saved.recovery:
        print(printable(f"cockpit: note: {saved.recovery.describe()}"), file=sys.stderr)
    return saved


def run_report(args: argparse.Namespace) -> int:
    config = config_if_readable(getattr(args, "config", None))  # a broken one need not stop a report
    report = report_for_session(read_saved(args.session, args), config=config)
    text = render_json(report) + "\n" if args.format == "json" else render_markdown(report)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    try:
        replace_private(target, text.encode("utf-8"))  # 0600, and a planted link is replaced
    except OSError as exc:
        raise RuntimeFailure(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    print(f"report written to {target}", file=sys.stderr)
    return EXIT_OK
