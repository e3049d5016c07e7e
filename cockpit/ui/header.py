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
from typing import NamedTuple

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


class HeaderFacts(NamedTuple):
    """Everything the header says, as plain values: the header is drawn again only when they
    differ, and a second that moved only the incident clock repaints the clock alone."""

    theme: str
    severity: str | None
    title: str
    words: str
    """The health and attention words (``cockpit.ui.attention.summary``)."""
    unseen: bool
    drill: bool
    status: str
    clock: str
    """``T+00:42:13``; empty before the declaration."""
    commander: str | None
    update: tuple[str, str, str, bool] | None
    """The next update: its audience, when it is due (``04:52``), how long until or since, late."""
    watchers: tuple[str, ...]
    pending: int
    offline: bool


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
        self._facts: HeaderFacts | None = None
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
        facts = self._facts_of(state, now, drill, watchers, unseen, signals)
        shown, self._facts = self._facts, facts
        if facts == shown:
            return
        if (shown is not None and facts.clock and shown.clock and len(facts.clock) == len(shown.clock)
                and facts._replace(clock=shown.clock) == shown):
            self._tick_clock(facts.clock)  # once a second: only the incident clock moved
            return
        badge, title, after = self._identity(facts)
        self._pieces = (badge, title, after, self._progress(facts))
        self._draw()

    def _tick_clock(self, clock: str) -> None:
        """The clock alone, in its own widget, when its part is drawn whole (one line, or two
        lines wide enough for the progress); else the header is fitted again."""
        badge, title, after, progress = self._pieces
        self._pieces = (badge, title, after, (progress[0], Text(clock), *progress[2:]))
        if self.has_class("-two-lines") and sum(cell_len(p.plain) for p in progress) > self._width():
            self._draw()
        elif self.is_mounted and self.children:
            self.query_one("#header-clock", TickingText).set_text(self._pieces[3][1])

    def _facts_of(self, state: IncidentState, now: datetime, drill: bool, watchers: list[str],
                  unseen: bool, signals: list[Signal] | None) -> HeaderFacts:
        elapsed = state.elapsed(now)  # on the incident's clock: it stops at the resolution
        upcoming = state.next_update(now)
        due: tuple[str, str, str, bool] | None = None
        if upcoming is not None:
            at, audience = upcoming
            left = (at - now).total_seconds()
            late = left < 0
            due = (audience, f"{at:%H:%M}",
                   to_the_minute(-left) if late else to_the_minute(left, left=True), late)
        return HeaderFacts(
            theme=self.app.theme, severity=state.severity, title=state.title,
            words=summary(state, now, signals), unseen=unseen, drill=drill,
            status=state.status,
            clock=f"T+{incident_clock(elapsed.total_seconds())}" if elapsed is not None else "",
            commander=state.commander, update=due, watchers=tuple(w for w in watchers if w),
            pending=self.pending, offline=self.offline)

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

    def _identity(self, facts: HeaderFacts) -> tuple[Text, Text, Text]:
        """The severity badge, the title, then the health and attention words and the DRILL
        badge (never cut, whatever the title)."""
        badge = Text()
        if facts.severity:
            tone = self._tone(SEVERITY_TONES.get(facts.severity, "strong"))
            badge.append(f" {facts.severity} {SEVERITY_WORDS.get(facts.severity, '')} ",
                         style=tone + Style(reverse=True, bold=True))
            badge.append("  ")
        title = Text(printable(facts.title, one_line=True) or "(no title yet)", style="bold")
        after = Text()
        if facts.words:
            after.append("  ")
            calm = facts.words.startswith(("▲", "?"))
            tone = self._tone("good" if facts.words.startswith("▲") else "dim" if calm else "bad")
            if facts.unseen and not calm:
                after.append(f" ! {facts.words} ", style=tone + Style(reverse=True, bold=True))
            else:
                after.append(facts.words, style=tone + Style(bold=not calm))
        if facts.drill:
            after.append("  ")
            after.append(" DRILL ", style=self._tone("warn") + Style(reverse=True, bold=True))
        return badge, title, after

    def _progress(self, facts: HeaderFacts) -> tuple[Text, Text, Text, Text, Text]:
        """The status, the clock, the commander and the next update, its countdown, the rest."""
        status, clock, line, countdown, tail = Text(), Text(), Text(), Text(), Text()
        resolved = facts.status == "resolved"
        status.append(facts.status.upper(), style=self._tone("good") if resolved else Style(bold=True))
        if facts.clock:
            _gap(status)
            clock.append(facts.clock)
        _gap(line)
        line.append("IC ")
        name = Text(printable(facts.commander, one_line=True) if facts.commander else "nobody",
                    style="" if facts.commander else self._tone("warn"))
        name.truncate(COMMANDER_CELLS, overflow="ellipsis")
        line.append_text(name)
        if facts.update is not None:
            audience, due, left, late = facts.update
            _gap(line)
            line.append(f"next {audience} update {due} ")
            if late:
                countdown.append(f"LATE {left}", style=self._tone("bad"))
            else:
                countdown.append(f"(in {left})")
        if facts.watchers:
            _gap(tail)
            named = ", ".join(facts.watchers[:WATCHERS_NAMED])
            extra = len(facts.watchers) - WATCHERS_NAMED
            more = f" +{extra}" if extra > 0 else ""
            tail.append(f"watching: {printable(named, one_line=True)}{more}", style=self._tone("dim"))
        if facts.pending:
            _gap(tail)
            tail.append(f"⚠ {facts.pending} not saved yet", style=self._tone("bad"))
        if facts.offline:
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
