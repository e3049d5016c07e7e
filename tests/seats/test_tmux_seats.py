"""Two real ``cockpit open`` seats in tmux: each sees the other, and the other's notes, quickly."""

from __future__ import annotations

from cockpit.seats import SeatPresence
from tests.terminal import Terminals


def test_two_seats_see_each_other_and_each_others_notes(session_file, terminals: Terminals):
    """Seats follow the file every 250 ms (a note shows within a second); the waits below only
    fail when something never shows: a busy machine may take longer than a second."""
    terminals.cockpit("alice", "open", str(session_file), "--as", "alice")
    terminals.wait_for("alice", "Timeline", timeout=30)
    terminals.cockpit("bob", "open", str(session_file), "--as", "bob")
    terminals.wait_for("bob", "watching: alice", timeout=30)
    terminals.wait_for("alice", "watching: bob", timeout=30)

    terminals.keys("alice", "n")
    terminals.wait_for("alice", "what you see or hear", timeout=30)  # the note prompt is open
    terminals.type("alice", "payments rollback started")
    terminals.keys("alice", "Enter")
    terminals.wait_for("bob", "payments rollback started", timeout=30)

    terminals.keys("bob", "d")
    terminals.wait_for("bob", "e.g. roll back deploy", timeout=30)  # the decision prompt is open
    terminals.type("bob", "keep the old replica for an hour")
    terminals.keys("bob", "Enter")
    terminals.wait_for("alice", "keep the old replica for an hour", timeout=30)


def test_a_read_only_seat_browses_but_refuses_to_record(session_file, terminals: Terminals):
    before = session_file.read_bytes()
    terminals.cockpit("wall", "open", str(session_file), "--read-only", "--as", "wall")
    terminals.wait_for("wall", lambda screen: "read-only seat" in screen and "IC nobody" in screen,
                       timeout=30, what="the incident open on the wall seat")
    # refused before the prompt opens: nothing typed for nothing (pressed again if the first
    # came while the keys held during the opening were still being dealt with)
    terminals.press_until("wall", "n", "nothing is recorded")
    assert "what you see or hear" not in terminals.screen("wall")
    terminals.keys("wall", "6")  # browsing still works: the Timeline pane
    terminals.wait_for("wall", "Checkout API returning 500s", timeout=30)
    assert [h for h, _ in SeatPresence(session_file).present()] == ["wall"]  # seen watching
    terminals.keys("wall", "C-q")
    terminals.wait_until("the wall seat to quit", lambda: not SeatPresence(session_file).present())
    assert session_file.read_bytes() == before  # and nothing of it in the record
