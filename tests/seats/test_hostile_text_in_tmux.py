"""Hostile text planted by another seat (handles, notes, a protocol name, step texts) reaches a
real terminal harmless: no clipboard write, no window title, no hidden characters."""

from __future__ import annotations

from datetime import datetime, timezone

from cockpit.journal import Journal
from cockpit.tomlfmt import event_block
from tests.terminal import Terminals

CLIPBOARD = "\x1b]52;c;T1dORUQ=\x07"
TITLE = "\x1b]2;OWNED\x07"


def _plant(path, records: list[dict]) -> None:
    """What a hostile seat (or an editor) appends: raw events, not checked by any cockpit."""
    journal = Journal(path)
    journal.load()
    with open(path, "ab") as handle:
        for n, record in enumerate(records, start=journal.last_seq + 1):
            handle.write(event_block({"at": datetime(2026, 11, 27, 4, 11, tzinfo=timezone.utc),
                                      "by": f"mallory{CLIPBOARD}", **record, "seq": n}))


def test_hostile_text_from_another_seat_is_shown_literally(session_file, terminals: Terminals):
    _plant(session_file, [
        {"kind": "protocol.added", "protocol": f"breach{TITLE}", "steps": [
            {"id": "contain", "text": f"Contain it{CLIPBOARD} now", "owner": "ops"}]},
        {"kind": "role.assigned", "role": "ops", "handle": f"eve{CLIPBOARD}"},
        {"kind": "member.joined", "handle": f"bob\u200b{TITLE}", "status": "engaged"},
        {"kind": "ask.started", "handle": f"eve{CLIPBOARD}", "task": f"look{TITLE}", "minutes": 5},
        {"kind": "note.added", "text": f"rolled back\u202e{CLIPBOARD}{TITLE} done", "tag": "decision"},
        {"kind": "incident.retitled", "title": f"Checkout {TITLE}down{CLIPBOARD}"},
    ])
    terminals.start("idle", "sleep 600")  # a server to set the options on, before the cockpit runs
    terminals.run("set-option", "-g", "set-clipboard", "on")
    terminals.run("set-option", "-g", "allow-rename", "on")
    terminals.cockpit("lead", "open", str(session_file), "--as", "alice")
    terminals.wait_for("lead", "Checkout down", timeout=30)
    # the Protocol pane with the planted step and its owner (the first key after opening)
    terminals.press_until("lead", "2", "major-incident + breach")
    drawn = terminals.screen("lead")
    assert drawn.count("3 people · 2 engaged") == 1  # nothing moved the cursor mid-line
    assert all(line.endswith(("╮", "│", "╯", " ")) or not line.strip() for line in drawn.splitlines()[1:-3])
    terminals.keys("lead", "3")
    terminals.wait_for("lead", "bob<U+200B>", timeout=30)
    terminals.keys("lead", "6")
    terminals.wait_for("lead", "<U+202E>", timeout=30)
    screen = terminals.screen("lead")
    assert "\u200b" not in screen and "\u202e" not in screen
    assert terminals.run("list-buffers") == ""  # nothing reached the clipboard
    assert "OWNED" not in terminals.run("display-message", "-p", "-t", "lead", "#{pane_title}")
    terminals.keys("lead", "C-q")
