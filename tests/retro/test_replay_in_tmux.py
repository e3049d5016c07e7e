"""The real `cockpit replay` in a real terminal (tmux): scrub, write a retro note, quit.

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

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]
COCKPIT = str(Path(sys.executable).with_name("cockpit"))


class Terminal:
    def __init__(self, socket: Path) -> None:
        self.name = f"replay-{uuid.uuid4().hex[:8]}"
        self.socket = str(socket)

    def run(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True,
                              timeout=10, env=env).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.name, *keys)

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{self.screen()}")


@pytest.fixture
def terminal(tmp_path: Path):
    term = Terminal(tmp_path / "tmux.sock")
    yield term
    term.run("kill-server")


def test_replay_scrub_note_and_quit(terminal: Terminal, incident: Path, tmp_path: Path) -> None:
    before = incident.read_bytes()
    exit_file = tmp_path / "exit-code"
    env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"],
           "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]}
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    command = (f"cd {tmp_path} && env -u COLUMNS -u LINES {exports} {COCKPIT} replay {incident} --as erin;"
               f" echo $? > {exit_file}; sleep 30")
    terminal.run("new-session", "-d", "-s", terminal.name, "-x", "160", "-y", "48", command)
    terminal.wait_for("the replay at the end", lambda: "event 22 of 22" in terminal.screen())
    assert "RESOLVED" in terminal.screen()

    terminal.keys("Home", "]", "]")
    terminal.wait_for("the declaration", lambda: "event 3 of 22" in terminal.screen())
    assert "INVESTIGATING" in terminal.screen() and "▼ DOWN" in terminal.screen()

    terminal.keys("r")
    terminal.wait_for("the retro note prompt", lambda: "Retro note about" in terminal.screen())
    terminal.keys("-l", "happening: nobody watched the payments dashboard")
    terminal.keys("Enter")
    terminal.wait_for("the note saved", lambda: "Retro note saved" in terminal.screen())

    terminal.keys("C-q")
    terminal.wait_for("the program to exit", lambda: exit_file.exists() and exit_file.read_text().strip() != "")
    assert exit_file.read_text().strip() == "0"
    after = incident.read_bytes()
    assert after.startswith(before)
    note = Session.open(incident, read_only=True).events[-1]
    assert (note.kind, note.by, note.text) == ("retro.note", "erin", "nobody watched the payments dashboard")
    assert note.model_extra["question"] == "happening"
