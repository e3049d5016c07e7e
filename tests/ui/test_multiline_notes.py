"""A note can span several lines: ctrl+j ends a line, ↑ takes it back to edit, Enter records them
all; the file keeps the line breaks, the timeline shows them readably on one row."""

from __future__ import annotations

from textual.widgets import Input

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.entry_bar import EntryBar
from cockpit.ui.prompts import TextPrompt
from tests.waiting import until

WIDE = (160, 48)


async def test_a_note_over_several_lines_is_recorded_and_shown_readably(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        prompt = app.screen.query_one(EntryBar)
        await until(pilot, lambda: prompt.is_open and isinstance(app.focused, Input), "the entry bar")
        await pilot.press(*"replica lag on db-2", "ctrl+j", *"failing ovr")
        assert prompt.query_one("#prompt-lines").render().plain == "replica lag on db-2"
        await pilot.press("ctrl+j", "up")  # an empty line, then back to the one above to mend it
        assert prompt.query_one(Input).value == "failing ovr"
        await pilot.press("backspace", "backspace", *"ver to db-3", "ctrl+j", *"watching EU errors")
        assert prompt.holds_typed_text
        await pilot.press("enter")
        await until(pilot, lambda: not prompt.is_open, "the entry bar to close")
        rows = [row.text.plain for row in app.query_one("#timeline").rows.rows]
        assert any("replica lag on db-2 ↵ failing over to db-3 ↵ watching EU errors" in row for row in rows)
    raw = app.incident.session.path.read_text()
    assert 'text = "replica lag on db-2\\nfailing over to db-3\\nwatching EU errors"' in raw
    notes = [e for e in Session.open(app.incident.session.path).events if isinstance(e, ev.NoteAdded)]
    assert notes[-1].text == "replica lag on db-2\nfailing over to db-3\nwatching EU errors"


async def test_a_one_line_prompt_stays_one_line(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+p", *"retitle")
        await until(pilot, lambda: app.screen.query("CommandList") and
                    app.screen.query_one("CommandList").option_count > 0, "the palette")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt) and isinstance(app.focused, Input),
                    "the title prompt")
        await pilot.press("ctrl+j", "up")
        assert not app.screen.query("#prompt-lines") and "\n" not in app.screen.typed
