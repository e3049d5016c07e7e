"""The health monitor on a thread of its own, so that polling never holds a screen's keys.

On the screen's event loop, every check is a handful of callbacks (connect, send, read, judge)
queued with the keys: 200 endpoints polled each second put hundreds of them ahead of every key,
and a key waited for whole rounds of them. On a thread with its own event loop the checks wait
for each other and the screen's loop only hears of what changed.

What crosses between the two threads: the monitor's events, handed to the screen's loop
(``call_soon_threadsafe``) and recorded there, as before, by the one thread that writes the
session; the endpoints' picture, taken by the monitor's thread and published whole, so that the
screen reads a finished dictionary (taken with each event, and asked for once a second, so at
most one request old and never older than the news it heard), never a tracker being changed
under it; and stopping.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from cockpit.domain.events import Event
from cockpit.health.monitor import Monitor
from cockpit.health.tracker import EndpointView


class MonitorThread:
    """A :class:`Monitor` run on its own thread, with the same ``run``/``stop``/``snapshot``.

    ``make(on_event)`` builds the monitor; ``on_event`` is then called on the loop that awaits
    :meth:`run`, and an exception from it ends the polling, as it would on one loop.
    """

    def __init__(self, make: Callable[[Callable[[Event], None]], Monitor],
                 on_event: Callable[[Event], Any]) -> None:
        self._on_event = on_event
        self.monitor = make(self._from_monitor)
        self._published: dict[str, EndpointView] = self.monitor.snapshot()
        self._loop: asyncio.AbstractEventLoop | None = None
        """The monitor's own loop, while it runs."""
        self._caller: asyncio.AbstractEventLoop | None = None
        self._failure: BaseException | None = None
        self._stop_asked = False

    @property
    def probes_made(self) -> int:
        return self.monitor.probes_made

    def snapshot(self) -> dict[str, EndpointView]:
        """Every endpoint's picture as last published; asks for a fresh one for the next call."""
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._publish)
            except RuntimeError:  # the monitor's loop has just closed
                pass
        return self._published

    def stop(self) -> None:
        self._stop_asked = True
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self.monitor.stop)
            except RuntimeError:
                pass

    async def run(self) -> None:
        """Poll on the thread until :meth:`stop`; cancelled, the thread is told to stop."""
        self._caller = asyncio.get_running_loop()
        finished: asyncio.Future[None] = self._caller.create_future()

        def polling() -> None:
            async def main() -> None:
                self._loop = asyncio.get_running_loop()
                if self._stop_asked:  # asked before this loop could hear it
                    self.monitor.stop()
                await self.monitor.run()

            failure: BaseException | None = None
            try:
                asyncio.run(main())
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting loop
                failure = exc
            finally:
                self._loop = None
            self._answer(finished, failure)

        thread = threading.Thread(target=polling, name="health monitor", daemon=True)
        thread.start()
        try:
            await finished
        except asyncio.CancelledError:
            self.stop()
            raise
        if self._failure is not None:
            raise self._failure

    # -- between the threads -----------------------------------------------------------------

    def _answer(self, finished: asyncio.Future[None], failure: BaseException | None) -> None:
        def settle() -> None:
            if finished.done():
                return
            if failure is not None:
                finished.set_exception(failure)
            else:
                finished.set_result(None)

        assert self._caller is not None
        try:
            self._caller.call_soon_threadsafe(settle)
        except RuntimeError:  # the screen's loop is gone: nobody waits any more
            pass

    def _publish(self) -> None:
        """On the monitor's thread: the picture taken whole, then handed over in one assignment."""
        self._published = self.monitor.snapshot()

    def _from_monitor(self, event: Event) -> None:
        """On the monitor's thread: the event goes to the screen's loop, to be recorded there,
        with the picture taken first: the screen never reads one older than the news it heard
        (an endpoint shown down whose detail still says its last status was 200)."""
        self._publish()
        if self._caller is not None:
            try:
                self._caller.call_soon_threadsafe(self._deliver, event)
            except RuntimeError:
                pass

    def _deliver(self, event: Event) -> None:
        try:
            self._on_event(event)
        except Exception as exc:  # noqa: BLE001 - ends the polling, as on one loop
            self._failure = exc
            self.stop()
