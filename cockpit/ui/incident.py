"""The incident screen: the six panes, and the one way its keys become events.

Data flows one way (docs/architecture.md): keys and panes ask, ``record`` hands the event to this
process's ``Seat`` (the one recording policy: conflicts, retries, presence, polling), the fold
updates the state, and ``push_state`` hands the new state to every pane. Other seats' appends
arrive as the file changes (``seat.start_following()``: inotify, else polling). The clocks
tick once a second by changing a few lines of text, never the layout.

Layouts (``cockpit.ui.opening.set_layout``): all six panes at 120×36 and above (they grow with
the terminal); below that, one pane at a time with tabs ``1 Impact 2 Protocol …`` and a strip
with the newest timeline entry and the worst endpoint; under 80×24 a message asks for a bigger
terminal.

This module loads the core (pydantic events, the fold, the seats): ``CockpitApp`` imports it only
once the first frame is on screen.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from datetime import datetime
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.css.query import NoMatches
from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cockpit import collector
from cockpit.domain import events as ev
from cockpit.domain.clock import Clock, utc_ms
from cockpit.domain.durations import clock_time
from cockpit.domain.vocabulary import SEVERITIES, STATUSES, severity_rank
from cockpit.domain.severity import HealthFacts, suggest_severity
from cockpit.domain.state import IncidentState, parts_but_notes
from cockpit.journal import JournalError
from cockpit.seat import READ_ONLY_MESSAGE, Notice, Seat
from cockpit.session import Session
from cockpit.settings import Config
from cockpit.text import printable
from cockpit.ui.compositor import CroppedScreen
from cockpit.ui.attention import Attention, Signal
from cockpit.ui.entry_bar import EntryBar
from cockpit.ui.header import IncidentHeader
from cockpit.ui.opening import GRID, PANES, TOO_SMALL, keys_line, set_layout, tabs_line
from cockpit.ui.paging import PageWanted, send_page
from cockpit.ui.panes.calm import CalmPane
from cockpit.ui.panes.describe import SEVERITY_WORDS, describe
from cockpit.ui.panes.health import STATE_LABELS, STATE_TONES, HealthPane
from cockpit.ui.panes.impact import ImpactPane
from cockpit.ui.panes.protocol import ProtocolPane
from cockpit.ui.panes.rows import Propose, TickingText, tone_style
from cockpit.ui.panes.team import TeamPane
from cockpit.ui.panes.timeline import TimelinePane
from cockpit.ui.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt

NOTE_PROMPTS = {
    "note": ("Note", "what you see or hear"),
    "decision": ("Decision", "e.g. roll back deploy 2026.11.27-3"),
    "action": ("Action (follow-up)", "e.g. add an alert on replica lag — owner bob"),
    "hypothesis": ("Hypothesis", "e.g. the 04:05 deploy broke the payments client"),
}

ENTRY_KEYS = {"n": "note", "d": "decision", "a": "action", "h": "hypothesis"}
"""The quick-entry keys and the tag of what each records (docs/screen.md)."""
ENTER_KEYS = ("enter", "ctrl+m", "ctrl+j")
ANNOUNCED_ONE_BY_ONE = 2
"""More new signals of one kind than this at once are announced in one toast."""
TICK = 1.0
TICK_LOW_BANDWIDTH = 60.0
"""Seconds between clock ticks; over a slow link the clocks move once a minute."""
PANE_KEYS = {name: f"{title} ({index})" for index, (name, title) in enumerate(PANES, 1)}


def minute_of(moment: datetime) -> datetime:
    """The minute ``moment`` falls in: rows that name minutes change only when it does."""
    return moment.replace(second=0, microsecond=0)


def begun_entry(keys: list[tuple[str, str | None]]) -> tuple[str, str, int] | None:
    """(tag, text, how many keys it took) when the keys begin with an entry: its key, then the
    letters typed for it up to Enter (backspace honoured). None when they begin otherwise: a
    guess at what other keys meant could change the incident."""
    if not keys or keys[0][0] not in ENTRY_KEYS:
        return None
    text: list[str] = []
    used = 1
    for key, character in keys[1:]:
        used += 1
        if key in ENTER_KEYS:
            break
        if key == "backspace":
            if text:
                text.pop()
        elif character and character.isprintable():
            text.append(character)
    return ENTRY_KEYS[keys[0][0]], "".join(text), used


class IncidentScreen(CroppedScreen[None]):
    """The live cockpit of one incident."""

    focused: Reactive[Any] = Reactive(None, repaint=False)
    """As Textual's, without repainting the whole screen when the focus moves: the widgets that
    gain and lose it redraw themselves (their focus styles), so Tab to the next pane or opening
    the entry bar sends those widgets, not every cell of the screen again."""

    BINDINGS = [
        *(Binding(key, f"note('{tag}')", tag) for key, tag in ENTRY_KEYS.items()),
        Binding("s", "severity", "severity"),
        Binding("t", "status", "status"),
        Binding("u", "update", "update"),
        Binding("c", "calm", "calm"),
        Binding("l", "links", "links"),
        Binding("m", "mark_moment", "key moment"),
        Binding("i", "action_item", "action item"),
        Binding("question_mark", "help", "help"),
        Binding("ctrl+q", "quit_asking", "quit", show=False, priority=True),
        *(Binding(str(i), f"show_pane('{name}')", title, show=False)
          for i, (name, title) in enumerate(PANES, 1)),
    ]

    def __init__(self, session: Session, *, config: Config, monitor_for: Any = None,
                 poll: bool = False, drill: Any = None, clock: Clock | None = None) -> None:
        """``monitor_for(record)`` builds the monitor this seat polls with, recording through
        ``record``; ``poll`` builds one from the session's endpoints instead (``cockpit open``).
        ``drill`` is the running scenario."""
        super().__init__()
        self.session = session
        self.config = config
        self.seat = Seat(session, say=self._say, changed=self._schedule_push)
        self._monitor_for = monitor_for
        self._poll = poll and monitor_for is None
        self.drill = drill
        self.clock = clock or session.clock
        self.active_pane = "impact"
        self.attention = Attention(page_warn_after=config.paging.ack_warn_after)
        """What calls for the lead's attention: new (rings once), unseen (shown until seen)."""
        self._shown_version = -1
        self._record_changed = asyncio.Event()
        self._shown_minute: datetime | None = None
        """The minute the panes' rows were last drawn in (a tick within it redraws no rows)."""
        self._push_pending = False
        self._keys_drawn: tuple[int, bool] | None = None
        """The width and read-only-ness the keys line was drawn for."""
        self._looked: tuple[tuple[object, ...], tuple[int, str | None, int]] | None = None
        """The parts of the state (``parts_but_notes``) and of the seat (``_seat_looked_at``)
        the last push looked at the header and the attention for."""
        self._drawn: dict[str, tuple[datetime, object]] = {}
        """Per pane, the minute and the parts of the state its rows were last drawn from
        (``Pane.drawn_from``): a note followed from another seat redraws the timeline, not the
        steps, the health and the impact again (most of the cost of showing it)."""

    def now(self) -> datetime:
        return utc_ms(self.clock.now())

    # -- the screen ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="header")
        yield TickingText(id="tabs")
        panes = {
            "impact": ImpactPane(matrix=self.config.severity, id="impact"),
            "protocol": ProtocolPane(id="protocol"),
            "team": TeamPane(limits=self.config.roster, roster=self.config.people,
                             ack_warn_after=self.config.paging.ack_warn_after, id="team"),
            "health": HealthPane(watch_freshness=True, sparklines=not self.low_bandwidth, id="health"),
            "calm": CalmPane(handle=self.session.handle, id="calm"),
            "timeline": TimelinePane(id="timeline"),
        }
        with Container(id="panes"):
            for name in GRID:
                yield panes[name]
        yield TickingText(id="strip")
        yield TickingText(id="keys")
        yield Static(TOO_SMALL, id="too-small")
        yield EntryBar(id="entry-bar")

    def on_mount(self) -> None:
        self.seat.join()
        self._layout_for(self.app.size.width, self.app.size.height)
        self.push_state()
        self.query_one("#impact", ImpactPane).focus_pane()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.call_after_refresh(self._recolour))
        self.seat.start_following()
        self.seat.start_delivering(self.config.updates)
        self.set_interval(TICK_LOW_BANDWIDTH if self.low_bandwidth else TICK, self.tick)
        self.run_worker(self._read_earlier(), group="earlier-events")
        self.call_after_refresh(lambda: self.run_worker(self._start_polling(), group="polling"))

    async def record_changed(self) -> None:
        """Return once the record on screen has changed: an event recorded here or followed."""
        await self._record_changed.wait()

    async def _read_earlier(self) -> None:
        """A big session opens with its newest events only: the panes are whole at once, and the
        timeline's earlier part is read in the background (or taken from the fold that opened
        it), then shown. The checkpoint the open made is written after, in the background too."""
        from cockpit.ui.background import in_background

        drawn = asyncio.Event()  # the incident on the terminal first, then the rest of it
        self.call_after_refresh(drawn.set)
        await drawn.wait()
        try:
            earlier = await in_background(self.session.earlier_events)
        except JournalError as exc:
            self.seat.say(Notice("Timeline", str(exc), "error"))
            earlier = []
        if earlier:
            self.session.adopt_earlier(earlier)
            self.push_state()
            rows = self.query_one("#timeline", TimelinePane).rows
            if rows.cursor is not None and rows.cursor >= len(rows.rows) - 1:  # following the newest
                rows.call_after_refresh(rows.scroll_to_newest)
            collector.settle()  # the whole timeline is in memory for as long as the screen
        await in_background(self.session.keep_checkpoint)

    async def _start_polling(self) -> None:
        """Once the incident is on screen. The live monitor is built in the background: it loads
        the HTTP stack (aiohttp, TLS certificates, about half a second of imports), which on the
        screen's loop held the first keys and the last of the first frame."""
        monitor = self._monitor_for(self.record) if self._monitor_for is not None else None
        if self._poll:
            from cockpit.ui.background import in_background

            warnings: list[str] = []
            monitor = await in_background(lambda: self._live_monitor(warnings.append))
            for text in warnings:
                self.seat.say(Notice("Health", text, "warning"))
        self.seat.start_polling(monitor, alerts=self.config.alerts)
        collector.settle()  # the screen, the fold and the libraries are built: they live on

    def _live_monitor(self, warn: Any) -> Any:
        """In the background: the monitor of the session's endpoints, and the alert receiver's
        server loaded when this seat will listen (``start_polling`` builds it on the loop)."""
        from cockpit.polling import live_monitor

        if self.config.alerts.listen is not None:
            import cockpit.alerts  # noqa: F401 - loaded here, used by the seat

        return live_monitor(self.session, self.config, self.record, warn=warn)

    @property
    def monitor(self) -> Any:
        """The health monitor this seat polls with (once it holds the poller lease)."""
        return self.seat.monitor

    def _say(self, notice: Notice) -> None:
        """The seat's notices, as toasts: errors stay longer, and nothing is read as markup."""
        timeout = {"information": 5, "warning": 12, "error": 20}[notice.tone]
        self.notify(notice.text, title=notice.title, severity=notice.tone, timeout=timeout,
                    markup=False)

    def _recolour(self) -> None:
        """Rows carry their colours: draw them again in the new theme's (the header too)."""
        self._drawn.clear()
        self.query_one("#timeline", TimelinePane).reshow()
        self.push_state(look=True)

    def on_resize(self, event: Any) -> None:
        self._layout_for(event.size.width, event.size.height)

    def _layout_for(self, width: int, height: int) -> None:
        """Six panes, one pane with tabs, or the too-small message."""
        set_layout(self, width, height)
        self._show_active()
        self._draw_strip()

    @property
    def low_bandwidth(self) -> bool:
        """``--low-bandwidth`` or ``[ui] low_bandwidth``: clocks once a minute, no sparklines."""
        return bool(getattr(self.app, "low_bandwidth", False)) or self.config.ui.low_bandwidth

    def on_screen_resume(self) -> None:
        """Back from a prompt: the clocks catch up at once."""
        self.push_state(look=True)  # time passed behind the prompt

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    def _show_active(self) -> None:
        for name, _ in PANES:
            self.query_one(f"#{name}").set_class(name == self.active_pane, "-active")
        self._draw_tabs()

    # -- state flowing down ----------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second (a minute with ``--low-bandwidth``): the clocks and countdowns, the
        monitor's view for the endpoint detail, and what became late. Not while a prompt is
        open over this screen: Textual repaints the whole see-through modal for any change behind
        it (about 18 KB at 160×48), so the clocks behind the dimmed backdrop wait and catch up when
        it closes; what is recorded meanwhile still shows at once (``_schedule_push``). Calm mode
        covers this screen whole, and it still ticks: what breaks through calm mode is seen here.
        Within a minute and with nothing new, only what ticks is drawn again: the header's clocks,
        the countdowns, a step turning LATE (``Pane.tick``); the rows wait for the next minute."""
        if isinstance(self.app.screen, ModalScreen):
            return
        if self.monitor is not None:
            try:
                self.query_one("#health", HealthPane).set_live(self.monitor.snapshot())
            except Exception as exc:  # noqa: BLE001 - a broken snapshot must not stop the clock
                self.log.error(f"monitor snapshot failed: {exc!r}")
        now = self.now()
        if self.session.version != self._shown_version or minute_of(now) != self._shown_minute:
            self.push_state(look=True)  # something new, or the minutes in rows ("for 12m") moved on
            return
        header = self._look(now)
        if header is not None:
            for name, _ in PANES:  # each redraws only what ticks in it
                self.query_one(f"#{name}").tick(self.session.state, now)  # type: ignore[attr-defined]

    def _look(self, now: datetime) -> IncidentHeader | None:
        """What calls for attention at ``now`` (announced once), and the header: its clocks and
        countdowns. None while the app shuts down (a timer firing when the panes are gone)."""
        try:  # by id: Textual keeps the answer; a query by type walks the whole screen each second
            header = self.query_one("#header", IncidentHeader)
        except NoMatches:
            return None
        state = self.session.state
        news = self.attention.observe(state, now)
        if news:
            self._announce(news)
        header.pending = len(self.session.pending)
        header.offline = self.seat.offline is not None
        header.show(state, now, drill=self.session.drill or self.drill is not None,
                    watchers=self.seat.watchers(), unseen=bool(self.attention.unseen),
                    signals=self.attention.current)
        self._looked = (parts_but_notes(state), self._seat_looked_at())  # what a push compares
        return header

    def push_state(self, *, look: bool = False) -> None:
        """Hand the current state to the header and every pane (they only render). The header
        and the attention are looked at again when ``look`` (time moved on: a tick, a prompt
        closed, a new theme), or when what they show of the state or the seat changed."""
        state, now = self.session.state, self.now()
        parts = parts_but_notes(state)  # a note changes nothing the look shows; the tick looks
        if (look or self._looked is None or self._looked[1] != self._seat_looked_at()
                or any(a is not b for a, b in zip(self._looked[0], parts, strict=True))):
            if self._look(now) is None:
                return
        try:
            timeline = self.query_one("#timeline", TimelinePane)
        except NoMatches:  # the app shuts down: the panes are gone
            return
        self._shown_minute = minute_of(now)
        for name in ("impact", "protocol", "team", "health", "calm"):
            pane = self.query_one(f"#{name}")
            drawn = (self._shown_minute, pane.drawn_from(state))  # type: ignore[attr-defined]
            if drawn[1] is None or self._drawn.get(name) != drawn:
                self._drawn[name] = drawn
                pane.show(state, now)  # type: ignore[attr-defined]
        timeline.show(state, now)
        if self.session.version != self._shown_version:
            timeline.reading_earlier = not self.session.all_in_memory
            timeline.show_events(self.session.in_memory)  # all, once the earlier part is read
            self._shown_version = self.session.version
            self._record_changed.set()  # whoever waits for the record (a page's answer) looks
            self._record_changed = asyncio.Event()
        self._draw_strip()
        self._draw_keys()

    def _seat_looked_at(self) -> tuple[int, str | None, int]:
        """What of this seat the header shows beside the state: the entries waiting, why it is
        offline, and how many signals are unseen (a pane looked at marks them seen)."""
        return len(self.session.pending), self.seat.offline, len(self.attention.unseen)

    def _draw_tabs(self) -> None:
        self.query_one("#tabs", TickingText).set_text(tabs_line(self.active_pane))

    def _draw_strip(self) -> None:
        """Under the one open pane: the newest timeline entry and the worst endpoint. Drawn only
        while it shows (one pane at a time, ``-narrow``); the layout draws it when it turns up."""
        if not self.has_class("-narrow"):
            return
        state = self.session.state
        line = Text()
        worst = state.worst_endpoint()
        if worst is not None:
            line.append(STATE_LABELS.get(worst.state, worst.state),
                        style=tone_style(self.app.theme_variables, STATE_TONES.get(worst.state, "")))
            line.append(" ")
            line.append(printable(worst.name, one_line=True), style=Style(bold=True))
            line.append("  │ ")
        newest = next((e for e in reversed(self.session.in_memory)
                       if e.kind not in ("health.summary", "seat.joined", "seat.left")), None)
        if newest is not None:
            line.append(f"{clock_time(newest.at)} ", style=Style(dim=True))
            steps = self.query_one("#timeline", TimelinePane).steps
            line.append(printable(describe(newest, steps), one_line=True))
        line.truncate(max(self.size.width - 2, 10), overflow="ellipsis")
        self.query_one("#strip", TickingText).set_text(line)

    def _draw_keys(self) -> None:
        if self._keys_drawn == (self.size.width, self.session.read_only):
            return  # they change with the width only
        self._keys_drawn = (self.size.width, self.session.read_only)
        keys = keys_line(self.size.width)
        if self.session.read_only:
            keys = Text("read-only seat: browsing only   1-6 panes  ? help  ^p commands  ^q quit",
                        style=Style(dim=True))
        self.query_one("#keys", TickingText).set_text(keys)

    def _announce(self, news: list[Signal]) -> None:
        """What just became true: the bell once (``[ui] bell``), and a toast each; more than a
        few of one kind at once are one toast (two hundred endpoints going down at once is one
        message, not two hundred)."""
        if self.config.ui.bell:
            self.app.bell()
        for kind in dict.fromkeys(s.kind for s in news):
            of_kind = [s for s in news if s.kind == kind]
            timeout = 30 if kind == "ask" else 12
            if len(of_kind) > ANNOUNCED_ONE_BY_ONE:
                shown = "; ".join(s.text for s in of_kind[:ANNOUNCED_ONE_BY_ONE])
                self.notify(f"{len(of_kind)} at once: {shown} … (see {PANE_KEYS[of_kind[0].pane]})",
                            title=of_kind[0].title, severity="warning", timeout=timeout, markup=False)
                continue
            for signal in of_kind:
                self.notify(signal.text, title=signal.title, severity="warning", timeout=timeout,
                            markup=False)

    # -- recording: the only way anything on this screen changes the incident --------------------

    def refuse_read_only(self) -> bool:
        """True (and why, shown) on a read-only seat: asked before any prompt opens, so an
        observer never types a whole note for nothing."""
        if self.session.read_only:
            self.notify(READ_ONLY_MESSAGE, title="Read-only", severity="warning")
        return self.session.read_only

    def record(self, event: ev.Event, *, basis: IncidentState | None = None) -> ev.Event | None:
        """Record ``event`` through the seat; None when it was not recorded (the seat said why).

        ``basis`` is the state the person acted on, when a prompt stood between seeing and acting."""
        return self.seat.record(event, basis=basis)

    def record_and_show(self, event: ev.Event, *,
                        basis: IncidentState | None = None) -> ev.Event | None:
        """Record what a person just did and redraw at once (not at the next batch)."""
        recorded = self.record(event, basis=basis)
        self._push_now()
        return recorded

    def _schedule_push(self) -> None:
        """Redraw once after a burst of records (200 endpoints changing at once is one redraw)."""
        if not self._push_pending:
            self._push_pending = True
            self.call_later(self._push_now)

    def _push_now(self) -> None:
        self._push_pending = False
        self.push_state()

    def on_propose(self, message: Propose) -> None:
        """A pane's events, recorded as one (a handover is one release and one assignment)."""
        if not self.refuse_read_only():
            self.seat.record_together(list(message.events), basis=message.basis)
        self._push_now()  # what a person just did shows at once

    def on_page_wanted(self, message: PageWanted) -> None:
        """The Team pane asks for a page: sent in the background (cockpit.ui.paging)."""
        if not self.refuse_read_only():
            self.run_worker(send_page(self, message), group="paging")

    def action_links(self) -> None:
        """l: every link of the incident, to open, copy or add to (cockpit.ui.links)."""
        from cockpit.ui.links import LinksScreen

        self._push(LinksScreen(self), lambda _: self.push_state())

    async def on_unmount(self) -> None:
        await self.seat.leave()

    # -- actions -------------------------------------------------------------------------------------

    def action_note(self, tag: str) -> None:
        """n, d, a, h: one line, recorded the moment Enter is pressed."""
        self._open_note(tag)

    def _push(self, screen: Screen[Any], callback: Any = None, *, wait: bool = False) -> Any:
        """Push ``screen`` (a prompt), drawn once, mounted: Textual paints a pushed screen, then
        lays it out again once its widgets are mounted (a callback it queues), and over the
        see-through backdrop each is a full frame (about 18 KB at 160×48). The paints wait until
        that callback has run. ``wait``: a future of its answer (in a worker)."""
        held = ExitStack()
        held.enter_context(self.app.batch_update())
        try:
            return self.app.push_screen(screen, callback, wait_for_dismiss=wait)
        finally:
            self.app.call_next(held.close)  # queued after Textual's own: one frame, mounted

    async def _ask(self, screen: Screen[Any]) -> Any:
        """The answer to a prompt opened in one frame (``_push``)."""
        return await self._push(screen, wait=True)

    def _open_note(self, tag: str) -> EntryBar | TextPrompt | None:
        """Where an entry of ``tag`` is typed: the entry bar at the foot of this screen, or, when
        another screen is over it (the palette run from calm mode or help), a prompt over that
        one. None on a seat that cannot record."""
        if self.refuse_read_only():
            return None
        title, placeholder = NOTE_PROMPTS[tag]
        if self.app.screen is self:
            bar = self.query_one(EntryBar)
            bar.open(tag, title, placeholder)
            return bar

        def save(text: str | None) -> None:
            if text:
                self.record_and_show(ev.NoteAdded(text=text, tag=tag))

        prompt = TextPrompt(title, placeholder=placeholder, multiline=True)
        self._push(prompt, save)
        return prompt

    def on_entry_bar_saved(self, message: EntryBar.Saved) -> None:
        """Enter in the entry bar: on disk at once, and on screen."""
        message.stop()
        self.record_and_show(ev.NoteAdded(text=message.text, tag=message.tag))

    @property
    def holds_typed_text(self) -> bool:
        """Words typed in the entry bar that quitting would lose (the app asks first)."""
        return self.query_one(EntryBar).holds_typed_text

    def action_quit_asking(self) -> None:
        """ctrl+q while the entry bar holds words (the app's own ctrl+q steps aside): asks
        first, even when the keys have wandered off the bar (a click on a pane)."""
        self.query_one(EntryBar).field.action_quit()

    def open_typed_entry(self, first_key: str) -> EntryBar | None:
        """The entry bar, open, when a key pressed before this screen showed begins an entry;
        None when the key begins none (or this seat cannot record)."""
        tag = ENTRY_KEYS.get(first_key)
        opened = self._open_note(tag) if tag else None
        return opened if isinstance(opened, EntryBar) else None

    def resume_typing(self, keys: list[tuple[str, str | None]], prompt: EntryBar | None) -> None:
        """Keys pressed before this screen showed: the text of the entry they began goes into its
        ``prompt``, for the person to finish and save; the rest are not acted on, and that is
        said: a letter meant for a note must never become a command."""
        begun = begun_entry(keys) if prompt is not None else None
        if begun is not None:
            _, text, used = begun
            prompt.continue_typing(text)  # type: ignore[union-attr] - begun only with a prompt
            keys = keys[used:]
        if keys:
            self.notify("Keys pressed while the incident was opening were not used; press them "
                        "again if you meant them.", title="Opening", timeout=8)

    @work(exclusive=True, group="severity")
    async def action_severity(self) -> None:
        if self.refuse_read_only():
            return
        state = self.session.state
        suggestion = suggest_severity(state.impact, self.config.severity, HealthFacts.of(state))
        options = []
        for severity in SEVERITIES:
            label = f"{severity}  {SEVERITY_WORDS[severity]}"
            if severity == state.severity:
                label += "  (now)"
            if severity == suggestion.severity:
                label += "  ← suggested: " + "; ".join(suggestion.reasons)
            options.append((severity, label))
        chosen = await self._ask(ChoicePrompt(
            "Set the severity (when unsure, pick the higher one)", options,
            selected=state.severity or suggestion.severity))
        if chosen is None or chosen == state.severity:
            return
        reason = ""
        if state.severity and severity_rank(chosen) > severity_rank(state.severity):
            reason = await self._ask(TextPrompt(
                f"Lowering {state.severity} to {chosen}: why?",
                placeholder="e.g. only internal users affected", required=True))
            if not reason:
                self.notify("Severity unchanged: lowering it needs a reason.", timeout=5)
                return
        elif chosen == suggestion.severity:
            reason = "; ".join(suggestion.reasons)
        self.record_and_show(ev.SeverityChanged(severity=chosen, reason=reason), basis=state)

    @work(exclusive=True, group="status")
    async def action_status(self) -> None:
        if self.refuse_read_only():
            return
        state = self.session.state
        options = [(s, s + ("  (now)" if s == state.status else "")) for s in STATUSES]
        chosen = await self._ask(ChoicePrompt("Status", options, selected=state.status))
        if chosen is None or chosen == state.status:
            return
        if chosen == "resolved":
            await self._resolve(state)
            return
        self.record_and_show(ev.StatusChanged(status=chosen), basis=state)

    @work(exclusive=True, group="postmortem")
    async def action_mark_moment(self) -> None:
        """m: which key moment happened now (impact started, detected, mitigated, restored)."""
        from cockpit.ui.postmortem_keys import ask_moment

        if self.refuse_read_only():
            return
        moment = await ask_moment(self._ask, self.now())
        if moment is not None:
            self.record_and_show(moment)

    @work(exclusive=True, group="postmortem")
    async def action_action_item(self) -> None:
        """i: an action item's owner, type, priority, due date, ticket and status."""
        from cockpit.ui.postmortem_keys import NotAnUpdate, ask_action_item

        if self.refuse_read_only():
            return
        try:
            update = await ask_action_item(self._ask, self.session.state)
        except NotAnUpdate as exc:
            self.notify(str(exc), title="Action item", severity="warning", markup=False)
            return
        if update is not None:
            self.record_and_show(update)

    @work(exclusive=True, group="status")
    async def action_resolve(self) -> None:
        if self.refuse_read_only():
            return
        await self._resolve(self.session.state)

    async def _resolve(self, basis: IncidentState) -> None:
        if basis.status == "resolved":
            self.notify("The incident is already resolved.", timeout=4)
            return
        sure = await self._ask(ConfirmPrompt(
            "Resolve the incident? The clock stops and the protocol freezes. (y / n)"))
        if sure and self.record_and_show(ev.StatusChanged(status="resolved"), basis=basis):
            self._all_clear(["external", "internal"])

    def _all_clear(self, audiences: list[str]) -> None:
        """Once resolved: the all-clear for each audience, one composer after the other (each
        can be sent, edited or closed)."""
        if not audiences:
            return
        self._compose_update(audiences[0], title=f"All-clear · {audiences[0]}",
                             then=lambda: self._all_clear(audiences[1:]))

    def action_update(self) -> None:
        if self.refuse_read_only():
            return
        self._compose_update()

    def _compose_update(self, audience: str | None = None, *, title: str = "Status update",
                        then: Any = None) -> None:
        from cockpit.ui.composer import UpdateComposer

        def closed(_: object) -> None:
            self.push_state()
            if then is not None:
                then()

        composer = UpdateComposer(self.session, self.config, self.record, now=self.now(),
                                  follow=lambda: self.seat.follow(wait_for_lock=False),
                                  audience=audience, title=title)
        self._push(composer, closed)

    def action_calm(self) -> None:
        from cockpit.ui.calm_mode import CalmScreen

        self.app.push_screen(CalmScreen(self.session, self.attention, low_bandwidth=self.low_bandwidth),
                             lambda _: self.push_state())

    def action_help(self) -> None:
        from cockpit.ui.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_show_pane(self, name: str) -> None:
        """1–6: focus that pane (all panes shown) or bring it up (one pane at a time)."""
        self.active_pane = name
        self._show_active()
        self.query_one(f"#{name}").focus_pane()  # type: ignore[attr-defined]
        if self.attention.unseen:
            self.attention.seen(panes=[name])  # looking at the pane is seeing what it holds
            self.push_state()

    def action_pane(self, name: str, action: str) -> None:
        """Run a pane's own action from the palette, showing that pane first."""
        self.action_show_pane(name)
        getattr(self.query_one(f"#{name}"), f"action_{action}")()

    @work(exclusive=True, group="step")
    async def action_step(self, verb: str) -> None:
        """Palette: mark done, skip or reopen a step chosen from a list."""
        if self.refuse_read_only():
            return
        now, basis = self.now(), self.session.state
        views = [v for v in basis.step_views(now) if v.applies and
                 ((v.state != "open") if verb == "reopen" else (v.is_open if verb == "done" else v.state == "open"))]
        if not views:
            self.notify(f"No step to {verb}.", timeout=4)
            return
        step_id = await self._ask(ChoicePrompt(
            f"Which step ({verb})?",
            [(v.step.id, printable(v.step.text, one_line=True)) for v in views]))
        if step_id is None:
            return
        if verb == "done":
            self.record_and_show(ev.StepDone(step=step_id), basis=basis)
        elif verb == "reopen":
            self.record_and_show(ev.StepReopened(step=step_id), basis=basis)
        else:
            reason = await self._ask(TextPrompt("Why skip it?", required=True))
            if reason:
                self.record_and_show(ev.StepSkipped(step=step_id, reason=reason), basis=basis)

    @work(exclusive=True, group="retitle")
    async def action_retitle(self) -> None:
        if self.refuse_read_only():
            return
        title = await self._ask(TextPrompt(
            "Incident title", value=self.session.state.title, required=True, need="a title"))
        if title and title != self.session.state.title:
            self.record_and_show(ev.IncidentRetitled(title=title))

    @work(exclusive=True, group="asks")
    async def action_acknowledge_ask(self) -> None:
        """Palette: mark an ask-timer answered."""
        if self.refuse_read_only():
            return
        basis = self.session.state
        asks = sorted(basis.open_asks(), key=lambda a: a.due_at)
        if not asks:
            self.notify("No open ask-timers.", timeout=4)
            return
        chosen = await self._ask(ChoicePrompt(
            "Which ask is answered?",
            [(str(a.seq), printable(f"{a.handle}: {a.task}", one_line=True)) for a in asks]))
        if chosen is not None:
            self.record_and_show(ev.AskDone(ask=int(chosen)), basis=basis)
