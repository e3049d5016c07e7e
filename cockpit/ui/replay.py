"""Replay: the cockpit's own panes, read-only, showing a saved incident at the cursor's time.

A time bar under the header marks the key moments (◆) and retro notes (✎) and the cursor (█).
Space plays at 1× to 600× (``+``/``-``), ←/→ step one event, ``[``/``]`` jump between key
moments, Home/End go to either end, ``g`` goes to ``T+mm:ss`` or a UTC clock time, ``r``
appends a retro note about the cursor's time (``went well: …`` places it in that section of the
postmortem), ``m`` marks a key moment at the cursor's time and ``i`` updates an action item
(cockpit.ui.postmortem_keys). The incident's own events never change: what a retrospective adds
is appended through the seat (``cockpit.seat.Seat``), the one recording policy.

The replay keys are bound with priority on the screen, so they work whichever pane has focus
(the panes' own keys, e.g. ``r`` to reopen a step, would otherwise win); anything a pane
proposes to record is refused with a word on how to add a retro note instead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from bisect import bisect_right
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from cockpit.domain import events as ev
from cockpit.domain.durations import clock_time, format_offset
from cockpit.seat import Notice, Seat
from cockpit.narrate import Context, narrate
from cockpit.retro.replay import NotATime, ReplayCursor, SavedSession, parse_goto, timeline_order
from cockpit.domain.vocabulary import MOMENT_LABELS, RETRO_CATEGORY_LABELS
from cockpit.session import default_handle
from cockpit.settings import Config
from cockpit.ui.compositor import CroppedScreen
from cockpit.ui.driver import QuietTerminal
from cockpit.ui.header import IncidentHeader
from cockpit.ui.panes.calm import CalmPane
from cockpit.ui.panes.health import HealthPane
from cockpit.ui.panes.impact import ImpactPane
from cockpit.ui.panes.protocol import ProtocolPane
from cockpit.ui.panes.rows import Propose, TickingText, tone_style
from cockpit.ui.panes.team import TeamPane
from cockpit.ui.panes.timeline import TimelinePane
from cockpit.ui.postmortem_keys import (
    RETRO_PLACEHOLDER, NotAnUpdate, ask_action_item, ask_moment, split_category,
)
from cockpit.ui.prompts import TextPrompt

PANES = (("impact", "Impact"), ("protocol", "Protocol"), ("team", "Team"), ("calm", "Calm"),
         ("health", "Health"), ("timeline", "Timeline"))
SPEEDS = (1, 2, 5, 10, 30, 60, 120, 300, 600)
DEFAULT_SPEED = 60
PLAY_INTERVAL = 0.1
WIDE = (120, 36)
SMALLEST = (80, 24)
KEYS = ("space play/pause  ←/→ event  [/] key moment  Home/End  +/- speed  g go to  "
        "r retro note  m mark moment  i action item  1-6 panes  ^q quit")
KEYS_NARROW = "space play ←/→ event [/] key +/- speed g go r note m moment i action ^q quit"


class EventsUpTo:
    """The first ``length`` events, as one object whose length the cursor moves.

    Handing the timeline the same object each time lets it add only the new rows while the
    replay plays forward (it rebuilds when the cursor goes back).
    """

    def __init__(self, events: list[ev.Event]) -> None:
        self._events = events
        self.length = 0

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return self._events[: self.length][index]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        return self._events[index]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._events[: self.length])


class TimeBar(Widget):
    """Two lines: the incident's span with key moments, retro notes and the cursor; then where
    the cursor is, the play state and the current event."""

    DEFAULT_CSS = "TimeBar { height: 2; padding: 0 1; background: $panel; }"

    def __init__(self, cursor: ReplayCursor, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor = cursor
        self.playing = False
        self.speed = DEFAULT_SPEED
        self.origin = cursor.start
        self.context: Context = Context(events=cursor.events)
        """What the narrator knows for the current event: the timeline's step texts and record."""

    def column(self, moment: datetime, width: int) -> int:
        start, end = self.cursor.start, self.cursor.end
        span = (end - start).total_seconds()
        if width <= 1 or span <= 0:
            return 0
        fraction = (moment - start).total_seconds() / span
        return max(0, min(width - 1, round(fraction * (width - 1))))

    def track(self, width: int) -> Text:
        cells = ["─"] * width
        for moment in self.cursor.key_moments:
            cells[self.column(moment.at, width)] = "◆"
        for note in self.cursor.final_state.retro_notes:
            if note.about is not None and self.cursor.start <= note.about <= self.cursor.end:
                cells[self.column(note.about, width)] = "✎"
        here = self.column(self.cursor.time, width)
        line = Text("".join(cells[:here]), style=Style(dim=True))
        line.append("█", style=Style(bold=True))
        line.append("".join(cells[here + 1:]), style=Style(dim=True))
        return line

    def render(self) -> Text:
        width = max(self.size.width, 20)
        cursor = self.cursor
        start, end = f"{clock_time(cursor.start)} ", f" {clock_time(cursor.end)}"
        line = Text(start, style=Style(dim=True))
        line.append_text(self.track(max(width - len(start) - len(end), 4)))
        line.append(end, style=Style(dim=True))
        state = Text()
        state.append("REPLAY", style=Style(reverse=True, bold=True))
        state.append(" ▶ playing" if self.playing else " ‖ paused", style=Style(bold=True))
        offset = (cursor.time - self.origin).total_seconds()
        state.append(f" {self.speed}×   {format_offset(offset)}"
                     f"  {clock_time(cursor.time)} UTC   event {cursor.position:,} of {cursor.incident_length:,}   ")
        current = cursor.current
        if current is not None:
            state.append(f"{clock_time(current.at)} ", style=Style(dim=True))
            state.append(narrate(current, self.context))
        state.truncate(width, overflow="ellipsis")
        return Text.assemble(line, "\n", state, no_wrap=True)


class ReplayScreen(CroppedScreen[None]):
    """One saved incident, scrubbed through with the cursor; every pane shows its state."""

    CSS = """
    ReplayScreen #replay-keys { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("space", "play", "play/pause", priority=True),
        Binding("left", "step(-1)", "previous event", priority=True),
        Binding("right", "step(1)", "next event", priority=True),
        Binding("left_square_bracket", "key_moment(-1)", "previous key moment", priority=True),
        Binding("right_square_bracket", "key_moment(1)", "next key moment", priority=True),
        Binding("home", "home", "start", priority=True),
        Binding("end", "end", "end", priority=True),
        Binding("plus,equals_sign", "speed(1)", "faster", priority=True),
        Binding("minus", "speed(-1)", "slower", priority=True),
        Binding("g", "go_to", "go to a time", priority=True),
        Binding("r", "retro_note", "retro note", priority=True),
        Binding("m", "mark_moment", "key moment", priority=True),
        Binding("i", "action_item", "action item", priority=True),
        *(Binding(str(i), f"show_pane('{name}')", title, show=False)
          for i, (name, title) in enumerate(PANES, 1)),
    ]

    def __init__(self, saved: SavedSession, *, config: Config | None = None) -> None:
        super().__init__()
        self.saved = saved
        self.config = config or Config()
        self.cursor = ReplayCursor(saved.events)
        self._order()
        self.active_pane = "timeline"
        self._timer: Timer | None = None
        self._last_tick = 0.0
        self._opening: asyncio.Task[Seat] | None = None
        self._timeline_stale = True
        self.cursor.to_end()

    def _order(self) -> None:
        """The timeline's rows, retro notes at the time they are about (timeline_order)."""
        rows, self._shows_from = timeline_order(self.cursor.events)
        self.upto = EventsUpTo(rows)

    @property
    def origin(self) -> datetime:
        """T+0: the declaration, as on the live cockpit's clock."""
        return self.cursor.final_state.declared_at or self.cursor.start

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        bar = TimeBar(self.cursor, id="timebar")
        bar.origin = self.origin
        yield bar
        yield TickingText(id="tabs")
        with Container(id="panes"):
            yield ImpactPane(matrix=self.config.severity, id="impact")
            yield ProtocolPane(id="protocol")
            yield TeamPane(limits=self.config.roster, roster=self.config.people, id="team")
            yield HealthPane(id="health")
            yield CalmPane(handle=default_handle(self.saved.handle), id="calm")
            yield TimelinePane(id="timeline")
        yield TickingText(id="replay-keys")
        yield Static(Text("The terminal is too small for the replay.\n"
                          "Make it at least 80 columns by 24 rows."), id="too-small")

    def on_mount(self) -> None:
        self._layout_for(self.app.size.width, self.app.size.height)
        self.show_cursor()
        self.query_one("#timeline", TimelinePane).focus_pane()

    def on_resize(self, event) -> None:  # type: ignore[no-untyped-def]
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        tiny = width < SMALLEST[0] or height < SMALLEST[1]
        wide = not tiny and width >= WIDE[0] and height >= WIDE[1]
        self.set_class(tiny, "-tiny")
        self.set_class(wide, "-wide")
        self.set_class(not tiny and not wide, "-narrow")
        for name, _ in PANES:
            self.query_one(f"#{name}").set_class(name == self.active_pane, "-active")
        self._draw_tabs()
        keys = KEYS if width >= len(KEYS) + 2 else KEYS_NARROW
        self.query_one("#replay-keys", TickingText).set_text(Text(keys, style=Style(dim=True)))

    def _draw_tabs(self) -> None:
        line = Text()
        for index, (name, title) in enumerate(PANES, 1):
            label = f"[{index} {title}]" if name == self.active_pane else f" {index} {title} "
            line.append(label, style=Style(reverse=True, bold=True) if name == self.active_pane else "")
            line.append(" ")
        line.append("read-only", style=tone_style(self.app.theme_variables, "warn"))
        self.query_one("#tabs", TickingText).set_text(line)

    # -- showing the cursor --------------------------------------------------------------------

    def show_cursor(self) -> None:
        """Hand the state at the cursor to the header and every pane; they only render."""
        state, now = self.cursor.state, self.cursor.time
        self.query_one(IncidentHeader).show(state, now, drill=self.saved.drill, watchers=[])
        for name in ("impact", "protocol", "team", "health", "calm"):
            self.query_one(f"#{name}").show(state, now)  # type: ignore[attr-defined]
        timeline = self.query_one("#timeline", TimelinePane)
        shown = bisect_right(self._shows_from, self.cursor.position)
        if self.upto.length != shown or self._timeline_stale:
            # playing moves time every tick, but the timeline only when an event is passed
            self.upto.length = shown
            current = self.cursor.current
            timeline.show_events(self.upto, highlight_seq=current.seq if current else None)  # type: ignore[arg-type]
            self._timeline_stale = False
        timeline.show(state, now)
        bar = self.query_one(TimeBar)
        bar.context = timeline.steps  # one narration of the current event, on the bar and the timeline
        bar.playing = self._timer is not None
        bar.refresh()

    # -- keys ------------------------------------------------------------------------------------

    def action_play(self) -> None:
        if self._timer is not None:
            self._pause()
        else:
            if self.cursor.at_end():
                self.cursor.home()
            self._last_tick = time.monotonic()
            self._timer = self.set_interval(PLAY_INTERVAL, self._play_tick)
        self.show_cursor()

    def _pause(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _play_tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last_tick = now - self._last_tick, now
        self.cursor.advance(elapsed * self.query_one(TimeBar).speed)
        if self.cursor.at_end():
            self._pause()
        self.show_cursor()

    def action_step(self, direction: int) -> None:
        self._pause()
        self.cursor.next_event() if direction > 0 else self.cursor.previous_event()
        self.show_cursor()

    def action_key_moment(self, direction: int) -> None:
        self._pause()
        self.cursor.next_key_moment() if direction > 0 else self.cursor.previous_key_moment()
        self.show_cursor()

    def action_home(self) -> None:
        self._pause()
        self.cursor.home()
        self.show_cursor()

    def action_end(self) -> None:
        self._pause()
        self.cursor.to_end()
        self.show_cursor()

    def action_speed(self, direction: int) -> None:
        bar = self.query_one(TimeBar)
        index = SPEEDS.index(bar.speed) if bar.speed in SPEEDS else SPEEDS.index(DEFAULT_SPEED)
        bar.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, index + direction))]
        bar.refresh()

    def action_show_pane(self, name: str) -> None:
        self.active_pane = name
        self._layout_for(self.app.size.width, self.app.size.height)
        self.query_one(f"#{name}").focus_pane()  # type: ignore[attr-defined]

    @work(exclusive=True, group="replay-goto")
    async def action_go_to(self) -> None:
        self._pause()
        typed = await self.app.push_screen_wait(TextPrompt(
            "Go to a time", placeholder="T+12:30 after the declaration, or 04:31[:05] UTC"))
        if not typed:
            return
        try:
            moment = parse_goto(typed, origin=self.origin, start=self.cursor.start)
        except NotATime as exc:
            self.notify(str(exc), title="Go to", severity="warning", markup=False)
            return
        self.cursor.seek(min(max(moment, self.cursor.start), self.cursor.end))
        self.show_cursor()

    @work(exclusive=True, group="replay-retro")
    async def action_retro_note(self) -> None:
        self._pause()
        about = self.cursor.time
        offset = format_offset((about - self.origin).total_seconds())
        self._open_seat()  # the seat to write in opens while the note is typed
        typed = await self.app.push_screen_wait(TextPrompt(
            f"Retro note about {offset} ({clock_time(about)} UTC)", placeholder=RETRO_PLACEHOLDER))
        if not typed:
            return
        category, text = split_category(typed)
        note = ev.RetroNote(text=text, about=about, category=category)
        placed = f" under {RETRO_CATEGORY_LABELS[category].rstrip('?')}" if category else ""
        if await self._append(note):
            self.notify(f"Retro note saved{placed}, about {offset}.", title="Retro note", markup=False)

    @work(exclusive=True, group="replay-retro")
    async def action_mark_moment(self) -> None:
        """m: the key moment that happened at the cursor's time."""
        self._pause()
        self._open_seat()
        moment = await ask_moment(self.app.push_screen_wait, self.cursor.time)
        if moment is not None and await self._append(moment):
            self.notify(f"Key moment marked: {MOMENT_LABELS[moment.moment]} at {clock_time(moment.at)} UTC.",
                        title="Key moment", markup=False)

    @work(exclusive=True, group="replay-retro")
    async def action_action_item(self) -> None:
        """i: an action item's owner, type, priority, due date, ticket and status."""
        self._pause()
        self._open_seat()
        try:
            update = await ask_action_item(self.app.push_screen_wait, self.cursor.final_state)
        except NotAnUpdate as exc:
            self.notify(str(exc), title="Action item", severity="warning", markup=False)
            return
        if update is not None and await self._append(update):
            self.notify(f"Action #{update.action} updated.", title="Action item", markup=False)

    def _open_seat(self) -> None:
        """Open the seat that appends, in the background, while the person types."""
        if self._opening is None:
            self._opening = asyncio.create_task(asyncio.to_thread(self.saved.seat))

    async def _append(self, event: ev.Event) -> bool:
        """Append ``event`` through the seat and show it; False when the seat could not (it
        says why, and retries what the disk refused)."""
        self._open_seat()
        seat = await self._opening  # type: ignore[misc]
        seat.say = self._say
        if seat.record(event) is None:
            return False
        self.cursor.extend(seat.session.events[len(self.cursor):])
        self._order()
        self._timeline_stale = True
        self.show_cursor()
        return True

    def _say(self, notice: Notice) -> None:
        self.notify(notice.text, title=notice.title, severity=notice.tone, timeout=15, markup=False)

    def on_propose(self, message: Propose) -> None:
        message.stop()
        self.notify("This is a replay: the incident's record stays as it was. Press r to add a "
                    "retro note about this moment.", title="Read-only", severity="warning")


class ReplayApp(QuietTerminal, App[int]):
    """``cockpit replay SESSION``: the replay screen on its own."""

    TITLE = "Cockpit replay"
    CSS_PATH = "cockpit.tcss"
    BINDINGS = [Binding("ctrl+q", "quit", "quit", priority=True)]

    def __init__(self, saved: SavedSession, *, config: Config | None = None) -> None:
        super().__init__()
        self.saved = saved
        self.config = config or Config()

    def on_mount(self) -> None:
        from cockpit.ui.themes import preferred_theme, register_themes

        self.theme = preferred_theme(register_themes(self, self.config), self.config)
        self.push_screen(ReplayScreen(self.saved, config=self.config))

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)


def run_replay(args: argparse.Namespace) -> int:
    from cockpit.errors import UsageError
    from cockpit.retro.cli import read_saved
    from cockpit.settings import ConfigError, load_config

    saved = read_saved(args.session, args, handle=getattr(args, "handle", None))
    if not saved.events:
        raise UsageError(f"{saved.path} holds no events yet: nothing to replay")
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError:
        if getattr(args, "config", None):
            raise
        config = Config()
    try:
        return ReplayApp(saved, config=config).run() or 0
    finally:  # the screen is gone: what the disk refused is rescued and said on stderr
        saved.close(say=lambda notice: print(f"cockpit: {notice.text}", file=sys.stderr))
