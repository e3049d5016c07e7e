"""The real `cockpit replay` in a real terminal (tmux): scrub, write a retro note, quit.

Every wait polls the screen (or the exit file) against a deadline; nothing sleeps blindly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.session import Session
from tests.terminal import Terminals

pytestmark = pytest.mark.e2e


def test_replay_scrub_note_and_quit(terminals: Terminals, incident: Path, tmp_path: Path) -> None:
    before = incident.read_bytes()
    exit_file = tmp_path / "exit-code"
    terminals.cockpit("replay", "replay", str(incident), "--as", "erin", cwd=tmp_path,
                      exit_file=exit_file)
    terminals.wait_for("replay", "event 23 of 23", what="the replay at the end")
    assert "RESOLVED" in terminals.screen("replay")

    terminals.keys("replay", "Home", "]", "]")
    terminals.wait_for("replay", "event 3 of 23", what="the declaration")
    assert "INVESTIGATING" in terminals.screen("replay") and "▼ DOWN" in terminals.screen("replay")

    terminals.keys("replay", "r")
    terminals.wait_for("replay", "Retro note about", what="the retro note prompt")
    terminals.enter("replay", "happening: nobody watched the payments dashboard")
    terminals.wait_for("replay", "Retro note saved", what="the note saved")

    terminals.keys("replay", "C-q")
    terminals.wait_until("the program to exit",
                         lambda: exit_file.exists() and exit_file.read_text().strip() != "",
                         name="replay")
    assert exit_file.read_text().strip() == "0"
    after = incident.read_bytes()
    assert after.startswith(before)
    note = Session.open(incident, read_only=True).events[-1]
    assert (note.kind, note.by, note.text) == ("retro.note", "erin", "nobody watched the payments dashboard")
    assert note.category == "happening"
