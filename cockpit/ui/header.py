"""The header: the incident at a glance, the first thing the eye finds.

Severity with its word, the title, the health and attention words (``▼ 1 down · 2 firing``,
see ``cockpit.ui.attention``), a DRILL badge, then the status, the incident clock (T+h:mm:ss),
the commander, the next update due with its countdown, who else is watching. One line when the
terminal is wide enough, two otherwise; at any width the title is what gets cut (with "…"), so
severity, health, status, clock and commander always show. While something new has not been seen,
the health words are drawn reversed behind a "!". The ticking parts (the incident clock, the update
countdown) are small widgets of their own: a tick repaints their few cells, never the whole line
over SSH, and a part whose text is unchanged (a resolved incident's stopped clock) sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget

from cockpit.domain.durations import incident_clock, to_the_minute
from cockpit.domain.state import IncidentState
from cockpit.text import printable
from cockpit.ui.attention import Signal, summary
from cockpit.ui.panes.describe import SEVERITY_WORDS
from cockpit.ui.panes.rows import TickingText, tone_style

SEVERITY_TONES = {"SEV1": "bad", "SEV2": "bad", "SEV3": "warn", "SEV4": "", "SEV5": ""}


GAP = "   "
WATCHERS_NAMED = 3
"""A bridge of twenty watchers must not push the clock and the next update off the line."""
COMMANDER_CELLS = 20
"""A commander's name longer than this is cut: it must not push the next update off the line."""
TITLE_ON_ONE_LINE = 16
"""One line only while the title keeps at least this many cells (or all of it, when shorter)."""


def _gap(line: Text) -> None:
    """The space between two facts, as its own span: a renderer that trims the spaces leading a
    span (SVG screenshots) must not glue "INVESTIGATING" to the clock."""
    line.append(GAP, style=Style(dim=True))


PROGRESS_PARTS = ("status", "clock", "middle", "countdown", "tail")
"""The progress line in parts, each its own widget: Textual sends a widget's cells from its left
edge to the last one that changed, so the incident clock and the update countdown, which tick,
are small widgets of their own and a tick costs a few cells, not the whole header line."""


class IncidentHeader(Widget):
    DEFAULT_CSS = """
    IncidentHeader { height: 1; width: 1fr; background: $panel; padding: 0 1; layout: horizontal; }
    IncidentHeader.-two-lines { height: 2; layout: vertical; }
    IncidentHeader TickingText { width: auto; }
    IncidentHeader #header-progress { width: 1fr; height: 1; margin-left: 4; }
    IncidentHeader.-two-lines #header-progress { margin-left: 0; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._pieces: tuple[Text, Text, Text, tuple[Text, ...]] = (
            Text(), Text(), Text(), tuple(Text() for _ in PROGRESS_PARTS))
        """The badge, the title, what follows the title (health, DRILL), the progress parts."""
        self.pending = 0
        """Entries typed here but not yet on disk (shown until they are saved)."""
        self.offline = False
        """The journal database is out of reach: entries are kept on this host until it is back."""

    def compose(self) -> ComposeResult:
        yield TickingText(id="header-identity")
        with Horizontal(id="header-progress"):
            for part in PROGRESS_PARTS:
                yield TickingText(id=f"header-{part}")

    def show(self, state: IncidentState, now: datetime, *, drill: bool, watchers: list[str],
             unseen: bool = False, signals: list[Signal] | None = None) -> None:
        """``unseen``: something new calls for attention that the lead has not seen yet;
        ``signals``: what calls for it at ``now``, when the caller has just looked."""
        pieces = (self._badge(state), Text(printable(state.title, one_line=True) or "(no title yet)",
                                           style="bold"),
                  self._after_title(state, now, drill, unseen, signals),
                  self._progress(state, now, watchers))
        if pieces != self._pieces:
            self._pieces = pieces
            self._draw()

    @property
    def _parts(self) -> tuple[Text, Text]:
        """The identity (severity, title, health, DRILL) and the progress, uncut."""
        badge, title, after, progress = self._pieces
        return Text.assemble(badge, title, after), Text.assemble(*progress)

    def on_resize(self) -> None:
        self._draw()

    @property
    def text(self) -> str:
        """What the header says now, as plain text, at its width."""
        identity, progress = self._lines()
        joined = "".join(part.plain for part in progress)
        return f"{identity.plain}{chr(10) if self.has_class('-two-lines') else '    '}{joined}"

    def _draw(self) -> None:
        """Fit the lines to the width and hand each part its text: the parts whose text is the
        same repaint nothing."""
        self._fit()
        if not self.is_mounted or not self.children:
            return
        identity, progress = self._lines()
        self.query_one("#header-identity", TickingText).set_text(identity)
        for part, text in zip(PROGRESS_PARTS, progress, strict=True):
            self.query_one(f"#header-{part}", TickingText).set_text(text)

    def _fit(self) -> None:
        """Two lines only when one does not fit with enough of the title (the height changes only
        when that flips)."""
        badge, title, after, progress = self._pieces
        title_cells = min(cell_len(title.plain), TITLE_ON_ONE_LINE)
        one_line = (cell_len(badge.plain) + title_cells + cell_len(after.plain) + 4
                    + sum(cell_len(part.plain) for part in progress))
        self.set_class(one_line > self._width(), "-two-lines")

    def _width(self) -> int:
        """Cells for the text; before the first layout, the terminal's width less the padding,
        so that the first frame already has the right number of lines."""
        return self.size.width or max(self.app.size.width - 2, 1)

    def _lines(self) -> tuple[Text, tuple[Text, ...]]:
        """The identity with its title cut to the room left (with "…"), and the progress parts,
        cut at the width on two lines (severity, health, status and clock come first)."""
        badge, title, after, progress = self._pieces
        width = self._width()
        two_lines = self.has_class("-two-lines")
        room = width - cell_len(badge.plain) - cell_len(after.plain)
        if not two_lines:
            room -= 4 + sum(cell_len(part.plain) for part in progress)
        title = title.copy()
        if cell_len(title.plain) > room:
            title.truncate(max(room, 1), overflow="ellipsis")
        identity = Text.assemble(badge, title, after)
        if not two_lines:
            return identity, progress
        identity.truncate(width, overflow="ellipsis")
        return identity, _cut(progress, width)

    def _tone(self, name: str) -> Style:
        return tone_style(self.app.theme_variables, name)

    def _badge(self, state: IncidentState) -> Text:
        line = Text()
        if state.severity:
            badge = f" {state.severity} {SEVERITY_WORDS.get(state.severity, '')} "
            tone = self._tone(SEVERITY_TONES.get(state.severity, "strong"))
            line.append(badge, style=tone + Style(reverse=True, bold=True))
            line.append("  ")
        return line

    def _after_title(self, state: IncidentState, now: datetime, drill: bool, unseen: bool,
                     signals: list[Signal] | None) -> Text:
        """The health and attention words, then the DRILL badge: never cut, whatever the title."""
        line = Text()
        words = summary(state, now, signals)
        if words:
            line.append("  ")
            calm = words.startswith(("▲", "?"))
            tone = self._tone("good" if words.startswith("▲") else "dim" if calm else "bad")
            if unseen and not calm:
                line.append(f" ! {words} ", style=tone + Style(reverse=True, bold=True))
            else:
                line.append(words, style=tone + Style(bold=not calm))
        if drill:
            line.append("  ")
            line.append(" DRILL ", style=self._tone("warn") + Style(reverse=True, bold=True))
        return line

    def _progress(self, state: IncidentState, now: datetime,
                  watchers: list[str]) -> tuple[Text, Text, Text, Text, Text]:
        """The status, the clock, the commander and the next update, its countdown, the rest."""
        status, clock, line, countdown, tail = Text(), Text(), Text(), Text(), Text()
        resolved = state.status == "resolved"
        status.append(state.status.upper(), style=self._tone("good") if resolved else Style(bold=True))
        elapsed = state.elapsed(now)  # on the incident's clock: it stops at the resolution
        if elapsed is not None:
            _gap(status)
            clock.append(f"T+{incident_clock(elapsed.total_seconds())}")
        commander = state.commander
        _gap(line)
        line.append("IC ")
        name = Text(printable(commander, one_line=True) if commander else "nobody",
                    style="" if commander else self._tone("warn"))
        name.truncate(COMMANDER_CELLS, overflow="ellipsis")
        line.append_text(name)
        upcoming = state.next_update(now)
        if upcoming is not None:
            due, audience = upcoming
            left = (due - now).total_seconds()
            _gap(line)
            line.append(f"next {audience} update {due:%H:%M} ")
            if left >= 0:
                countdown.append(f"(in {to_the_minute(left, left=True)})")
            else:
                countdown.append(f"LATE {to_the_minute(-left)}", style=self._tone("bad"))
        others = [w for w in watchers if w]
        if others:
            _gap(tail)
            named = ", ".join(others[:WATCHERS_NAMED])
            more = f" +{len(others) - WATCHERS_NAMED}" if len(others) > WATCHERS_NAMED else ""
            tail.append(f"watching: {printable(named, one_line=True)}{more}", style=self._tone("dim"))
        if self.pending:
            _gap(tail)
            tail.append(f"⚠ {self.pending} not saved yet", style=self._tone("bad"))
        if self.offline:
            _gap(tail)
            tail.append("⚠ offline: recording on this host", style=self._tone("bad"))
        return status, clock, line, countdown, tail


def _cut(parts: tuple[Text, ...], width: int) -> tuple[Text, ...]:
    """``parts`` as one line cut at ``width`` with "…": the parts past the cut are empty."""
    out, left = [], width
    for part in parts:
        cells = cell_len(part.plain)
        if cells > left:
            part = part.copy()
            part.truncate(max(left, 0), overflow="ellipsis")
        out.append(part)
        left = max(left - cells, 0)
    return tuple(out)
