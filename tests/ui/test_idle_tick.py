"""An idle second costs what a clock costs: the tick moves the clocks and countdowns, and no pane
draws its rows again until something is recorded or a minute passes; who is watching is read
from the seats' folder every few seconds, not every second. Another seat's append is on screen
in the first frame drawn after it is read."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from textual._compositor import CompositorUpdate

from cockpit.domain import events as ev
from cockpit.seats import PRESENCE_FOR, SeatPresence
from cockpit.session import Session
from cockpit.ui.panes.rows import RowList
from tests.waiting import until

WIDE = (160, 48)
PANES = {"impact", "protocol", "team", "health", "calm", "timeline"}


def count_row_drawing(monkeypatch) -> list[str]:
    """The id of the pane each time one of its lists is handed rows from now on."""
    calls: list[str] = []
    original = RowList.set_rows

    def counting(self, rows, **kwargs):
        calls.append(next((a.id for a in self.ancestors if a.id in PANES), "?"))
        return original(self, rows, **kwargs)

    monkeypatch.setattr(RowList, "set_rows", counting)
    return calls


def frames(app) -> list[str]:
    """What each frame ``app`` sends to the terminal says from now on, escape sequences and all."""
    sent: list[str] = []
    display = app._display

    def recording(screen, renderable):
        if isinstance(renderable, CompositorUpdate) and not app._batch_count:
            sent.append(renderable.render_segments(app.console))
        return display(screen, renderable)

    app._display = recording
    return sent


async def to_second(pilot, app, clock, second: int) -> None:
    """Advance the clock to ``second`` past a minute, and let the screen catch up."""
    clock.advance((second - app.incident.now().second) % 60 or 60)
    app.incident.tick()
    await pilot.pause()


async def test_an_idle_tick_moves_the_clock_and_draws_no_rows(cockpit, clock, monkeypatch):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await to_second(pilot, app, clock, 2)
        drawn = count_row_drawing(monkeypatch)
        header = app.incident.query_one("#header")
        before = header.text
        for _ in range(20):  # seconds 3 to 22 of one minute: nothing new
            clock.advance(1)
            app.incident.tick()
            await pilot.pause()
        assert header.text != before  # the clock moved
        assert drawn == []  # and no pane drew its rows
        await to_second(pilot, app, clock, 0)  # a new minute: rows naming minutes move on
        assert {"protocol", "team", "health", "impact"} <= set(drawn)


async def test_a_step_turning_late_on_a_tick_redraws_its_row_and_says_so(cockpit, make_session,
                                                                          config, clock):
    clock.advance(30)  # declared half a minute past: the deadlines fall within a minute
    app = cockpit(make_session(config=config))
    async with app.run_test(size=WIDE) as pilot:
        protocol = app.incident.query_one("#protocol")
        await until(pilot, lambda: bool(protocol.views), "the steps shown")
        due = min(v.due_at for v in protocol.views.values() if v.due_at and v.state == "open")
        assert due.second == 30
        clock.set(due - timedelta(seconds=3))
        app.incident.push_state()  # the screen as it was a few seconds before
        assert "late" not in protocol.heading
        for _ in range(5):  # within that minute: the tick alone has to see it
            clock.advance(1)
            app.incident.tick()
            await pilot.pause()
        assert any(row.text.plain.startswith("! ") for row in protocol.rows.rows)
        assert "late" in protocol.heading
        assert "late" in app.incident.query_one("#header").text
        assert app.incident.attention.unseen  # shown until seen, as before


async def test_who_is_watching_is_read_every_few_seconds_and_at_once_when_a_seat_comes(
        cockpit, make_session, config, clock, monkeypatch):
    session = make_session(config=config)
    app = cockpit(session)
    reads: list[float] = []
    original = SeatPresence.present

    def counting(self):
        reads.append(time.monotonic())
        return original(self)

    monkeypatch.setattr(SeatPresence, "present", counting)
    async with app.run_test(size=WIDE) as pilot:
        await to_second(pilot, app, clock, 2)
        reads.clear()
        started = time.monotonic()
        for _ in range(20):
            clock.advance(1)
            app.incident.tick()
            await pilot.pause()
        elapsed = time.monotonic() - started
        assert len(reads) <= 1 + elapsed / PRESENCE_FOR  # not once a tick
        carol = SeatPresence(session.path)
        assert carol.mark("carol", read_only=True)
        try:
            clock.advance(1)
            app.incident.tick()
            await pilot.pause()
            assert "watching: carol" in app.incident.query_one("#header").text
        finally:
            carol.clear()


async def test_a_followed_append_is_on_screen_in_the_first_frame_after_it_is_read(
        cockpit, make_session, config, clock):
    session = make_session(config=config)
    for number in range(80):  # more than the Timeline shows: it has to scroll to the new one
        session.record(ev.NoteAdded(text=f"old note {number}", tag="note"))
    app = cockpit(session)
    other = Session.open(session.path, clock=clock, handle="bob")
    async with app.run_test(size=WIDE) as pilot:
        timeline = app.incident.query_one("#timeline")
        await until(pilot, lambda: any("old note 79" in row.text.plain for row in timeline.rows.rows),
                    "the notes")
        await pilot.pause()
        sent = frames(app)
        other.record(ev.NoteAdded(text="zebra crossing", tag="note"))
        await until(pilot, lambda: bool(sent), "a frame")
        assert "zebra crossing" in sent[0]
        assert timeline.rows.scroll_y == timeline.rows.max_scroll_y


async def test_a_ticking_pane_title_sends_its_border_line_not_its_rows(cockpit, make_session,
                                                                       config, clock):
    session = make_session(config=config)
    session.record(ev.HealthChanged(endpoint="payments-api", from_="unknown", to="up"))
    clock.advance(200)  # no seat polls: "STALE: last news 3m ago" moves by the minute
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        health = app.incident.query_one("#health")
        await until(pilot, lambda: "STALE" in health.heading, "the stale health")
        await to_second(pilot, app, clock, 2)
        before = health.heading
        sent = frames(app)
        await to_second(pilot, app, clock, 2)  # a minute on: the title moves by one
        await until(pilot, lambda: bool(sent), "a frame")
        words = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", "".join(sent))  # escape sequences out
        age = health.heading.split("last news ")[1].split(" ")[0]
        assert health.heading != before and f"{age} ago" in words  # the title moved on
        assert "payments-api" not in words  # and the endpoints' rows were not sent again


async def test_a_followed_note_draws_the_timeline_and_no_other_pane_again_then_or_after(
        cockpit, make_session, config, clock, monkeypatch):
    session = make_session(config=config)
    app = cockpit(session)
    other = Session.open(session.path, clock=clock, handle="bob")
    async with app.run_test(size=WIDE) as pilot:
        await to_second(pilot, app, clock, 2)
        drawn = count_row_drawing(monkeypatch)
        other.record(ev.NoteAdded(text="zebra crossing", tag="note"))
        await until(pilot, lambda: "timeline" in drawn, "the note drawn")
        assert set(drawn) <= {"timeline", "calm"}  # the steps, health, impact and team are as they were
        drawn.clear()
        for _ in range(3):  # nor do the seconds after it: a note is no reason to draw the steps
            clock.advance(1)
            app.incident.tick()
            await pilot.pause()
        assert drawn == []
        other.record(ev.StepDone(step="open-bridge"))  # a part of the state the steps are drawn from
        await until(pilot, lambda: "protocol" in drawn, "the step drawn")
        assert any(row.key == "open-bridge" and row.text.plain.startswith("✔")
                   for row in app.incident.query_one("#protocol").rows.rows)
