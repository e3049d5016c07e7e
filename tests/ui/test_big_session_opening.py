"""A big session opens from its checkpoint: the panes are whole at once, the timeline fills in.

``cockpit open`` folds a checkpointed session from its tail only; the events the checkpoint
stood for are read in the background and then take their place in the timeline, in order.
"""

from __future__ import annotations

from cockpit import checkpoint
from cockpit.cli import build_parser
from cockpit.session import Session
from cockpit.ui.launch import open_app
from cockpit.ui.panes.timeline import TimelinePane

from tests.unit.test_checkpoint import big_session
from tests.waiting import opened, until


async def test_the_timeline_fills_in_after_the_incident_is_on_screen(tmp_path):
    path = big_session(tmp_path / "big.toml")
    whole = Session.open(path, read_only=True)  # the first reader keeps a checkpoint
    count = len(whole.events)
    assert checkpoint.load(path) is not None

    app = open_app(build_parser().parse_args(["open", str(path), "--as", "erin", "--read-only"]))
    async with app.run_test(size=(160, 48)) as pilot:
        await opened(pilot)
        session = app.incident.session
        assert session.state.event_count == count, "the panes show the whole incident at once"
        timeline = app.incident.query_one("#timeline", TimelinePane)
        await until(pilot, lambda: session.in_memory and len(session.in_memory) == count,
                    "the earlier events read in the background")
        await until(pilot, lambda: timeline._seen == count, "the timeline showing every event")
        assert [e.seq for e in session.in_memory] == [e.seq for e in whole.events]
        rows = timeline.rows
        await until(pilot, lambda: rows.scroll_y == rows.max_scroll_y > 0,
                    "the timeline at its newest entry, as a session opened whole is")
        assert rows.cursor == len(rows.rows) - 1
        assert "reading the earlier" not in str(timeline.border_title)


async def test_a_cold_open_folds_once_and_keeps_its_checkpoint_after_the_screen(tmp_path):
    """No checkpoint yet: the fold that opens the session gives the timeline its earlier part,
    and the checkpoint is written once the incident is on screen; the next open starts there."""
    path = big_session(tmp_path / "big.toml")
    count = len(Session.open(path, read_only=True, checkpoint_later=True).events)
    assert checkpoint.load(path) is None

    app = open_app(build_parser().parse_args(["open", str(path), "--as", "erin", "--read-only"]))
    async with app.run_test(size=(160, 48)) as pilot:
        await opened(pilot)
        timeline = app.incident.query_one("#timeline", TimelinePane)
        await until(pilot, lambda: timeline._seen == count, "the timeline showing every event")
        await until(pilot, lambda: checkpoint.location(path, "state").exists(),
                    "the checkpoint written after the screen")
    saved = checkpoint.load(path)
    assert saved is not None and saved.covered == path.stat().st_size
    assert saved.state.event_count == count
