"""The command line (docs/command-line.md).

Only the commands that open a screen import Textual, and they do it inside their handler, so
``cockpit status`` and friends start fast. Every error reaches people as one clear paragraph on
stderr with exit code 2 (bad usage or input) or 1 (runtime failure); ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from cockpit import __version__
from cockpit.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CockpitError, RuntimeFailure, UsageError
from cockpit.text import printable

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "RuntimeFailure", "UsageError", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"cockpit: error: {message}\n")


def _severity(value: str) -> str:
    upper = value.upper()
    if upper not in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a severity; use SEV1 (worst) to SEV5")
    return upper


def _handle(value: str) -> str:
    from cockpit.text import handle_problem

    handle = value.strip()
    problem = handle_problem(handle)
    if problem:
        raise argparse.ArgumentTypeError(f"{printable(value)!r} is not a handle: {problem}")
    return handle


def _number_between(least: float, most: float, what: str) -> Callable[[str], float]:
    """An argument type: a finite number in (0, most] and at least ``least``; nan, inf and
    absurd sizes are refused with the range that works."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{printable(value)!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{value!r} is not a finite number; give {what}")
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{value!r} must be greater than 0; give {what}")
        if not least <= number <= most:
            raise argparse.ArgumentTypeError(f"{value!r} is out of range; give {what}")
        return number

    return parse


_positive = _number_between(0.001, 366 * 86400, "seconds between 0.001 and 31622400 (366 days)")
_speed = _number_between(0.01, 1000, "a speed between 0.01 and 1000")


def _port(value: str) -> int:
    try:
        port = int(value, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{printable(value)!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a TCP port; give 1 to 65535")
    return port


def _is_file(name: str) -> bool:
    try:
        return Path(name).expanduser().is_file()
    except (OSError, ValueError, RuntimeError):  # a name too long, a NUL, an unknown ~user
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cockpit", description="A terminal incident cockpit.")
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--config", metavar="PATH",
                        help="config file (docs/configuration.md gives the search order)")
    parser.add_argument("--low-bandwidth", action="store_true",
                        help="256 colours and no animation, for slow SSH links")
    parser.add_argument("--journal", metavar="URL",
                        help="sessions in this PostgreSQL database (docs/journals.md)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str, handler: Callable[[argparse.Namespace], int],
                epilog: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, epilog=epilog)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                       help="config file to use instead of the discovered one")
        p.add_argument("--journal", metavar="URL", default=argparse.SUPPRESS,
                       help="sessions in this PostgreSQL database (docs/journals.md); default:"
                            " [journal] url in the config, else files")
        p.set_defaults(handler=handler)
        return p

    p = command("new", "declare a new incident", _cmd_new)
    p.add_argument("--title", help="what is happening, in a few words")
    p.add_argument("--severity", type=_severity, help="SEV1 (worst) … SEV5; default from config")
    p.add_argument("--protocol", help="runbook to follow (default from config)")
    p.add_argument("--session", metavar="PATH", help="where to write the session file")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE", help="who is declaring")
    p.add_argument("--no-ui", action="store_true", help="create the session and print its path")
    p.add_argument("--at", metavar="TIME", help="declared at this UTC time (an incident typed up"
                   " afterwards), e.g. 2026-11-27T04:10:00Z")
    p.add_argument("--low-bandwidth", action="store_true", default=argparse.SUPPRESS,
                   help="for slow SSH links: clocks once a minute, no sparklines, 256 colours")

    p = command("open", "resume or join an incident (several seats at once)", _lazy("cockpit.ui.launch", "run_open"))
    p.add_argument("session", metavar="SESSION", help="a session file or a prefix of a saved session's name")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE", help="who is at this seat")
    p.add_argument("--read-only", action="store_true", help="observe: browse but record nothing")
    p.add_argument("--share-group", metavar="GROUP", help="let this Unix group write the session file")
    p.add_argument("--low-bandwidth", action="store_true", default=argparse.SUPPRESS,
                   help="for slow SSH links: clocks once a minute, no sparklines, 256 colours")

    p = command("log", "add a timeline entry without opening the screen", _cmd_log)
    p.add_argument("session", metavar="SESSION", help="a session file or a prefix of a saved session's name")
    p.add_argument("text", metavar="TEXT", help="what to record, in one line")
    p.add_argument("--kind", choices=("note", "decision", "action", "hypothesis"), default="note",
                   help="how the entry shows on the timeline and in the report (default: note)")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE",
                   help="who says it (default: $COCKPIT_USER, then the login name)")
    p.add_argument("--at", metavar="TIME", help="when it was said: a UTC time (2015-10-21T15:01:00Z)"
                   " or T+MM:SS from the declaration (default: now)")

    p = command("record", "record any event (severity, status, step, role, ...) without the screen",
                _cmd_record, epilog="KIND is an event kind such as severity.changed, status.changed,"
                " step.done, role.assigned, impact.assessed, ask.started, moment.marked, action.updated,"
                " retro.note, review.updated; FIELD=VALUE pairs give"
                " its fields (docs/session-format.md lists them). Checked as the screen checks it."
                " Exit codes: 0 recorded; 1 another seat changed the same thing first, or the"
                " disk refused; 2 bad usage or input.")
    p.add_argument("session", metavar="SESSION", help="a session file or a prefix of a saved session's name")
    p.add_argument("kind", metavar="KIND")
    p.add_argument("fields", nargs="*", metavar="FIELD=VALUE")
    p.add_argument("--at", metavar="TIME", help="when it happened: a UTC time (2015-10-21T15:01:00Z)"
                   " or T+MM:SS from the declaration; default now")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE", help="who did it")
    p.add_argument("--json", action="store_true", help="print the recorded event as JSON")

    p = command("page", "page a person or a role through [paging] (PagerDuty, Opsgenie or a command)",
                _cmd_page, epilog="Exit codes: 0 the service took the page; 1 it did not (the failure is"
                " recorded, with why); 2 bad usage, or paging is not set up.")
    p.add_argument("session", metavar="SESSION", help="a session file or a prefix of a saved session's name")
    p.add_argument("target", metavar="HANDLE|ROLE", help="a person's handle, or a role: commander, deputy,"
                   " scribe, ops, comms, liaison, sme")
    p.add_argument("--message", metavar="TEXT", default="", help="what they need to know, in one line")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE", help="who is paging")

    p = command("link", "add a link to the incident: the bridge, the channel, a dashboard, a ticket",
                _cmd_link)
    p.add_argument("session", metavar="SESSION", help="a session file or a prefix of a saved session's name")
    p.add_argument("url", metavar="URL", help="an https:// (or http://, mailto:, tel:) link")
    p.add_argument("--label", default="", help="what it is, in a few words (default: the URL)")
    p.add_argument("--kind", choices=("bridge", "channel", "dashboard", "ticket", "runbook", "other"),
                   default="other", help="what kind of link (default: other)")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE", help="who adds it")

    p = command("status", "summary of an incident, no screen", _cmd_status)
    p.add_argument("session", metavar="SESSION")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="one JSON document")
    shown.add_argument("--update", choices=("internal", "external"),
                       help="print the draft of a status update for this audience instead, for scripts")

    p = command("export", "the timeline as CSV, a Markdown table or JSON lines",
                _lazy("cockpit.exporting", "run_export"),
                epilog="csv and md: one row per timeline entry (at, by, kind, text, links); jsonl: one"
                       " event per line, exactly as in the session file, which `cockpit import` reads back")
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--format", choices=("csv", "md", "jsonl"), default="csv", help="default: csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (0600) instead of stdout")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

    p = command("import", "a past incident, from a timeline kept elsewhere, as a new session",
                _lazy("cockpit.importing", "run_import"),
                epilog="FILE is JSON lines (as `cockpit export --format jsonl` writes), CSV or a Markdown"
                       " table with the columns at, by, kind (optional), text. Times are kept. A bad row"
                       " is named by its line and nothing is written (exit 2).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=("jsonl", "csv", "md"),
                   help="default: from the file's name (.jsonl, .csv, .md)")
    p.add_argument("--session", metavar="PATH", help="where to write the new session file")
    p.add_argument("--title", help="the incident's title (default: the file's declaration, else its name)")

    p = command("probe", "run the health checks of the config, no screen",
                _lazy("cockpit.health.cli", "run_probe"),
                epilog="exit codes: 0 every endpoint is up at the end; 1 some endpoint is not up "
                       "(degraded, down or unknown) or the checks could not run; 2 bad usage or config")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one round of checks (the default)")
    mode.add_argument("--duration", type=_positive, metavar="S", help="poll for S seconds")
    p.add_argument("--json", action="store_true", help="one JSON document at the end")

    p = command("drill", "stage a simulated outage to practise on", _lazy("cockpit.drill.cli", "run_drill"))
    p.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO",
                   help="scenario name or file (default: checkout-outage)")
    p.add_argument("--speed", type=_speed, default=1.0, help="scale scenario time (10 = ten times faster)")
    p.add_argument("--session", metavar="PATH", help="where to write the drill session")
    p.add_argument("--no-ui", action="store_true", help="print transitions and injects instead of the screen")
    p.add_argument("--duration", type=_positive, metavar="S", help="stop after S seconds")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE")
    p.add_argument("--low-bandwidth", action="store_true", default=argparse.SUPPRESS,
                   help="for slow SSH links: clocks once a minute, no sparklines, 256 colours")

    p = command("replay", "step through a saved session, read-only", _lazy("cockpit.ui.replay", "run_replay"))
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--as", dest="handle", type=_handle, metavar="HANDLE", help="who writes retro notes")

    p = command("report", "postmortem draft computed from a session", _lazy("cockpit.retro.cli", "run_report"))
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")

    p = command("protocol", "work with protocol files: revise one from what sessions showed", _cmd_protocol)
    actions = p.add_subparsers(dest="protocol_action", metavar="ACTION", parser_class=_Parser)
    r = actions.add_parser("revise", help="propose a revised protocol from sessions' reports, with its diff",
                           description="Propose a revised protocol from the reports of sessions that"
                           " followed it: late or skipped steps, missed cadences, 'missing step' notes,"
                           " steps never used. Prints the diff; never changes the original file.")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                   help="config file to use instead of the discovered one")
    r.add_argument("sessions", nargs="+", metavar="SESSION", help="sessions that followed the protocol")
    r.add_argument("-o", "--output", metavar="FILE", help="write the proposed protocol to FILE (0600)")
    r.add_argument("--force", action="store_true", help="replace FILE when it exists")
    r.set_defaults(handler=_lazy("cockpit.retro.revise", "run_revise"))

    p = command("insights", "figures across the saved incidents and drills", _lazy("cockpit.insights.cli", "run_insights"))
    p.add_argument("--since", metavar="DATE", help="only sessions declared on or after DATE (YYYY-MM-DD)")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--ui", action="store_true", help="open the Insights screen with its charts")

    p = command("validate", "check config, protocol, scenario, theme or session files", _cmd_validate)
    p.add_argument("files", nargs="+", metavar="FILE")

    p = command("sessions", "saved sessions, newest first", _cmd_sessions)
    p.add_argument("--json", action="store_true")

    p = command("push", "publish a session file to the journal database (--journal URL)",
                _lazy("cockpit.dbcommands", "run_push"))
    p.add_argument("session", metavar="SESSION", help="a session file or a prefix of a saved session's name")

    p = command("pull", "write a database session as a session file",
                _lazy("cockpit.dbcommands", "run_pull"))
    p.add_argument("session", metavar="NAME", help="the session's name (or a prefix) in the database")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the session file to write")

    p = command("db", "the journal database", _lazy("cockpit.dbcommands", "run_db"))
    p.add_argument("action", choices=("init",), help="init: create or upgrade the cockpit's tables")

    p = command("web", "serve a read-only seat to browsers, behind a token link", _lazy("cockpit.ui.web", "run_web"))
    p.add_argument("session", metavar="SESSION")
    p.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    p.add_argument("--host", default="127.0.0.1", metavar="HOST",
                   help="address or host name to listen on (default 127.0.0.1; others are reachable"
                        " from the network, and warned about)")
    p.add_argument("--max-viewers", type=int, default=8, metavar="N",
                   help="browser tabs served at once, one seat process each (default 8)")
    return parser


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), name)(args) or 0)

    handler.__name__ = name
    return handler


def run() -> NoReturn:
    """The ``cockpit`` program: ``main``, then the process ends."""
    from cockpit import collector, program

    program.itself = True
    code = main()
    collector.leaving()
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or _lazy("cockpit.ui.launch", "run_start")
    for config, given in ((getattr(args, "config", None), "with --config"),
                          (os.environ.get("COCKPIT_CONFIG"), "in $COCKPIT_CONFIG")):
        if config and not _is_file(config):  # never ignored, whatever the command
            print(printable(f"cockpit: error: {config}: no such config file (given {given})"), file=sys.stderr)
            return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as exc:  # noqa: BLE001 - the one place errors become messages
        if getattr(args, "debug", False):
            raise
        code, message = classify(exc)
        print(f"cockpit: {message}", file=sys.stderr)
        return code


def _reader_went_away() -> int:
    """``cockpit status --json | head``: the reader took what it wanted and closed the pipe.

    That is the reader's choice, not a failure: stop quietly, with nothing on stderr, and point
    stdout at /dev/null so the interpreter's last flush cannot complain either.
    """
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_OK


def classify(exc: BaseException) -> tuple[int, str]:
    """Exit code and message for an error; unknown errors are runtime failures, said plainly."""
    from cockpit.paths import SessionNotFound
    from cockpit.settings import ConfigError

    if isinstance(exc, CockpitError):
        return exc.exit_code, f"error: {printable(str(exc))}"
    if isinstance(exc, (ConfigError, SessionNotFound)):
        return EXIT_USAGE, f"error: {printable(str(exc))}"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return EXIT_FAILURE, printable(f"error: {exc.strerror or exc}{where}")
    return EXIT_FAILURE, (f"error: {type(exc).__name__}: {printable(str(exc))}. This is a bug in"
                          " cockpit; run again with --debug for the details.")


# -- shared helpers for command handlers -----------------------------------------------------


def open_session(spec: str, args: argparse.Namespace | None = None,
                 **kwargs: Any):  # -> Session (kept lazy for import speed)
    from cockpit.journals import configured, resolve
    from cockpit.session import Session

    session = Session.open(resolve(spec, configured(args, spec)), **kwargs)
    for problem in session.problems:  # what the damage cost, and where it is
        print(printable(f"cockpit: warning: {session.path}: {problem}"), file=sys.stderr)
    if session.recovery:
        print(printable(f"cockpit: note: {session.recovery.describe()}"), file=sys.stderr)
    return session


def said_after_writing(session: Any) -> None:
    """A torn tail this command set aside while writing: where it went."""
    if session.journal.recovery is not None:
        print(printable(f"cockpit: note: {session.journal.recovery.describe()}"), file=sys.stderr)


# -- the headless commands -------------------------------------------------------------------


def _cmd_new(args: argparse.Namespace) -> int:
    if not args.no_ui:
        return _lazy("cockpit.ui.launch", "run_new")(args)
    from cockpit.recording import declare_from_args

    session, _ = declare_from_args(args)
    print(printable(str(session.path)))
    return EXIT_OK


def _cmd_log(args: argparse.Namespace) -> int:
    from cockpit.domain.durations import clock_time
    from cockpit.domain.events import NoteAdded

    text = args.text.strip()
    if not text:
        raise UsageError("nothing to log: the text is empty")
    session = open_session(args.session, args, handle=args.handle, keep_events=False)
    if session.state.declared_at is None:
        raise UsageError(f"{session.path} has no declared incident to log to")
    note = NoteAdded(text=text, tag=args.kind)
    if args.at:
        from cockpit.recording import parse_moment

        note = note.model_copy(update={"at": parse_moment(args.at, session.state.declared_at)})
    event = session.record(note)
    said_after_writing(session)
    print(printable(f"logged {args.kind} #{event.seq} at {clock_time(event.at)} UTC by {event.by}"))
    return EXIT_OK


def _cmd_record(args: argparse.Namespace) -> int:
    from cockpit import jsonfmt
    from cockpit.domain.durations import full_time
    from cockpit.recording import build_event, parse_fields, parse_moment

    session = open_session(args.session, args, handle=args.handle, keep_events=False)
    if session.state.declared_at is None and args.kind != "incident.declared":
        raise UsageError(f"{session.path} has no declared incident to record in")
    event = build_event(args.kind, parse_fields(args.fields), session.state)
    if args.at:
        event = event.model_copy(update={"at": parse_moment(args.at, session.state.declared_at)})
    recorded = session.record(event)
    said_after_writing(session)
    if args.json:
        print(jsonfmt.dumps(recorded.to_record()))
    else:
        print(printable(f"recorded {recorded.kind} #{recorded.seq} at {full_time(recorded.at)}"
                        f" by {recorded.by}", one_line=True))
    return EXIT_OK


def _cmd_page(args: argparse.Namespace) -> int:
    from cockpit.paging.cli import run_page

    return run_page(args, open_session, said_after_writing)


def _cmd_link(args: argparse.Namespace) -> int:
    from cockpit.domain.events import LinkAdded
    from cockpit.domain.links import label_problem, url_problem

    problem = url_problem(args.url) or label_problem(args.label)
    if problem:
        raise UsageError(f"{printable(args.url, one_line=True)!r}: {problem}")
    session = open_session(args.session, handle=args.handle)
    if session.state.declared_at is None:
        raise UsageError(f"{session.path} has no declared incident to add a link to")
    event = session.record(LinkAdded(url=args.url, label=args.label, link_kind=args.kind))
    said_after_writing(session)
    print(printable(f"added link #{event.seq} ({args.kind}): {event.label or event.url}", one_line=True))
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    from cockpit import jsonfmt
    from cockpit.summary import status_document, status_text

    session = open_session(args.session, args, keep_events=False)
    now = session.now()
    if args.update:
        from cockpit.drafts import draft_update
        from cockpit.settings import load_config
        from cockpit.updates import update_cadence

        cadence = update_cadence(session.state, load_config(getattr(args, "config", None)).updates, args.update)
        print(printable(draft_update(session.state, now, audience=args.update, next_update_at=now + cadence)))
        return EXIT_OK
    if args.json:
        print(jsonfmt.dumps(status_document(session, now), indent=2))
    else:
        print(printable(status_text(session, now)))
    return EXIT_OK


def _cmd_sessions(args: argparse.Namespace) -> int:
    from cockpit import jsonfmt
    from cockpit.journals import configured
    from cockpit.listing import list_sessions

    db = configured(args)
    if db is not None:
        from cockpit.dbcommands import database_rows

        rows = database_rows(db)
    else:
        rows = list_sessions()
    if args.json:
        print(jsonfmt.dumps(rows, indent=2))
        return EXIT_OK
    if not rows:
        print("no saved sessions yet; `cockpit new` declares one")
        return EXIT_OK
    for row in rows:
        flag = " DRILL" if row["drill"] else ""
        title = printable(row["title"], one_line=True)
        title = title if len(title) <= 50 else title[:49] + "…"
        print(printable(f"{row['severity'] or '----':4}  {row['status']:13} {title:50}{flag}  {row['path']}",
                        one_line=True))
    return EXIT_OK


def _cmd_protocol(args: argparse.Namespace) -> int:
    raise UsageError("say what to do with protocols: cockpit protocol revise SESSION… [-o FILE]")


def _cmd_validate(args: argparse.Namespace) -> int:
    from cockpit.validate import validate_file

    failures = 0
    for name in args.files:
        ok, message = validate_file(Path(name))
        print(printable(message), file=sys.stdout if ok else sys.stderr)
        failures += not ok
    return EXIT_USAGE if failures else EXIT_OK


def iso(moment: datetime | None) -> str | None:
    from cockpit.tomlfmt import toml_datetime

    return toml_datetime(moment) if moment else None
