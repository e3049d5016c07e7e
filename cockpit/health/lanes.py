"""A fair share of the checks in flight: hostile endpoints cannot starve the others.

The monitor caps checks in flight, but a check that drip-feeds holds its place for its whole
timeout; a hundred of them would hold every place and delay every healthy check by a timeout.
So there are two lanes of ``size`` places each:

* the quick lane, where every check starts unless its endpoint's last check was slow;
* the slow lane, where the checks of endpoints whose last check was slow start, and where a
  check in the quick lane moves (freeing its quick place for the next check) once it has run
  for ``slow_after`` seconds, when there is room.

Slow endpoints then only ever wait for each other, and a quick lane stays free for endpoints
that answer quickly, whatever the number of hostile ones. At most ``2 × size`` checks are in
flight; each lane hands its places out in the order they were asked for. A slow endpoint that
recovers starts in the slow lane once more, then in the quick one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

SLOW_AFTER = 0.25
"""Seconds a check may hold a quick place before it counts as slow."""


class _Lane:
    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    def take_now(self) -> bool:
        if self.used < self.size and not self._waiters:
            self.used += 1
            return True
        return False

    async def take(self) -> None:
        if self.take_now():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give()  # handed a place as we were cancelled: pass it on
            else:
                with suppress(ValueError):  # already passed over by give()
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the place goes straight to the next in line
                return
        self.used -= 1


class Lanes:
    def __init__(self, size: int, slow_after: float = SLOW_AFTER) -> None:
        self.quick, self.slow = _Lane(size), _Lane(size)
        self.slow_after = slow_after
        self._slow_endpoints: set[str] = set()

    @property
    def in_flight(self) -> int:
        return self.quick.used + self.slow.used

    @asynccontextmanager
    async def place(self, endpoint: str) -> AsyncIterator[None]:
        """Hold a place for one check of ``endpoint`` (waiting for one first)."""
        lane = self.slow if endpoint in self._slow_endpoints else self.quick
        await lane.take()
        loop = asyncio.get_running_loop()
        started = loop.time()
        held = [lane]

        def move_aside() -> None:
            if held[0] is self.quick and self.slow.take_now():
                held[0] = self.slow
                self.quick.give()

        timer = loop.call_later(self.slow_after, move_aside) if lane is self.quick else None
        try:
            yield
        finally:
            if timer is not None:
                timer.cancel()
            held[0].give()
            if loop.time() - started >= self.slow_after:
                self._slow_endpoints.add(endpoint)
            else:
                self._slow_endpoints.discard(endpoint)
