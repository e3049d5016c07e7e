"""Timeline: what happened when?

Every event in plain words, newest at the bottom, with the time and who. One line-based widget
draws only the rows on screen and formats each event once, when it first scrolls into view, so
10,000 events cost no more to show than 50. ``f`` filters by kind (decisions, health, team…).
Enter, space or a click on a row opens the whole entry, which the one-line row may have cut short.
The quick-entry keys (n, d, a, h) belong to the app: they work from any pane.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding

from cockpit.domain.durations import clock_time
from cockpit.domain.events import Event, HealthChanged, NoteAdded, RoleReleased
from cockpit.domain.state import IncidentState
from cockpit.narrate import Context, narrate
from cockpit.text import printable
from cockpit.ui.entry_detail import EntryDetail
from cockpit.ui.panes.describe import TIMELINE_GROUPS, matches_group
from cockpit.ui.panes.rows import Pane, Row, RowList, cells, tone_style
from cockpit.ui.prompts import ChoicePrompt

ALL = "all"
TAG_TONES = {"decision": "strong", "action": "strong", "hypothesis": "", "note": ""}
HEALTH_TONES = {"down": "bad", "degraded": "warn", "up": "good", "unknown": "dim"}


def timeline_line(event: Event, styles: dict[str, Style],
                  steps: Mapping[str, str] | None = None) -> Text:
    """``04:31:40  health    payments-api up → down (timeout after 2.0s)`` as plain Text: the
    time, who, and the narrator's words (printable already)."""
    line = Text()
    line.append(f"{clock_time(event.at)}  ", style=styles["dim"])
    line.append(cells(printable(event.by, one_line=True), 8) + "  ", style=styles["dim"])
    tone = ""
    if isinstance(event, NoteAdded):
        tone = TAG_TONES.get(event.tag, "")
    elif isinstance(event, HealthChanged):
        tone = HEALTH_TONES.get(event.to, "")
    elif event.kind in ("session.configured", "seat.joined", "seat.left", "health.summary"):
        tone = "dim"
    line.append(narrate(event, steps), style=styles.get(tone, Style()))
    return line


def _settled(event: Event) -> bool:
    """Whether the row of ``event`` reads the same whatever comes later: a release with a
    briefing loses it once the assignment that carries it arrives (a handover says it once)."""
    return not (isinstance(event, RoleReleased) and event.briefing)


class TimelineRows(Sequence[Row]):
    """The events as rows, each formatted on first access and then kept."""

    def __init__(self, events: list[Event], styles: dict[str, Style],
                 steps: Mapping[str, str]) -> None:
        self.events = events
        self.styles = styles
        self.steps = steps
        self._cache: dict[int, Row] = {}

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        event = self.events[index]
        key = event.seq or id(event)
        row = self._cache.get(key)
        if row is None:
            row = Row(timeline_line(event, self.styles, self.steps), key=str(event.seq))
            if _settled(event):
                self._cache[key] = row
        return row


class TimelinePane(Pane):
    TITLE = "Timeline"
    FOLLOW_TAIL = True
    BINDINGS = [Binding("f", "filter", "filter")]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.filter = ALL
        self._source: Sequence[Event] = ()
        self._seen = 0
        self._shown: list[Event] = []
        self._rows: TimelineRows | None = None
        self._step_texts: dict[str, str] = {}
        self.reading_earlier = False
        """True while a big session's earlier events are read in the background: said in the title."""
        self.steps = Context()
        """Step ids to their text, from the protocols in force, and the events shown: what the
        narrator needs to name a step's evidence and say a handover's briefing once."""

    def show(self, state: IncidentState, now: datetime) -> None:
        """The title only: the rows follow ``show_events``."""
        self.last_shown = (state, now)
        steps = {step.id: step.text for _, step in state.all_steps()}
        if steps != self._step_texts:
            self._step_texts = steps
            self.steps = self.steps.with_steps(steps)
            if self._rows is not None:
                self._rows = TimelineRows(self._shown, self._styles(), self.steps)
                self.rows.set_rows(self._rows, compare=False)
        self._retitle()

    def reshow(self) -> None:
        """Draw the rows again (after a resize or a theme change: new colours)."""
        if self._rows is not None:
            self._rows = TimelineRows(self._shown, self._styles(), self.steps)
            self.rows.set_rows(self._rows, compare=False)

    def _retitle(self) -> None:
        count = len(self._shown)
        title = f"Timeline · {count:,} entr{'y' if count == 1 else 'ies'}"
        if self.reading_earlier:
            title += " · reading the earlier ones…"
        if self.filter != ALL:
            title += f" · showing {self.filter} · f for all"
        self.set_title(title)

    def _matches(self, event: Event) -> bool:
        """Everything but the once-a-minute health summaries, unless a filter says otherwise."""
        if self.filter == ALL:
            return event.kind != "health.summary"
        return matches_group(event, TIMELINE_GROUPS[self.filter])

    def show_events(self, events: Sequence[Event], highlight_seq: int | None = None) -> None:
        """Show ``events``; when they extend what was shown, only the new ones are looked at."""
        if self._rows is not None and events is self._source and len(events) >= self._seen:
            news = events[self._seen:]
            self.steps.add(news)
            self._shown.extend(e for e in news if self._matches(e))
        else:
            self.steps = Context(self._step_texts, events)
            self._shown = [e for e in events if self._matches(e)]
            self._rows = TimelineRows(self._shown, self._styles(), self.steps)
        self._source, self._seen = events, len(events)
        self.rows.set_rows(self._rows, compare=False)
        if highlight_seq is not None:
            self.highlight(highlight_seq)
        self._retitle()

    def highlight(self, seq: int) -> None:
        """Put the cursor on the event with ``seq`` (or the last one before it). Rows need not
        be in seq order: a replay shows a retro note at the time it is about."""
        index = None
        for position, event in enumerate(self._shown):
            if event.seq == seq:
                index = position
                break
            if event.seq < seq:
                index = position
        if index is not None:
            self.rows._move_to(index)

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        """Enter or space: the whole entry, however long, in a read-only view."""
        event.stop()
        if self.rows.cursor is not None:
            self.read_entry(self.rows.cursor)

    def on_click(self, event: events.Click) -> None:
        """A click on a row opens it whole too."""
        offset = event.get_content_offset(self.rows)
        if offset is not None:
            event.stop()
            self.read_entry(int(self.rows.scroll_y) + offset.y)

    def read_entry(self, index: int) -> None:
        """Put the cursor on the ``index``th row shown and open its entry in full."""
        if 0 <= index < len(self._shown):
            self.rows._move_to(index)
            self.app.push_screen(EntryDetail(self._shown[index], self.steps))

    def _styles(self) -> dict[str, Style]:
        variables = self.app.theme_variables
        return {name: tone_style(variables, name) for name in ("bad", "warn", "good", "strong", "dim")}

    @work(exclusive=True, group="timeline-filter")
    async def action_filter(self) -> None:
        options = [(ALL, "everything (but health summaries)")] + [(name, name) for name in TIMELINE_GROUPS]
        choice = await self.app.push_screen_wait(
            ChoicePrompt("Show which entries?", options, selected=self.filter))
        if choice is not None and choice != self.filter:
            self.filter = choice
            self._rows = None
            self.show_events(self._source)
