"""The real program in a real terminal: ``cockpit drill --speed 10`` inside tmux.

What a person would do: wait for the fleet to fail and the Health pane to say so, write a note,
shrink the terminal to 80×24, quit with ctrl+q. Then the session file must hold all of it.
Every wait polls the screen (or the exit file) against a deadline; nothing sleeps blindly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.session import Session
from tests.terminal import Terminals

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_drill_health_change_note_resize_quit(terminals: Terminals, tmp_path: Path) -> None:
    session_file = tmp_path / "drill.toml"
    exit_file = tmp_path / "exit-code"
    terminals.cockpit("drill", "drill", "--speed", "10", "--session", str(session_file),
                      cwd=tmp_path, exit_file=exit_file)

    terminals.wait_for("drill", "Timeline", what="the cockpit")
    terminals.wait_for("drill", lambda screen: "▼ DOWN" in screen or "◆ DEGRADED" in screen,
                       timeout=120, what="a health change on screen")

    terminals.keys("drill", "n")
    terminals.wait_for("drill", "Enter to save", timeout=30, what="the note prompt")
    terminals.type("drill", "rolled back the payments deploy [bold]now[/]")
    terminals.keys("drill", "Enter")
    terminals.wait_for("drill", "rolled back the payments deploy [bold]now[/]", timeout=30)

    terminals.resize("drill", 80, 24)
    terminals.wait_for("drill", lambda screen: "1 Impact" in screen and "6 Timeline" in screen,
                       timeout=30, what="one pane with tabs")
    assert all(len(line) <= 80 for line in terminals.screen("drill").splitlines())

    terminals.keys("drill", "C-q")
    terminals.wait_until("the program to exit",
                         lambda: exit_file.exists() and exit_file.read_text().strip() != "", name="drill")
    assert exit_file.read_text().strip() == "0"

    session = Session.open(session_file)
    notes = [e for e in session.events if e.kind == "note.added"]
    assert [n.text for n in notes] == ["rolled back the payments deploy [bold]now[/]"]
    assert notes[0].by == "alice"
    assert any(e.kind == "health.changed" and e.to in ("down", "degraded") for e in session.events)
    assert session.events[-1].kind == "seat.left" or any(e.kind == "seat.left" for e in session.events)
    assert session.drill
