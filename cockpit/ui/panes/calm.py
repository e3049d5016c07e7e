"""Calm: keep your head.

The incident clock and the countdown to the next update, the box-breathing pacer, the three
size-up questions, and — after a long stretch at the wheel — a nudge to ask for support or hand
over. ``c`` opens the same things full screen (calm mode), where the pacer moves and the clock
ticks by the second; here the pacer is a still line and the clock moves by the minute (the
header's, right above, ticks by the second), so the main screen sends next to nothing for it.
Only the clock's changed cells are repainted, without relayout; a stopped clock (resolved)
sends nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from cockpit.domain.state import IncidentState, parts_but_notes
from cockpit.ui.keyboard import FollowsKeyboard
from cockpit.ui.calm_mode import NUDGE, QUESTIONS, clock_line, nudge_line
from cockpit.ui.pacer import BreathingPacer
from cockpit.ui.panes.rows import TickingText

LONG_STRETCH = timedelta(minutes=90)
"""After this long engaged without a break, the pane suggests support or a handover."""


class CalmPane(FollowsKeyboard, Vertical):
    TITLE = "Calm"
    DEFAULT_CSS = """
    CalmPane { border: round $panel-lighten-2; border-title-color: $text-muted; padding: 0 1;
               background: $surface; height: 1fr; width: 1fr; }
    CalmPane.-current { border: round $accent; border-title-color: $text; }
    CalmPane #calm-pane-clock { height: 1; }
    CalmPane BreathingPacer { margin: 1 0; }
    CalmPane .calm-pane-question { height: 1; text-style: bold; }
    CalmPane #calm-pane-nudge { height: auto; margin-top: 1; color: $text-muted; }
    """
    can_focus = True

    def __init__(self, *, handle: str = "", id: str | None = None, classes: str | None = None) -> None:
        """The pacer here is still: a pane drawing breaths would cost every seat bytes each
        second; calm mode (``c``) is where it moves."""
        super().__init__(id=id, classes=classes)
        self.border_title = self.TITLE
        self.handle = handle
        self._nudge: str = ""

    def compose(self) -> ComposeResult:
        yield TickingText(id="calm-pane-clock")
        yield BreathingPacer(animate=False)
        for question in QUESTIONS:
            yield Static(Text(question), classes="calm-pane-question")
        yield Static(id="calm-pane-nudge")

    def focus_pane(self) -> None:
        self.focus()

    def keyboard_moved(self, lit: bool) -> None:
        self.set_class(lit, "-current")

    def show(self, state: IncidentState, now: datetime) -> None:
        self._show_clock(state, now)
        nudge = self.nudge(state, now)
        if nudge != self._nudge:
            self._nudge = nudge
            self.query_one("#calm-pane-nudge", Static).update(Text(nudge))

    def drawn_from(self, state: IncidentState) -> tuple[object, ...]:
        """All but the notes (``Pane.drawn_from``): the clock, the next update and the nudge
        read the steps, the updates and the people; the tick moves the clock."""
        return parts_but_notes(state)

    def tick(self, state: IncidentState, now: datetime) -> None:
        """The clock moves by the minute here (the header's ticks by the second, right above),
        the countdown by the second in its last minute; the nudge by the minute."""
        self._show_clock(state, now)

    def _show_clock(self, state: IncidentState, now: datetime) -> None:
        self.query_one("#calm-pane-clock", TickingText).set_text(
            clock_line(state, now, to_the_second=False))

    def nudge(self, state: IncidentState, now: datetime) -> str:
        """Empty until this seat's person has been engaged a long stretch (or a warning says so)."""
        member = state.members.get(self.handle)
        if member is None or state.resolved_at is not None:
            return ""
        text = nudge_line(state, now, self.handle)
        if text != NUDGE or state.stretch(self.handle, now) >= LONG_STRETCH:
            return f"↳ {text}" if text == NUDGE else f"⚠ {text}. {NUDGE}"
        return ""
