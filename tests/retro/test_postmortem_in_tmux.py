"""The real `cockpit replay` in a real terminal (tmux): mark a key moment and write a retro note
in its section, then the real `cockpit report` puts both in the postmortem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terminal import Terminals

pytestmark = pytest.mark.e2e


def test_a_moment_and_a_lesson_marked_in_replay_reach_the_report(terminals: Terminals, incident: Path,
                                                                 tmp_path: Path) -> None:
    exit_file = tmp_path / "exit-code"
    terminals.cockpit("replay", "replay", str(incident), "--as", "erin", cwd=tmp_path, exit_file=exit_file)
    terminals.wait_for("replay", "event 23 of 23", what="the replay at the end")
    terminals.keys("replay", "Home", "]", "]")
    terminals.wait_for("replay", "event 3 of 23", what="the declaration")

    terminals.keys("replay", "m")
    terminals.wait_for("replay", "Mark a key moment at 04:11:30 UTC", what="the moment prompt")
    terminals.keys("replay", "Down", "Enter")
    terminals.wait_for("replay", "Key moment marked: detected at 04:11:30 UTC", what="the moment saved")

    terminals.keys("replay", "r")
    terminals.wait_for("replay", "Retro note about", what="the retro note prompt")
    terminals.enter("replay", "went well: the on-call saw it at once")
    terminals.wait_for("replay", "Retro note saved under What went well", what="the note saved")

    terminals.keys("replay", "C-q")
    terminals.wait_until("the program to exit",
                         lambda: exit_file.exists() and exit_file.read_text().strip() != "", name="replay")
    done = subprocess.run([sys.executable, "-m", "cockpit", "report", str(incident), "--format", "json"],
                          capture_output=True, text=True, check=True)
    postmortem = json.loads(done.stdout)["postmortem"]
    detected = next(m for m in postmortem["moments"] if m["moment"] == "detected")
    assert (detected["at"], detected["inferred"], detected["source"]) == (
        "2026-11-27T04:11:30.000Z", False, "marked by erin")
    assert [n["text"] for n in postmortem["went_well"]["notes"]] == ["the on-call saw it at once"]
