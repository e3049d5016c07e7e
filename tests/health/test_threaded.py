"""The monitor on a thread of its own: nothing of the polling is scheduled on the caller's loop
(the screen's, whose keys must not wait behind checks), and what it reports is recorded there."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cockpit.domain.events import HealthChanged
from cockpit.health.monitor import Monitor
from cockpit.health.threaded import MonitorThread


async def test_checks_run_off_the_callers_loop_and_changes_are_recorded_on_it(fleet, wait_until):
    fleet.mode = "fail"
    endpoint = fleet.endpoint("api", "/switch", interval="100ms", timeout="1s")
    recorded: list[tuple[HealthChanged, threading.Thread]] = []
    polling = MonitorThread(lambda report: Monitor([endpoint], report),
                            lambda event: recorded.append((event, threading.current_thread())))
    assert polling.snapshot()["api"].state == "unknown"
    task = asyncio.create_task(polling.run())
    try:
        await wait_until(lambda: any(e.to == "down" for e, _ in recorded if isinstance(e, HealthChanged)),
                         what="the endpoint to go down")
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("health:")]
        assert {thread for _, thread in recorded} == {threading.current_thread()}
        fleet.mode = "ok"
        await wait_until(lambda: polling.snapshot()["api"].state == "up", what="the picture to say up")
    finally:
        polling.stop()
        await asyncio.wait_for(task, 30)
    assert polling.probes_made >= 3 and not task.exception()  # down, then up again


async def test_the_picture_is_never_older_than_the_news_the_caller_heard(fleet, wait_until):
    """What the screen reads at once when it hears a change (an endpoint's detail: its last
    status) already says what the change says, without waiting for the next tick's request."""
    fleet.mode = "fail"
    endpoint = fleet.endpoint("api", "/switch", interval="100ms", timeout="1s", down_after=1)
    pictures: list = []
    polling: MonitorThread | None = None

    def heard(event) -> None:
        if isinstance(event, HealthChanged) and event.to == "down":
            pictures.append(polling.snapshot()["api"])

    polling = MonitorThread(lambda report: Monitor([endpoint], report), heard)
    task = asyncio.create_task(polling.run())
    try:
        await wait_until(lambda: pictures, what="the endpoint to go down")
    finally:
        polling.stop()
        await asyncio.wait_for(task, 30)
    assert pictures[0].state == "down" and pictures[0].status == 503


async def test_an_event_that_cannot_be_recorded_ends_the_polling_with_its_error(fleet):
    endpoint = fleet.endpoint("api", "/switch", interval="100ms", timeout="1s")

    def refuse(event) -> None:
        raise OSError("the disk is full")

    polling = MonitorThread(lambda report: Monitor([endpoint], report), refuse)
    with pytest.raises(OSError, match="the disk is full"):
        await asyncio.wait_for(polling.run(), 30)  # the first change (unknown -> up) is refused


async def test_stopped_before_it_started_it_ends_at_once(fleet):
    polling = MonitorThread(lambda report: Monitor([fleet.endpoint("api", "/switch")], report),
                            lambda event: None)
    polling.stop()
    await asyncio.wait_for(polling.run(), 30)
    assert polling.probes_made == 0
