"""The timeline's scrollbar draws what Textual's would, though it draws again only when its look
changes and then from the rows Textual drew before (cockpit.ui.panes.scrollbar)."""

from __future__ import annotations

from textual.geometry import Region
from textual.scrollbar import ScrollBar

from cockpit.domain import events as ev
from cockpit.ui.panes.rows import RowList
from cockpit.ui.panes.scrollbar import SteppedScrollBar, rows_of

WIDE = (160, 48)


def test_rows_of_lays_the_bar_out_as_textual_does() -> None:
    assert rows_of(None, 3) == [("blank", 0)] * 3
    assert rows_of((0, 16), 4) == [("thumb", 0), ("thumb", 0), ("below", 0), ("below", 0)]
    # a thumb from 1⅜ cells to 3⅝: a partial start on row 1, a partial end on row 3
    assert rows_of((11, 29), 5) == [("above", 0), ("start", 3), ("thumb", 0), ("end", 5),
                                     ("below", 0)]
    assert rows_of((24, 32), 4) == [("above", 0)] * 3 + [("thumb", 0)]  # down at the end


async def test_the_bar_draws_what_textual_draws_as_the_timeline_grows(cockpit, monkeypatch):
    """Entry by entry the thumb shrinks and creeps down: at every step the bar's lines are
    Textual's own, and most of them came from rows it had drawn before."""
    textuals = ScrollBar.render_lines
    drawn_by_textual = 0

    def counted(self, crop):
        nonlocal drawn_by_textual
        drawn_by_textual += 1
        return textuals(self, crop)

    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("6")  # the timeline holds the keyboard: its list follows the newest
        monkeypatch.setattr(ScrollBar, "render_lines", counted)
        looks = set()
        for n in range(80):
            app.incident.record(ev.NoteAdded(text=f"note {n}: the replica lag again"))
            await pilot.pause()
            timeline = app.incident.query_one("#timeline").query_one(RowList)
            bar = timeline._vertical_scrollbar
            if bar is None or not bar.display or not bar.size.height:
                continue
            assert isinstance(bar, SteppedScrollBar)
            crop = Region(0, 0, bar.size.width, bar.size.height)
            ours = bar.render_lines(crop)
            before = drawn_by_textual
            assert ours == textuals(bar, crop), n
            drawn_by_textual = before  # the reference drawing is not the bar's own
            looks.add(bar.look().thumb)
        assert len(looks) > 20  # the thumb moved, often
        assert drawn_by_textual < len(looks) / 2  # most looks were made of rows drawn before
