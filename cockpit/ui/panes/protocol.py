"""Protocol: what do we do next, and what is late?

The checklist of every protocol in force, one row per step: a symbol and a word for its state
(never colour alone), who (for an open step, the owner role's holder now; for a step done or
skipped, who did it: history is not rewritten by a later handover), and the timing that matters
(due in, LATE by how much, the next occurrence of a recurring step), in a column of its own
so that a ticking countdown repaints only its own cells. Times are read on the
incident's clock, which stops at the resolution: nothing counts on, or down, after it. Enter or space marks a step done,
``x`` skips it with a reason, ``r`` reopens it, ``p`` adds another protocol mid-incident.
"""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from cockpit.domain.durations import format_clock, to_the_minute
from cockpit.domain.events import ProtocolAdded, StepDone, StepReopened, StepSkipped
from cockpit.domain.protocol import StepView, protocol_version
from cockpit.domain.state import IncidentState
from cockpit.text import printable
from cockpit.ui.panes.rows import Pane, Propose, Row, RowList, cells, changed_span
from cockpit.ui.prompts import ChoicePrompt, TextPrompt

SOON = 120
"""Seconds before a deadline at which a step is marked as coming up."""


def step_symbol(view: StepView, now: datetime) -> tuple[str, str]:
    """The symbol and the tone (see ``Pane.tone``) of a step's row."""
    if not view.applies:
        return "–", "dim"
    if view.overdue is not None:
        return "!", "bad"
    if view.step.recurring:
        return "↻", ""
    if view.state == "done":
        return "✔", "done"
    if view.state == "skipped":
        return "⊘", "done"
    if not view.stopped and view.due_in is not None and view.due_in.total_seconds() <= SOON:
        return "▶", "strong"
    return "○", ""


def step_timing(view: StepView, now: datetime, declared_at: datetime | None) -> str:
    """The right-hand column: done when and by whom, skipped why, due in, LATE by."""
    if not view.applies:
        return f"only at {', '.join(view.step.when)}"
    if view.overdue is not None:
        return f"LATE {to_the_minute(view.overdue.total_seconds())}"
    if view.state == "skipped" and not view.step.recurring:
        at = view.progress.at
        return f"skipped {at:%H:%M}" if at else "skipped"
    if view.state == "done" and not view.step.recurring:
        late = f" +{int(view.late_by.total_seconds() // 60)}m" if view.late_by else ""  # late by
        at = view.progress.at
        return f"done {at:%H:%M}{late}" if at else "done"
    if view.stopped:  # resolved: no cadence runs and no deadline comes any more
        return "stopped" if view.step.recurring else "not done"
    if view.due_in is not None:
        left = to_the_minute(view.due_in.total_seconds(), left=True)
        if view.step.recurring:
            return f"next in {left}"
        return f"due in {left}"
    return "open"


def step_who(view: StepView, state: IncidentState) -> str:
    """Who to show on a step's row: whoever did or skipped it (from the record, never the role's
    holder today), else the owner role's current holder, else the role with a dash."""
    progress = view.progress
    finished = progress.state in ("done", "skipped") and not view.step.recurring
    if (finished or (view.stopped and view.step.recurring)) and progress.by:
        return progress.by
    owner = view.step.owner or ""
    holders = state.holders(owner) if owner else []
    return holders[0] if holders else (f"{owner} —" if owner else "")


def step_history(view: StepView) -> str:
    """One sentence on what the record says of a step: ``done by bob at 04:24, 4 min late``."""
    progress = view.progress
    if progress.at is None or not progress.by:
        return ""
    when = f"{progress.at:%H:%M}"
    if progress.state == "skipped":
        reason = printable(progress.reason, one_line=True) or "no reason given"
        return f"skipped by {progress.by} at {when}: {reason}"
    if progress.state == "open":
        return f"reopened by {progress.by} at {when}"
    if progress.evidence is not None:
        return f"done by the cockpit at {when}: the record proves it (event #{progress.evidence})"
    if view.step.recurring:
        times = len(progress.done_times)
        return f"last done by {progress.by} at {when} ({times} time{'s' if times != 1 else ''})"
    late = f", {int(view.late_by.total_seconds() // 60)} min late" if view.late_by else ""
    return f"done by {progress.by} at {when}{late}"


def step_shape(views: list[StepView], now: datetime) -> tuple[object, ...]:
    """What of the steps' rows time can change: each step's state and symbol."""
    return tuple((v.step.id, v.state, step_symbol(v, now)) for v in views)


TIMING_CELLS = 16
"""The timing column: two cells of space, then "done 04:24 +4m" or "LATE 1:53:29" (14 cells)."""


class TimingColumn(Widget):
    """The Protocol pane's right-hand column, the countdowns that tick, beside the steps' list and
    scrolled with it. A widget of its own because Textual sends a widget's cells from its left
    edge to the last one that changed: a countdown at the end of the step's row would send the
    step's text again every second, ten LATE steps about 1.4 KB a second over SSH."""

    DEFAULT_CSS = f"TimingColumn {{ width: {TIMING_CELLS}; height: 1fr; background: $surface; }}"

    def __init__(self, steps: RowList) -> None:
        super().__init__()
        self.steps = steps
        self.texts: list[Text] = []
        """One per row of ``steps`` (empty beside a protocol's name)."""

    def set_texts(self, texts: list[Text]) -> None:
        """Show ``texts``, repainting only the cells that changed."""
        old, self.texts = self.texts, texts
        if len(old) != len(texts):
            self.refresh()
            return
        top = int(self.steps.scroll_y)
        for y in range(top, min(top + self.size.height, len(texts))):
            if texts[y] != old[y]:
                if (region := changed_span(old[y], texts[y], self.size.width)) is not None:
                    self.refresh(region.translate((0, y - top)))

    _base_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base_style = self.rich_style  # once per paint: it walks every ancestor's styles
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = int(self.steps.scroll_y) + y
        width, style = self.size.width, self._base_style or self.rich_style
        if index >= len(self.texts):
            return Strip.blank(width, style)
        rows = self.steps.rows
        if (index == self.steps.cursor and self.steps.lit and index < len(rows)
                and rows[index].key is not None):  # the cursor's bar runs across both
            style = style + self.steps.get_component_rich_style("rowlist--cursor")
        strip = Strip(list(self.texts[index].render(self.app.console, end=""))).apply_style(style)
        return strip.crop_extend(0, width, style)


class ProtocolPane(Pane):
    TITLE = "Protocol"
    DEFAULT_CSS = """
    ProtocolPane #protocol-steps { height: 1fr; }
    ProtocolPane #step-detail { height: 3; border-top: hkey $panel-lighten-2; }
    """
    BINDINGS = [
        Binding("x", "skip", "skip step"),
        Binding("r", "reopen", "reopen step"),
        Binding("p", "add_protocol", "add protocol"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.state = IncidentState()
        self.views: dict[str, StepView] = {}
        self._shown_shape: tuple[tuple[object, ...], tuple[object, ...]] | None = None
        """What of the state (``drawn_from``) and which steps' symbols the rows were last drawn
        for: a note recorded is a new state with the same steps, and redraws nothing here."""
        self._ticked: list[tuple[str, str] | None] | None = None
        """The timing column's words as the last tick drew them (``_timing_words``)."""

    def show(self, state: IncidentState, now: datetime) -> None:
        self.last_shown = (state, now)
        self.state = state
        views = state.step_views(now)
        self.views = {v.step.id: v for v in views}
        one_off = [v for v in views if v.applies and not v.step.recurring]
        done = sum(1 for v in one_off if v.state == "done")
        skipped = sum(1 for v in one_off if v.state == "skipped")
        late = sum(1 for v in views if v.overdue is not None)
        names = " + ".join(p.name for p in state.protocols) or "none"
        title = f"Protocol · {names} · {done}/{len(one_off)} done"  # as `cockpit status` counts
        title += f" · {skipped} skipped" if skipped else ""
        self.set_title(title + (f" · {late} late" if late else ""))
        self.rows.set_rows(self.render_rows(views, state, now))
        self._ticked = self._timing_words(views, state, now)
        self.query_one(TimingColumn).set_texts(self._timing_texts(self._ticked))
        self._describe_selected()
        self._shown_shape = (self.drawn_from(state), step_shape(views, now))

    def drawn_from(self, state: IncidentState) -> tuple[object, ...]:
        """The steps (``step_views``: protocols, progress, declaration, severity, resolution) and
        who holds the roles that own them; the countdowns move on the tick."""
        return (state.protocols, state.steps, state.declared_at, state.severity,
                state.resolved_at, state.roles)

    def tick(self, state: IncidentState, now: datetime) -> None:
        """A second passed: only the timing column moves, unless a step changed its symbol (it
        became LATE, a cadence came round), which redraws the rows too."""
        views = state.step_views(now)
        if self._shown_shape != (self.drawn_from(state), step_shape(views, now)):
            self.show(state, now)
            return
        self.views = {v.step.id: v for v in views}
        words = self._timing_words(views, state, now)
        if words != self._ticked:  # most seconds, every countdown still reads the same
            self._ticked = words
            self.query_one(TimingColumn).set_texts(self._timing_texts(words))

    def _layout(self, views: list[StepView], state: IncidentState) -> list[StepView | str]:
        """The rows in order: the steps that apply first, each protocol's name above its steps
        when there are several."""
        several = len(state.protocols) > 1
        out: list[StepView | str] = []
        current_protocol = None
        for view in sorted(views, key=lambda v: not v.applies):  # steps that do not apply go last
            if several and view.protocol != current_protocol and view.applies:
                current_protocol = view.protocol
                out.append(view.protocol)
            out.append(view)
        return out

    def _timing_words(self, views: list[StepView], state: IncidentState,
                      now: datetime) -> list[tuple[str, str] | None]:
        """The timing column's words and tone, one a row (None beside a protocol's name)."""
        return [None if isinstance(item, str) else
                ("  " + cells(step_timing(item, now, state.declared_at), TIMING_CELLS - 2),
                 step_symbol(item, now)[1])
                for item in self._layout(views, state)]

    def _timing_texts(self, words: list[tuple[str, str] | None]) -> list[Text]:
        texts = []
        for word in words:
            timing = Text()  # a span, not the base style: rendering a line keeps only spans
            if word is not None:
                timing.append(word[0], style=self.tone(word[1]))
            texts.append(timing)
        return texts

    def compose(self) -> ComposeResult:
        steps = RowList(follow_tail=self.FOLLOW_TAIL)
        with Horizontal(id="protocol-steps"):
            yield steps
            yield TimingColumn(steps)
        yield Static(id="step-detail")

    def on_mount(self) -> None:
        self.watch(self.rows, "scroll_y", lambda _: self.query_one(TimingColumn).refresh(), init=False)

    def row_texts(self) -> dict[str, str]:
        """Each step's row as the eye reads it across both columns, by step id."""
        timings = self.query_one(TimingColumn).texts
        return {row.key: row.text.plain + (timings[i].plain if i < len(timings) else "")
                for i, row in enumerate(self.rows.rows) if row.key}

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        event.stop()
        self.query_one(TimingColumn).refresh()  # the cursor's bar moved
        self._describe_selected()

    def keyboard_moved(self, lit: bool) -> None:
        super().keyboard_moved(lit)
        self.query_one(TimingColumn).refresh()  # the cursor's bar runs across it

    def _describe_selected(self) -> None:
        """The whole text of the step under the cursor: rows cut long steps short."""
        view = self.views.get(self.rows.selected_key or "")
        text = Text()
        if view is not None:
            text.append(printable(view.step.text, one_line=True))
            if view.step.recurring:
                text.append(f"  (every {format_clock(view.step.every.total_seconds())})",  # type: ignore[union-attr]
                            style=self.tone("dim"))
            # one line under the text: what the record says of the step, then the keys that act
            # on it here (a replay or a read-only seat has none)
            said = [printable(step_history(view), one_line=True)]
            if self.records_here:
                finished = view.state != "open" and not view.step.recurring
                said.append("r reopen · p add a protocol" if finished
                            else "Enter done · x skip · r reopen · p add a protocol")
            said = [part for part in said if part]
            if said:
                text.append("\n" + "  ·  ".join(said), style=self.tone("dim"))
        detail = self.query_one("#step-detail", Static)
        if text != getattr(detail, "_shown_text", None):
            detail._shown_text = text  # type: ignore[attr-defined]
            detail.update(text, layout=False)

    def render_rows(self, views: list[StepView], state: IncidentState, now: datetime) -> list[Row]:
        """The steps' rows (their timings are the timing column's, ``_timing_words``)."""
        width = self.width
        owner_width = 12 if width + TIMING_CELLS >= 56 else 0
        text_width = max(10, width - 2 - owner_width)  # the step's text gets the rest
        rows: list[Row] = []
        for view in self._layout(views, state):
            if isinstance(view, str):
                rows.append(Row(Text(printable(view, one_line=True), style="bold underline")))
                continue
            symbol, tone = step_symbol(view, now)
            style = self.tone(tone)
            line = Text()
            line.append(f"{symbol} ", style=style)
            line.append(cells(printable(view.step.text, one_line=True), text_width),
                        style=self.tone("dim") if tone in ("dim", "done") else "")
            if owner_width:
                who = printable(step_who(view, state), one_line=True)
                line.append(" " + cells(who, owner_width - 1), style="dim")
            rows.append(Row(line, key=view.step.id))
        return rows

    # -- acting on a step -------------------------------------------------------------------------

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        if not self.may_record():
            return
        view = self.views.get(event.key)
        if view is None:
            return
        if view.state != "open" and not view.step.recurring and self.records_here:
            self.app.notify(f"Already {view.state}: press r to reopen it.", timeout=4)
            return
        self.post_message(Propose(StepDone(step=view.step.id)))

    def action_reopen(self) -> None:
        if not self.may_record():
            return
        view = self.views.get(self.rows.selected_key or "")
        if view is not None and (view.state != "open"):
            self.post_message(Propose(StepReopened(step=view.step.id)))

    @work(exclusive=True, group="protocol-prompt")
    async def action_skip(self) -> None:
        if not self.may_record():
            return
        view = self.views.get(self.rows.selected_key or "")
        if view is None or view.state != "open":
            return
        reason = await self.app.push_screen_wait(
            TextPrompt(f"Skip “{view.step.text}” — why?", placeholder="e.g. not customer facing",
                       required=True))
        if reason:
            self.post_message(Propose(StepSkipped(step=view.step.id, reason=reason)))

    @work(exclusive=True, group="protocol-prompt")
    async def action_add_protocol(self) -> None:
        """Bring another runbook in (a breach found during an outage, say)."""
        if not self.may_record():
            return
        from cockpit.settings import ConfigError, available, load_protocol

        config = getattr(self.screen, "config", None)
        active = {p.name for p in self.state.protocols}
        names = [name for name in available("protocols", config) if name not in active]
        if not names:
            self.app.notify("Every known protocol is already in force.", timeout=4)
            return
        choice = await self.app.push_screen_wait(
            ChoicePrompt("Add which protocol?", [(n, n) for n in names]))
        if choice is None:
            return
        try:
            protocol = load_protocol(choice, config)
        except ConfigError as exc:
            self.app.notify(str(exc), title="Cannot load that protocol", severity="error")
            return
        self.post_message(Propose(ProtocolAdded(protocol=protocol.name, steps=protocol.steps,
                                                version=protocol_version(protocol.steps))))
