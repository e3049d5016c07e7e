"""Opening the cockpit from the command line: ``cockpit open``, ``cockpit new``, bare ``cockpit``.

``run_app`` is the one place the screen runs. Its crash handler puts the terminal back the way
it found it (line discipline, cursor, main screen, mouse off) whatever happens inside, and
anything typed that could not reach the session file is written to a rescue file next to it
and named on stderr: what people typed is never lost.

``cockpit open`` paints its first frame before the core is imported (see ``cockpit.ui.app``), so
this module imports the settings and the session only inside the functions that need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from cockpit.errors import UsageError

if TYPE_CHECKING:
    from cockpit.session import Session
    from cockpit.settings import Config
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.incident import IncidentScreen

RESET_TERMINAL = (
    "\x1b[?1049l"  # leave the alternate screen
    "\x1b[?25h"    # show the cursor
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l"  # mouse reporting off
    "\x1b[?2004l"  # bracketed paste off
    "\x1b[0m"      # default colours
)


def low_bandwidth_environment(enabled: bool) -> None:
    """256 colours and no animation, set before Textual is imported (it reads them once)."""
    if enabled:
        os.environ["TEXTUAL_COLOR_SYSTEM"] = "256"
        os.environ["TEXTUAL_ANIMATIONS"] = "none"


def run_cockpit(session: Session, *, config: Config | None = None, monitor_for: Any = None,
                drill: Any = None, low_bandwidth: bool = False) -> int:
    """Run the cockpit on ``session`` until the person quits; returns the exit code.
    ``monitor_for(record)`` builds the health monitor, recording through the screen's seat."""
    low_bandwidth_environment(low_bandwidth)
    from cockpit.settings import load_config
    from cockpit.ui.app import CockpitApp

    config = config or load_config()
    return run_app(CockpitApp(session, config=config, monitor_for=monitor_for, drill=drill,
                              low_bandwidth=low_bandwidth))


def run_app(app: CockpitApp) -> int:
    """Run a CockpitApp; the terminal is restored and unsaved entries rescued, whatever happens.

    An incident that could not be opened is raised here, after the terminal is back, for the
    command line to report."""
    saved = _terminal_state()
    app.ends_on_signals = True
    try:
        code = app.run()
    except OSError:  # the terminal went away under Textual's last writes: the seat has left
        if app.ended_by is None:
            raise
        code = None
    finally:
        _restore_terminal(saved)
        for note in app.notes_for_exit:
            _say(f"cockpit: note: {note}")
        if app.incident is not None:  # the screen is gone: the seat's last words go to stderr
            seat = app.incident.seat
            recovery = seat.session.journal.recovery or seat.session.recovery
            if recovery is not None:  # said on screen too, but the screen hid stderr
                _say(f"cockpit: note: {recovery.describe()}")
            seat.say = lambda notice: _say(f"cockpit: {notice.text}")
            seat.rescue()
            seat.session.keep_checkpoint()  # quit before the screen wrote it: the next open is warm
        if app.ended_by is not None:
            _say(f"cockpit: ended by {app.ended_by}; the seat left the incident")
    if app.open_error is not None:
        raise app.open_error
    return int(code if code is not None else (app.return_code or 0))


def _say(line: str) -> None:
    """A line on stderr, if there still is one: after a hang-up the terminal is gone, and what is
    left to do (the rescue, the checkpoint) must not stop at the first line that cannot be said."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _terminal_state() -> Any:
    """The terminal's line discipline, or None when stdin is not a terminal.

    Under textual-serve stdin is a pipe and ``tcgetattr`` raises ``termios.error`` (not an
    OSError): it must not end the browser tab's seat.
    """
    try:
        import termios
    except ImportError:
        return None
    try:
        return termios.tcgetattr(sys.stdin.fileno())
    except (termios.error, OSError, ValueError):  # not a terminal (tests, pipes)
        return None


def _restore_terminal(saved: Any) -> None:
    if saved is None:
        return
    import termios

    try:
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
        sys.stdout.write(RESET_TERMINAL)
        sys.stdout.flush()
    except (termios.error, OSError, ValueError):
        pass


def run_open(args: argparse.Namespace) -> int:
    """``cockpit open SESSION [--as HANDLE] [--read-only] [--share-group GROUP]``."""
    low_bandwidth_environment(bool(getattr(args, "low_bandwidth", False)))
    return run_app(open_app(args))


def open_app(args: argparse.Namespace) -> CockpitApp:
    """The app for ``cockpit open``: the layout first, then the session read and polled.

    A session that does not exist is refused here, before the screen opens; a config or a file
    that cannot be read is found by the opener and reported once the terminal is back."""
    from cockpit.paths import resolve_session
    from cockpit.ui.app import CockpitApp

    if getattr(args, "journal", None) is None and os.path.isfile(os.path.expanduser(args.session)):
        path: Any = resolve_session(args.session)  # a file: nothing more to load before the screen
    else:
        from cockpit.journals import configured, resolve

        path = resolve(args.session, configured(args, args.session))  # or a journal elsewhere

    def read() -> tuple[Any, Any]:
        from cockpit.session import Session
        from cockpit.settings import load_config

        config = load_config(getattr(args, "config", None))
        return config, Session.open(path, handle=args.handle, read_only=args.read_only,
                                    keep_events=False, keep_parsed=True,  # the timeline's earlier
                                    checkpoint_later=True)  # part and the checkpoint follow

    async def open_incident(app: CockpitApp) -> IncidentScreen:
        from cockpit.ui.background import in_background

        config, session = await in_background(read)
        from cockpit.ui.incident import IncidentScreen

        if getattr(args, "share_group", None):
            from cockpit.seats import share_with_group

            for note in share_with_group(session.path, args.share_group):
                app.notify(note, title="Sharing", timeout=15, markup=False)
                app.notes_for_exit.append(note)
        return IncidentScreen(session, config=config, poll=True)

    return CockpitApp(opener=open_incident, opening=str(getattr(path, "name", args.session)),
                      low_bandwidth=bool(getattr(args, "low_bandwidth", False)))


def _run_polling(session: Session, config: Config, low_bandwidth: bool) -> int:
    """The cockpit on an open session, polling its endpoints while this seat holds the lease."""
    low_bandwidth_environment(low_bandwidth)
    from cockpit.ui.app import CockpitApp

    return run_app(CockpitApp(session, config=config, poll=True, low_bandwidth=low_bandwidth))


def run_new(args: argparse.Namespace) -> int:
    """``cockpit new``: declare (asking for the title on screen when none was given), then open."""
    low_bandwidth = bool(getattr(args, "low_bandwidth", False))
    if not (args.title or "").strip():
        low_bandwidth_environment(low_bandwidth)
        title = _ask_title()
        if not title:
            print("cockpit: nothing declared", file=sys.stderr)
            return 1
        args.title = title
    from cockpit.recording import declare_from_args

    session, config = declare_from_args(args)
    print(session.path)
    return _run_polling(session, config, low_bandwidth)


def _ask_title() -> str | None:
    from textual.app import App

    from cockpit.ui.driver import QuietTerminal
    from cockpit.ui.prompts import TextPrompt

    class TitleApp(QuietTerminal, App[str | None]):
        def on_mount(self) -> None:
            self.push_screen(TextPrompt("What is happening? (the incident's title)",
                                        placeholder="e.g. Checkout API returning 500s",
                                        required=True, need="a title"), self.exit)

    return TitleApp().run()


def run_start(args: argparse.Namespace) -> int:
    """Bare ``cockpit``: the start screen, then whatever was chosen there."""
    low_bandwidth = bool(getattr(args, "low_bandwidth", False))
    low_bandwidth_environment(low_bandwidth)
    from cockpit.settings import load_config
    from cockpit.ui.start import DeclareIncident, ReplaySession, ResumeSession, StartApp, StartDrill

    config = load_config(getattr(args, "config", None))
    choice = StartApp(config).run()
    if choice is None:
        return 0
    common = {"config": getattr(args, "config", None), "low_bandwidth": low_bandwidth,
              "debug": getattr(args, "debug", False)}
    if isinstance(choice, DeclareIncident):
        return run_new(argparse.Namespace(**common, title=choice.title, severity=choice.severity,
                                          protocol=None, session=None, handle=None, no_ui=False))
    if isinstance(choice, ResumeSession):
        return run_open(argparse.Namespace(**common, session=str(choice.path), handle=None,
                                           read_only=False, share_group=None))
    if isinstance(choice, StartDrill):
        from cockpit.drill.cli import run_drill

        return run_drill(argparse.Namespace(**common, scenario=choice.scenario, speed=1.0,
                                            session=None, no_ui=False, duration=None, handle=None))
    if isinstance(choice, ReplaySession):
        from cockpit.ui.replay import run_replay

        return run_replay(argparse.Namespace(**common, session=str(choice.path), handle=None))
    raise UsageError(f"the start screen returned something unexpected: {choice!r}")
