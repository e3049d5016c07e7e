"""The ways into the cockpit that only a real terminal exercises: ``cockpit new`` asking for the
title on screen, the bare ``cockpit`` start screen, ``cockpit open`` with a broken config, and a
crash that must leave the shell usable.

Each runs the real program in a shell inside tmux (160×48), types as a person would, and checks
the session file on disk and the shell afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
from pathlib import Path

import pytest

from cockpit.domain import events as ev
from cockpit.journal import JournalWriteError
from cockpit.paths import sessions_dir
from cockpit.session import Session
from tests.terminal import Terminals, program_env

PROMPT = "shell-ready$ "


@pytest.fixture
def shell(terminals: Terminals, tmp_path: Path) -> Terminals:
    """A bash in the terminal named "shell", with the test's folders and its own HOME."""
    home = tmp_path / "home"
    home.mkdir()
    terminals.start("shell", f"{program_env(HOME=str(home), PS1=PROMPT)} bash --norc --noprofile -i")
    terminals.wait_for("shell", PROMPT.strip())
    return terminals


COCKPIT = shlex.join([sys.executable, "-m", "cockpit"])


def declared_sessions() -> list[Session]:
    return [Session.open(path) for path in sorted(sessions_dir().glob("*.toml"))]


def test_new_without_a_title_asks_for_it_on_screen(shell):
    shell.enter("shell", f"{COCKPIT} new; echo exit=$?")
    shell.wait_for("shell", "What is happening? (the incident's title)")
    shell.type("shell", "Payments [b]down[/b] in EU")
    shell.keys("shell", "Enter")
    shell.wait_for("shell", "Timeline")
    shell.wait_for("shell", "Payments [b]down[/b] in EU    INVESTIGATING")  # the header, shown literally
    shell.keys("shell", "C-q")
    shell.wait_for("shell", "exit=0")
    [session] = declared_sessions()
    assert session.state.title == "Payments [b]down[/b] in EU"
    assert str(session.path) in shell.screen("shell")  # the path is named for `cockpit open` later
    assert [e.kind for e in session.events if e.kind.startswith("seat.")] == ["seat.joined", "seat.left"]


def test_new_without_a_title_declares_nothing_when_cancelled(shell):
    shell.enter("shell", f"{COCKPIT} new; echo exit=$?")
    shell.wait_for("shell", "What is happening? (the incident's title)")
    shell.keys("shell", "Escape")
    shell.wait_for("shell", "exit=1")
    assert "cockpit: nothing declared" in shell.screen("shell")
    assert declared_sessions() == []


def test_bare_cockpit_declares_from_the_start_screen_and_opens_it(shell):
    shell.enter("shell", f"{COCKPIT}; echo exit=$?")
    shell.wait_for("shell", "Declare a new incident")
    shell.type("shell", "DNS failing for api.example.com")
    shell.keys("shell", "Enter")
    shell.wait_for("shell", "Timeline")  # the cockpit, on the incident just declared
    shell.wait_for("shell", "DNS failing for api.example.com    INVESTIGATING")
    shell.keys("shell", "n")
    shell.wait_for("shell", "what you see or hear")
    shell.type("shell", "resolvers time out from eu-west")
    shell.keys("shell", "Enter")
    shell.wait_for("shell", "resolvers time out from eu-west")
    shell.keys("shell", "C-q")
    shell.wait_for("shell", "exit=0")
    [session] = declared_sessions()
    assert (session.state.title, session.state.severity) == ("DNS failing for api.example.com", "SEV2")
    assert [e.text for e in session.events if e.kind == "note.added"] == ["resolvers time out from eu-west"]


def test_open_with_a_broken_config_says_why_once_the_screen_is_gone(shell, make_session, tmp_path):
    session = make_session()
    session.close()
    broken = tmp_path / "broken.toml"
    broken.write_text("[ui]\ntheme = 5\n")
    shell.enter("shell", f"{COCKPIT} open {session.path} --config {broken}; echo exit=$?")
    shell.wait_for("shell", "exit=2")
    said = shell.screen("shell")
    assert "broken.toml" in said and "ui.theme" in said
    assert "Traceback" not in said and "Opening" not in said  # the shell's own screen is back
    assert [e.kind for e in Session.open(session.path).events if e.kind.startswith("seat.")] == []


def test_open_tells_on_the_shell_what_it_recovered_from_a_torn_file(shell, make_session):
    session = make_session()
    session.close()
    with session.path.open("a") as tail:  # a write cut short by a crash
        tail.write('\n[[events]]\nat = 2026-11-27T05:00:00.000Z\nby = "bob"\nkind = "note.added"\ntext = "cut')
    shell.enter("shell", f"{COCKPIT} open {session.path}; echo exit=$?")
    shell.wait_for("shell", "Checkout API returning 500s")  # the incident, not the opening layout
    shell.keys("shell", "C-q")
    shell.wait_for("shell", "exit=0")
    said = shell.screen("shell").replace("\n", "")
    assert "cockpit: note: recovered a torn last event" in said and ".torn-" in said


CRASHING_COCKPIT = """
import sys
from pathlib import Path

from cockpit.session import Session
from cockpit.settings import load_config
from cockpit.ui import app
from cockpit.ui.app import CockpitApp
from cockpit.ui.launch import run_app

class CrashingCockpit(CockpitApp):
    CSS_PATH = str(Path(app.__file__).with_name(CockpitApp.CSS_PATH))
    BINDINGS = [*CockpitApp.BINDINGS, ("z", "crash", "crash")]

    def action_crash(self):
        raise RuntimeError("a bug in the cockpit")

sys.exit(run_app(CrashingCockpit(Session.open(sys.argv[1]), config=load_config())))
"""


@pytest.fixture
def full_disk(small_disk, make_session):
    """A session on a small tmpfs, then filled up: every append fails with ENOSPC."""
    session = make_session(path=small_disk / "incident.toml")
    filler = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(filler, b"x" * 4096):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(filler)
    for text in ("filling the disk " * 8, "x"):  # then the slack in the file's last page
        with contextlib.suppress(JournalWriteError):
            while True:
                session.record(ev.NoteAdded(text=text))
    session.waiting.clear()
    return session


def test_a_crash_leaves_the_shell_usable_and_rescues_what_was_typed(shell, full_disk, tmp_path):
    script = tmp_path / "crashing_cockpit.py"
    script.write_text(CRASHING_COCKPIT)
    shell.enter("shell", f"cd {shlex.quote(os.getcwd())}; {shlex.quote(sys.executable)} {script} "
              f"{full_disk.path}; echo exit=$?")
    shell.wait_for("shell", "Timeline")
    shell.keys("shell", "n")
    shell.wait_for("shell", "what you see or hear")
    shell.type("shell", "rollback started at 04:31")
    shell.keys("shell", "Enter")
    # the disk is full: the seat's hello and the note are kept in memory, and the entry bar is
    # closed (its placeholder went with the first letter typed: no sign that Enter was taken)
    shell.wait_for("shell", lambda screen: "2 not saved yet" in screen and "Enter to save" not in screen)
    shell.keys("shell", "z")
    shell.wait_for("shell", "exit=1")
    said = shell.screen("shell")  # back on the shell's own screen, where Textual printed the error
    assert "a bug in the cockpit" in said and "Timeline" not in said
    [rescue] = (tmp_path / "home").glob("incident.toml.unsaved-*.jsonl")  # the full disk refused it
    assert "rollback started at 04:31" in rescue.read_text()
    assert "could not be saved" in said and rescue.name in said.replace("\n", "")
    shell.keys("shell", "C-l")
    shell.enter("shell", "echo the shell answers: $((6 * 7))")  # typed keys echo, Enter ends the line
    shell.wait_for("shell", "the shell answers: 42")


def _pane_pid(terminals: Terminals, name: str) -> int:
    """The program the terminal runs (``env`` execs it: the pane's own process)."""
    return int(terminals.run("display-message", "-p", "-t", name, "#{pane_pid}"))


def _ended(terminals: Terminals, pid: int) -> None:
    terminals.wait_until(f"process {pid} to end", lambda: not Path(f"/proc/{pid}").exists(), 60)


def test_a_hang_up_ends_the_seat_as_ctrl_q_does(terminals, make_session):
    session = make_session()
    terminals.cockpit("seat", "open", str(session.path))
    terminals.wait_for("seat", "Timeline")
    terminals.press_until("seat", "n", "what you see or hear")
    terminals.enter("seat", "rolled back the deploy")
    terminals.wait_for("seat", lambda s: "rolled back the deploy" in s and "Enter to save" not in s)
    pid = _pane_pid(terminals, "seat")
    terminals.run("kill-session", "-t", "seat")  # the terminal goes away: the seat gets SIGHUP
    _ended(terminals, pid)
    events = Session.open(session.path).events
    joined = next(e for e in events if isinstance(e, ev.SeatJoined))
    assert [e.kind for e in events[-2:]] == ["note.added", "seat.left"]  # its own goodbye
    assert events[-1].by == joined.by
    assert not list(session.path.parent.glob("*.seats/*.seat"))  # no one is shown watching


def test_a_kill_rescues_what_the_full_disk_refused(terminals, full_disk, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    terminals.start("seat", f"{program_env(HOME=str(home))} {COCKPIT} open"
                            f" {shlex.quote(str(full_disk.path))}")
    terminals.wait_for("seat", "Timeline")
    terminals.press_until("seat", "n", "what you see or hear")
    terminals.enter("seat", "rollback started at 04:31")
    # the disk is full: the seat's hello and the note are kept in memory
    terminals.wait_for("seat", "2 not saved yet")
    pid = _pane_pid(terminals, "seat")
    os.kill(pid, signal.SIGTERM)  # a shutdown, or someone's kill
    _ended(terminals, pid)
    [rescue] = home.glob("incident.toml.unsaved-*.jsonl")
    assert "rollback started at 04:31" in rescue.read_text()
