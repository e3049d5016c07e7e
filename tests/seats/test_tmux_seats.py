"""Two real ``cockpit open`` seats in tmux: each sees the other, and the other's notes, quickly."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    def __init__(self) -> None:
        self.socket = f"cockpit-seats-{os.getpid()}-{time.monotonic_ns()}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True,
                              text=True).stdout

    def open_seat(self, name: str, *cockpit: str) -> None:
        # the test's isolated folders; without COLUMNS/LINES (set under pytest), which Textual
        # would take as the terminal's size instead of tmux's 160x48
        env = " ".join(f"{k}={shlex.quote(os.environ[k])}"
                       for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "COCKPIT_USER"))
        program = shlex.join([sys.executable, "-m", "cockpit", *cockpit])
        command = f"env -u COLUMNS -u LINES {env} {program}"
        self.run("new-session", "-d", "-x", "160", "-y", "48", "-s", name, command)

    def screen(self, target: str) -> str:
        return self.run("capture-pane", "-p", "-t", target)

    def wait_for(self, target: str, text: str, timeout: float) -> float:
        """Seconds until ``text`` is on the seat's screen."""
        start = time.monotonic()
        while text not in self.screen(target):
            if time.monotonic() - start > timeout:
                raise AssertionError(f"{text!r} not on {target}'s screen within {timeout}s:\n"
                                     + self.screen(target))
            time.sleep(0.02)
        return time.monotonic() - start

    def keys(self, target: str, *keys: str) -> None:
        self.run("send-keys", "-t", target, *keys)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux():
    session = Tmux()
    yield session
    session.close()


def test_two_seats_see_each_other_and_each_others_notes_within_a_second(session_file, tmux):
    tmux.open_seat("alice", "open", str(session_file), "--as", "alice")
    tmux.wait_for("alice", "Timeline", timeout=30)
    tmux.open_seat("bob", "open", str(session_file), "--as", "bob")
    bob = "bob"
    tmux.wait_for(bob, "watching: alice", timeout=30)
    tmux.wait_for("alice", "watching: bob", timeout=5)

    tmux.keys("alice", "n")
    tmux.wait_for("alice", "what you see or hear", timeout=5)  # the note prompt is open
    tmux.keys("alice", "-l", "payments rollback started")
    tmux.keys("alice", "Enter")
    assert tmux.wait_for(bob, "payments rollback started", timeout=5) < 1.0

    tmux.keys(bob, "d")
    tmux.wait_for(bob, "e.g. roll back deploy", timeout=5)  # the decision prompt is open
    tmux.keys(bob, "-l", "keep the old replica for an hour")
    tmux.keys(bob, "Enter")
    assert tmux.wait_for("alice", "keep the old replica for an hour", timeout=5) < 1.0


def test_a_read_only_seat_browses_but_refuses_to_record(session_file, tmux):
    before = session_file.read_text()
    tmux.open_seat("wall", "open", str(session_file), "--read-only", "--as", "wall")
    tmux.wait_for("wall", "read-only seat", timeout=30)
    tmux.keys("wall", "n")  # refused before the prompt opens: nothing typed for nothing
    tmux.wait_for("wall", "nothing is recorded", timeout=5)
    assert "what you see or hear" not in tmux.screen("wall")
    tmux.keys("wall", "6")  # browsing still works: the Timeline pane
    tmux.wait_for("wall", "Checkout API returning 500s", timeout=5)
    added = session_file.read_text()[len(before):]
    assert "seat.joined" in added and "read_only = true" in added  # only its presence
    assert "note.added" not in added
