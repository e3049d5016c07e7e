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
from cockpit.settings import Config, ConfigError, load_config
from cockpit.text import printable


def _config(args: argparse.Namespace) -> Config | None:
    """The config in force, to find a protocol the session names without its steps.

    A broken config file must not stop a report of a session that does not need it.
    """
    try:
        return load_config(getattr(args, "config", None))
    except ConfigError:
        if getattr(args, "config", None):
            raise
        return None


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
    report = report_for_session(read_saved(args.session, args), config=_config(args))
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
