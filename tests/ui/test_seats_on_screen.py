"""What the cockpit does with other seats: lost races explained, dead seats reaped by the polling
seat, a poller that takes over recording only news, a damaged file shown once, a crowded bridge."""

from __future__ import annotations

import asyncio
import time
import subprocess
import sys

from cockpit.domain import events as ev
from cockpit.seats import SeatPresence
from cockpit.session import Session
from cockpit.tomlfmt import event_block
from cockpit.polling import news_only

WIDE = (160, 48)


def on_disk(session: Session, kind: str) -> list[ev.Event]:
    return [e for e in Session.open(session.path).events if e.kind == kind]


def first_open_step(session: Session) -> str:
    now = session.clock.now()
    return next(v.step.id for v in session.state.step_views(now)
                if v.applies and v.state == "open" and not v.step.recurring)


async def test_a_step_another_seat_did_a_moment_earlier_is_explained(cockpit, make_session, config, clock):
    session = make_session(config=config)
    step = first_open_step(session)
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        bob = Session.open(session.path, clock=clock, handle="bob")
        bob.record(ev.StepDone(step=step))
        assert app.incident.record(ev.StepDone(step=step)) is None  # before this seat read bob's
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any(f"already done by bob at {clock.now():%H:%M:%S}" in m for m in said), said
        assert app.incident.session.state.steps[step].by == "bob"  # and the screen shows it
    assert [e.by for e in on_disk(session, "step.done") if e.step == step] == ["bob"]


class IdleMonitor:
    """A monitor with no endpoints: it runs until stopped, as the real one does."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()

    async def run(self) -> None:
        await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()

    def snapshot(self) -> dict:
        return {}


async def test_the_polling_seat_records_a_dead_seat_leaving(cockpit, make_session, config, clock, tmp_path):
    session = make_session(config=config)
    Session.open(session.path, clock=clock, handle="bob").record(ev.SeatJoined(handle="bob"))
    marker = ("import os, sys; from cockpit.seats import SeatPresence;"
              "SeatPresence(sys.argv[1]).mark('bob'); os._exit(0)")  # dies without a goodbye
    subprocess.run([sys.executable, "-c", marker, str(session.path)], check=True)
    app = cockpit(session, monitor_for=lambda record: IdleMonitor())
    async with app.run_test(size=WIDE) as pilot:
        deadline = time.monotonic() + 30
        while "bob" in app.incident.session.state.seats:  # the seat takes the lease, then reaps
            assert time.monotonic() < deadline, "the polling seat never recorded bob leaving"
            await pilot.pause(0.05)
        assert app.incident.seat.polling
    left = [(e.handle, e.by) for e in on_disk(session, "seat.left")]
    assert left == [("bob", "alice"), ("alice", "alice")]


async def test_a_seat_shows_up_in_the_seats_folder_while_it_runs(cockpit, make_session, config):
    session = make_session(config=config)
    app = cockpit(session)
    folder = SeatPresence(session.path).folder
    async with app.run_test(size=WIDE):
        assert len(list(folder.glob("*.seat"))) == 1
    assert list(folder.glob("*.seat")) == []


def test_a_poller_taking_over_records_only_news(make_session, config, clock):
    session = make_session(config=config)
    session.record(ev.HealthChanged(endpoint="payments-api", from_="unknown", to="up"))
    session.record(ev.HealthChanged(endpoint="checkout-api", from_="unknown", to="down"))
    record = news_only(session, session.record)
    # the new poller starts from "unknown" for both
    assert record(ev.HealthChanged(endpoint="payments-api", from_="unknown", to="up")) is None
    record(ev.HealthChanged(endpoint="checkout-api", from_="unknown", to="up"))
    changes = [(e.endpoint, e.from_, e.to) for e in on_disk(session, "health.changed")]
    assert changes == [("payments-api", "unknown", "up"), ("checkout-api", "unknown", "down"),
                       ("checkout-api", "down", "up")]


async def test_a_damaged_event_met_while_following_is_shown_once_and_costs_only_itself(
        cockpit, make_session, config, clock):
    session = make_session(config=config)
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        with open(session.path, "ab") as damaged:  # a whole event, but not TOML, then a good one
            damaged.write(b'\n[[events]]\nkind = "note.added\nseq = 99\n')
            damaged.write(event_block({"at": clock.now(), "by": "bob", "kind": "note.added",
                                       "text": "after it", "tag": "note", "seq": 100}))
        for _ in range(3):
            app.incident.seat.follow()  # however often it reads the damage, it says it once
        await pilot.pause()
        said = [n.message for n in app._notifications if "damaged" in n.message]
        assert len(said) == 1 and "byte" in said[0], said
        assert app.incident.session.state.notes[-1].text == "after it"  # the rest is still read
        await pilot.press("n", *"still typing", "enter")
        await pilot.pause()
        assert app.incident.session.state.notes[-1].text == "still typing"
    assert [e.text for e in on_disk(session, "note.added")] == ["after it", "still typing"]


async def test_a_crowded_bridge_names_three_watchers_and_counts_the_rest(cockpit, make_session,
                                                                        config):
    session = make_session(config=config)
    for handle in ("bob", "carol", "dan", "erin", "frank"):
        session.record(ev.SeatJoined(handle=handle, read_only=True))
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        header = app.screen.query_one("#header")
        shown = header.text
        assert "watching: bob, carol, dan +2" in shown
        assert "T+00:00:00" in shown and "next external update" in shown  # still on the line
        assert not header.has_class("-two-lines")
