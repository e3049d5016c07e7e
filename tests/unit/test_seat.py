"""The seat: one recording policy for every mode. What a person is told, and when."""

from __future__ import annotations

import asyncio

from cockpit.domain import events as ev
from cockpit.seat import Notice, Seat
from cockpit.session import Session


class BrokenMonitor:
    async def run(self) -> None:
        raise RuntimeError("probe crashed")

    def stop(self) -> None:
        pass


async def test_a_monitor_that_stops_by_itself_is_said(make_session):
    told: list[Notice] = []
    seat = Seat(make_session(), say=told.append)
    seat.start_polling(BrokenMonitor())
    await asyncio.wait({seat.polling_task}, timeout=30)
    await asyncio.sleep(0)  # the done callback runs on the next turn of the loop
    assert any(n.tone == "error" and "probe crashed" in n.text for n in told)
    await seat.leave()


async def test_a_read_only_seat_never_polls_and_refuses_to_record(make_session):
    session = make_session()
    watcher = Session.open(session.path, read_only=True, handle="wall")
    told: list[Notice] = []
    seat = Seat(watcher, say=told.append)
    seat.join()
    seat.start_polling(BrokenMonitor())
    assert seat.polling_task is None
    assert seat.record(ev.NoteAdded(text="hello")) is None and told[-1].title == "Read-only"
    assert Seat(session).watchers() == ["wall"]
    await seat.leave()
    assert Seat(session).watchers() == []


async def test_a_lost_race_is_said_and_the_screen_redrawn(make_session, clock):
    session = make_session()
    other = Session.open(session.path, handle="bob", clock=clock)
    redraws: list[int] = []
    told: list[Notice] = []
    seat = Seat(session, say=told.append, changed=lambda: redraws.append(1))
    other.record(ev.SeverityChanged(severity="SEV1"))
    looked = session.state  # what alice saw before bob's change reached her
    assert seat.record(ev.SeverityChanged(severity="SEV3"), basis=looked) is None
    assert told[-1].title == "Already decided" and "bob set the severity to SEV1" in told[-1].text
    assert redraws and session.state.severity == "SEV1"
