"""A long timeline entry, cut with "…" on its row, can be read whole: Enter opens it, Esc closes."""

from __future__ import annotations

import html

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.entry_detail import EntryDetail
from cockpit.ui.panes.timeline import TimelinePane
from tests.waiting import until

NARROW = (80, 24)

LONG_NOTE = " ".join(f"word{i}" for i in range(57)) + " [bold]not markup[/bold] \x1b[31mEND"
UPDATE = ("Investigating - Checkout is failing for some customers.\n"
          "Conditions - A deploy at 04:20 is suspected.\n"
          "Next update by 04:52.")


def on_screen(app) -> str:
    """What the terminal shows, from the app's screenshot with its spaces made plain again."""
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def shown_entry(app) -> str:
    """The heading and the text of the entry on screen, as plain text."""
    return "\n".join(app.screen.query_one(f"#{part}").render().plain
                     for part in ("entry-heading", "entry-text"))


async def open_timeline(pilot) -> TimelinePane:
    await pilot.press("6")
    await pilot.pause()
    return pilot.app.query_one("#timeline", TimelinePane)


async def test_enter_on_a_cut_row_shows_the_whole_entry_literally(cockpit):
    app = cockpit()
    async with app.run_test(size=NARROW) as pilot:
        timeline = await open_timeline(pilot)
        app.incident.record_and_show(ev.NoteAdded(text=LONG_NOTE, tag="decision"))
        await pilot.pause()
        assert "word56" not in on_screen(app)  # the row is cut at the pane's width
        await pilot.press("end", "up", "enter")  # the last row: the step the decision closed
        await pilot.pause()
        assert isinstance(app.screen, EntryDetail)
        plain = shown_entry(app)
        assert "decision: word0 word1" in plain and "word56" in plain
        assert "[bold]not markup[/bold]" in plain and "\x1b" not in plain and "END" in plain
        assert "alice" in plain and "note.added (decision)" in plain
        assert f"{app.incident.session.events[-2].at:%H:%M:%S}" in plain
        screenshot = on_screen(app)
        assert "word56" in screenshot  # wrapped, not cut
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#timeline") is timeline and not isinstance(app.screen, EntryDetail)
    assert [e.text for e in Session.open(app.incident.session.path).events if e.kind == "note.added"] == [LONG_NOTE]


async def test_a_posted_update_is_shown_as_written_and_enter_closes(cockpit):
    app = cockpit()
    async with app.run_test(size=NARROW) as pilot:
        await open_timeline(pilot)
        app.incident.record_and_show(ev.UpdatePosted(text=UPDATE, audience="external"))
        await pilot.pause()
        await pilot.press("end", "space")
        await pilot.pause()
        assert isinstance(app.screen, EntryDetail)
        plain = shown_entry(app)
        assert "Conditions - A deploy at 04:20 is suspected.\nNext update by 04:52." in plain
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, EntryDetail)
        assert app.incident.session.events[-1].kind == "update.posted"  # reading records nothing


async def test_an_entry_longer_than_the_screen_scrolls_and_keeps_its_way_out(cockpit):
    app = cockpit()
    async with app.run_test(size=NARROW) as pilot:
        await open_timeline(pilot)
        app.incident.record_and_show(ev.NoteAdded(text=" ".join(f"word{i}" for i in range(400))))
        await pilot.pause()
        await pilot.press("end", "enter")
        await until(pilot, lambda: "Esc or Enter to close" in on_screen(app), "the entry on screen")
        screenshot = on_screen(app)
        assert "word399" not in screenshot
        assert "Esc or Enter to close" in screenshot and "note.added (note)" in screenshot
        await pilot.press("end")  # scrolls (smoothly: it takes a few frames) to the entry's end
        await until(pilot, lambda: "word399" in on_screen(app), "the end of the entry")
        screenshot = on_screen(app)
        assert "Esc or Enter to close" in screenshot and "note.added (note)" in screenshot


async def test_a_click_on_a_row_opens_that_entry(cockpit):
    app = cockpit()
    async with app.run_test(size=NARROW) as pilot:
        timeline = await open_timeline(pilot)
        app.incident.record_and_show(ev.NoteAdded(text="the clicked one", tag="hypothesis"))
        app.incident.record_and_show(ev.NoteAdded(text="the last one"))
        await pilot.pause()
        rows = timeline.rows
        clicked = len(rows.rows) - 2
        assert await pilot.click(rows, offset=(5, clicked - int(rows.scroll_y)))
        await pilot.pause()
        assert isinstance(app.screen, EntryDetail)
        assert "hypothesis: the clicked one" in shown_entry(app)
        await pilot.press("escape")
        await pilot.pause()
        assert rows.cursor == clicked
