"""The real program in a real terminal: ``cockpit drill --speed 10`` inside tmux.

What a person would do: wait for the fleet to fail and the Health pane to say so, write a note,
shrink the terminal to 80×24, quit with ctrl+q. Then the session file must hold all of it.
Every wait polls the screen (or the exit file) against a deadline; nothing sleeps blindly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from cockpit.session import Session

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]

COCKPIT = str(Path(sys.executable).with_name("cockpit"))


class Tmux:
    def __init__(self, name: str, socket: Path) -> None:
        self.name = name
        self.socket = str(socket)

    def run(self, *args: str) -> str:
        # COLUMNS and LINES (pytest sets them) would make the program ignore the real size
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              timeout=10, env=env)
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{self.screen()}")


@pytest.fixture
def tmux(tmp_path: Path):
    session = Tmux(f"cockpit-{uuid.uuid4().hex[:8]}", tmp_path / "tmux.sock")
    yield session
    session.run("kill-server")


def test_drill_health_change_note_resize_quit(tmux: Tmux, tmp_path: Path) -> None:
    session_file = tmp_path / "drill.toml"
    exit_file = tmp_path / "exit-code"
    env = {"COCKPIT_USER": "alice", "TERM": "xterm-256color", "LANG": "C.UTF-8",
           "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"],
           "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]}
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = (f"cd {tmp_path} && env -u COLUMNS -u LINES {exports} {COCKPIT} drill --speed 10 --session {session_file};"
               f" echo $? > {exit_file}; sleep 30")
    tmux.run("new-session", "-d", "-s", tmux.name, "-x", "160", "-y", "48", command)

    tmux.wait_for("the cockpit", lambda: "Timeline" in tmux.screen(), timeout=30)
    tmux.wait_for("a health change on screen",
                  lambda: "▼ DOWN" in tmux.screen() or "◆ DEGRADED" in tmux.screen(), timeout=120)

    tmux.keys("n")
    tmux.wait_for("the note prompt", lambda: "Enter to save" in tmux.screen(), timeout=10)
    tmux.keys("-l", "rolled back the payments deploy [bold]now[/]")
    tmux.keys("Enter")
    tmux.wait_for("the note on the timeline",
                  lambda: "rolled back the payments deploy [bold]now[/]" in tmux.screen(), timeout=10)

    tmux.run("resize-window", "-t", tmux.name, "-x", "80", "-y", "24")
    tmux.wait_for("one pane with tabs", lambda: "1 Impact" in tmux.screen()
                  and "6 Timeline" in tmux.screen(), timeout=10)
    assert all(len(line) <= 80 for line in tmux.screen().splitlines())

    tmux.keys("C-q")
    tmux.wait_for("the program to exit", exit_file.exists, timeout=30)
    assert exit_file.read_text().strip() == "0"

    session = Session.open(session_file)
    notes = [e for e in session.events if e.kind == "note.added"]
    assert [n.text for n in notes] == ["rolled back the payments deploy [bold]now[/]"]
    assert notes[0].by == "alice"
    assert any(e.kind == "health.changed" and e.to in ("down", "degraded") for e in session.events)
    assert session.events[-1].kind == "seat.left" or any(e.kind == "seat.left" for e in session.events)
    assert session.drill
