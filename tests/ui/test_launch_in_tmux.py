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
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.domain import events as ev
from cockpit.journal import JournalWriteError
from cockpit.paths import sessions_dir
from cockpit.session import Session

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

PROMPT = "shell-ready$ "


class Shell:
    """A bash in a tmux pane with the test's isolated folders (and none of pytest's COLUMNS/LINES,
    which Textual would take as the terminal's size instead of tmux's)."""

    def __init__(self, home: Path) -> None:
        self.socket = f"cockpit-launch-{os.getpid()}-{time.monotonic_ns()}"
        home.mkdir(exist_ok=True)
        env = {k: os.environ[k] for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "COCKPIT_USER", "PATH")}
        env |= {"HOME": str(home), "PS1": PROMPT, "TERM": "xterm-256color"}
        command = "env -i " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self._tmux("new-session", "-d", "-x", "160", "-y", "48", "-s", "main",
                   f"{command} bash --norc --noprofile -i")
        self.wait_for(PROMPT.strip())

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main")

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen within {timeout}s:\n{self.screen()}")
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def run(self, command: str) -> None:
        self.type(command)
        self.keys("Enter")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def shell(tmp_path):
    opened = Shell(tmp_path / "home")
    yield opened
    opened.close()


COCKPIT = shlex.join([sys.executable, "-m", "cockpit"])


def declared_sessions() -> list[Session]:
    return [Session.open(path) for path in sorted(sessions_dir().glob("*.toml"))]


def test_new_without_a_title_asks_for_it_on_screen(shell):
    shell.run(f"{COCKPIT} new; echo exit=$?")
    shell.wait_for("What is happening? (the incident's title)")
    shell.type("Payments [b]down[/b] in EU")
    shell.keys("Enter")
    shell.wait_for("Timeline")
    shell.wait_for("Payments [b]down[/b] in EU    INVESTIGATING")  # the header, shown literally
    shell.keys("C-q")
    shell.wait_for("exit=0")
    [session] = declared_sessions()
    assert session.state.title == "Payments [b]down[/b] in EU"
    assert str(session.path) in shell.screen()  # the path is named for `cockpit open` later
    assert [e.kind for e in session.events if e.kind.startswith("seat.")] == ["seat.joined", "seat.left"]


def test_new_without_a_title_declares_nothing_when_cancelled(shell):
    shell.run(f"{COCKPIT} new; echo exit=$?")
    shell.wait_for("What is happening? (the incident's title)")
    shell.keys("Escape")
    shell.wait_for("exit=1")
    assert "cockpit: nothing declared" in shell.screen()
    assert declared_sessions() == []


def test_bare_cockpit_declares_from_the_start_screen_and_opens_it(shell):
    shell.run(f"{COCKPIT}; echo exit=$?")
    shell.wait_for("Declare a new incident")
    shell.type("DNS failing for api.example.com")
    shell.keys("Enter")
    shell.wait_for("Timeline")  # the cockpit, on the incident just declared
    shell.wait_for("DNS failing for api.example.com    INVESTIGATING")
    shell.keys("n")
    shell.wait_for("what you see or hear")
    shell.type("resolvers time out from eu-west")
    shell.keys("Enter")
    shell.wait_for("resolvers time out from eu-west")
    shell.keys("C-q")
    shell.wait_for("exit=0")
    [session] = declared_sessions()
    assert (session.state.title, session.state.severity) == ("DNS failing for api.example.com", "SEV2")
    assert [e.text for e in session.events if e.kind == "note.added"] == ["resolvers time out from eu-west"]


def test_open_paints_the_layout_then_says_why_a_config_is_broken_once_the_screen_is_gone(
        shell, make_session, tmp_path):
    session = make_session()
    session.close()
    broken = tmp_path / "broken.toml"
    broken.write_text("[ui]\ntheme = 5\n")
    shell.run(f"{COCKPIT} open {session.path} --config {broken}; echo exit=$?")
    shell.wait_for("exit=2")
    said = shell.screen()
    assert "broken.toml" in said and "ui.theme" in said
    assert "Traceback" not in said and "Opening" not in said  # the shell's own screen is back
    assert [e.kind for e in Session.open(session.path).events if e.kind.startswith("seat.")] == []


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
def full_disk(tmp_path, make_session):
    """A session on a 256 KiB tmpfs, then filled up: every append fails with ENOSPC."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); needs root")
    session = make_session(path=mount / "incident.toml")
    filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
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
    session.pending.clear()
    yield session
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_crash_leaves_the_shell_usable_and_rescues_what_was_typed(shell, full_disk, tmp_path):
    script = tmp_path / "crashing_cockpit.py"
    script.write_text(CRASHING_COCKPIT)
    shell.run(f"cd {shlex.quote(os.getcwd())}; {shlex.quote(sys.executable)} {script} "
              f"{full_disk.path}; echo exit=$?")
    shell.wait_for("Timeline")
    shell.keys("n")
    shell.wait_for("what you see or hear")
    shell.type("rollback started at 04:31")
    shell.keys("Enter")
    shell.wait_for("2 not saved yet")  # the disk is full: joining and the note, kept in memory
    shell.keys("z")
    shell.wait_for("exit=1")
    said = shell.screen()  # back on the shell's own screen, where Textual printed the error
    assert "a bug in the cockpit" in said and "Timeline" not in said
    [rescue] = (tmp_path / "home").glob("incident.toml.unsaved-*.jsonl")  # the full disk refused it
    assert "rollback started at 04:31" in rescue.read_text()
    assert "could not be saved" in said and rescue.name in said.replace("\n", "")
    shell.keys("C-l")
    shell.run("echo the shell answers: $((6 * 7))")  # typed keys echo, Enter ends the line
    shell.wait_for("the shell answers: 42")
