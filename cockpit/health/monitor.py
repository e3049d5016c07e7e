"""The monitor: checks every endpoint on its own cadence and reports what changes
(docs/configuration.md, "Health checks").

Scheduling: each endpoint has one cadence, start to start, beginning at a random phase within
its interval so a thousand endpoints do not all fire at once. A tick that cannot start on time
(the previous check of that endpoint still running) is dropped, never made up in a burst.
Checks in flight are capped in two lanes of ``max_in_flight`` places (``cockpit.health.lanes``):
one for quick checks, one for slow ones (drip-fed, hanging), so that slow endpoints, however
many, wait for each other and never for the quick lane's places (at most twice
``max_in_flight`` checks are in flight). Waiting for a place is recorded as start lag, and
latency is measured from the request, not from the schedule.

The monitor owns no session: it hands ``HealthChanged`` events (on every state change) and
``HealthSummary`` events (every ``summary_every``) to ``on_event``, and the caller records them.
``on_event`` is called on the event loop and must not raise: an exception from it ends ``run``.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import timedelta

from cockpit.domain.clock import Clock, SystemClock, utc_ms
from cockpit.domain.events import Event, HealthChanged, HealthSummary
from cockpit.domain.vocabulary import HEALTH
from cockpit.health.lanes import Lanes
from cockpit.health.probe import Check, Outcome, ProbeResult, probe
from cockpit.health.tracker import Change, EndpointTracker, EndpointView
from cockpit.health.transport import ProbeClient, TransportName, make_client
from cockpit.settings import EndpointConfig

LAG_SAMPLES = 10_000
"""How many recent start lags are kept (for ``bench/poller.py`` and diagnostics)."""
TRANSITIONS_KEPT = 10_000
"""How many recent state changes ``transitions`` keeps; the session keeps them all."""


class Monitor:
    """Polls endpoints until :meth:`stop`; :meth:`snapshot` shows each one's state."""

    def __init__(self, endpoints: Sequence[EndpointConfig], on_event: Callable[[Event], None], *,
                 clock: Clock | None = None, max_in_flight: int = 64,
                 summary_every: timedelta = timedelta(seconds=60), rng: random.Random | None = None,
                 transport: TransportName = "aiohttp") -> None:
        """Raises ConditionError or EndpointError (naming the endpoint) for what cannot be checked."""
        names = [e.name for e in endpoints]
        if len(set(names)) != len(names):
            raise ValueError("endpoint names must be unique")
        if max_in_flight < 1 or summary_every <= timedelta(0):
            raise ValueError("max_in_flight and summary_every must be positive")
        self._checks = [Check.of(endpoint) for endpoint in endpoints]
        self._trackers = {endpoint.name: EndpointTracker(endpoint) for endpoint in endpoints}
        self._on_event = on_event
        self._clock = clock or SystemClock()
        self._max_in_flight = max_in_flight
        self._summary_every = summary_every.total_seconds()
        self._rng = rng or random.Random()
        self._transport = transport
        self._stopping = asyncio.Event()
        self._lanes: Lanes | None = None
        self.probes_made = 0
        self.outcomes: Counter[Outcome] = Counter()
        self.transitions: deque[HealthChanged] = deque(maxlen=TRANSITIONS_KEPT)
        self.start_lags_ms: deque[float] = deque(maxlen=LAG_SAMPLES)
        self.worst_start_lag_ms: dict[str, float] = {}
        """Per endpoint, the longest it waited for a place: who is being starved, if anyone."""

    def snapshot(self) -> dict[str, EndpointView]:
        """Every endpoint's current picture, in config order."""
        return {name: tracker.view() for name, tracker in self._trackers.items()}

    def stop(self) -> None:
        """Ask :meth:`run` to finish; checks in flight are abandoned."""
        self._stopping.set()

    async def run(self) -> None:
        """Poll until :meth:`stop` (or until this task is cancelled)."""
        self._lanes = Lanes(self._max_in_flight)
        client = await self._client()
        tasks = [asyncio.create_task(self._cadence(check, client), name=f"health:{check.endpoint.name}")
                 for check in self._checks]
        tasks += [asyncio.create_task(self._sweeps()), asyncio.create_task(self._summaries())]
        stopped = asyncio.create_task(self._stopping.wait())
        try:
            done, _ = await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopped:
                    task.result()  # a task only ends early on a bug or a raising on_event
        finally:
            for task in (stopped, *tasks):
                task.cancel()
            await asyncio.gather(stopped, *tasks, return_exceptions=True)
            await client.aclose()

    async def check_once(self) -> None:
        """One check of every endpoint, all at once (within the in-flight cap)."""
        self._lanes = Lanes(self._max_in_flight)
        client = await self._client()
        try:
            await asyncio.gather(*(self._check(check, client) for check in self._checks))
        finally:
            await client.aclose()

    # -- inside -------------------------------------------------------------------------------

    async def _client(self) -> ProbeClient:
        """Made in a thread: loading the CA bundle would hold a screen's event loop ~50 ms."""
        return await asyncio.to_thread(make_client, self._transport,
                                       max_connections=2 * self._max_in_flight)  # both lanes

    async def _cadence(self, check: Check, client: ProbeClient) -> None:
        loop = asyncio.get_running_loop()
        interval = check.endpoint.interval.total_seconds()
        next_start = loop.time() + self._rng.uniform(0, interval)
        while True:
            delay = next_start - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._check(check, client, scheduled=next_start)
            next_start += interval
            behind = loop.time() - next_start
            if behind >= 0:
                next_start += (math.floor(behind / interval) + 1) * interval

    async def _check(self, check: Check, client: ProbeClient, scheduled: float | None = None) -> None:
        assert self._lanes is not None
        loop = asyncio.get_running_loop()
        async with self._lanes.place(check.endpoint.name):
            if scheduled is not None:
                lag = (loop.time() - scheduled) * 1000
                self.start_lags_ms.append(lag)
                name = check.endpoint.name
                self.worst_start_lag_ms[name] = max(lag, self.worst_start_lag_ms.get(name, 0.0))
            result = await probe(client, check)
        self._observe(check.endpoint.name, result)

    def _observe(self, name: str, result: ProbeResult) -> None:
        self.probes_made += 1
        self.outcomes[result.outcome] += 1
        now = asyncio.get_running_loop().time()
        change = self._trackers[name].observe(result, now, self._clock.now())
        if change is not None:
            self._report(name, change)

    def _report(self, name: str, change: Change) -> None:
        event = HealthChanged(endpoint=name, from_=change.from_, to=change.to, detail=change.detail,
                              by=HEALTH, at=utc_ms(self._clock.now()))
        self.transitions.append(event)
        self._on_event(event)

    async def _sweeps(self) -> None:
        loop = asyncio.get_running_loop()
        shortest = min((t.thresholds.stale_after for t in self._trackers.values()), default=1.0)
        period = min(1.0, max(0.05, shortest / 4))
        while True:
            await asyncio.sleep(period)
            now, at = loop.time(), self._clock.now()
            for name, tracker in self._trackers.items():
                change = tracker.sweep(now, at)
                if change is not None:
                    self._report(name, change)

    async def _summaries(self) -> None:
        """The first summary once every endpoint has had its first check (each starts within its
        interval and ends within its timeout), then one every ``summary_every``: a seat that does
        not poll shows latencies from the record, and must not wait a minute for the first."""
        first_round = max((c.endpoint.interval + c.endpoint.timeout).total_seconds() for c in self._checks)
        wait = min(self._summary_every, first_round) if self._checks else self._summary_every
        while True:
            await asyncio.sleep(wait)
            wait = self._summary_every
            windows = {name: tracker.take_window() for name, tracker in self._trackers.items()}
            self._on_event(HealthSummary(endpoints=windows, by=HEALTH, at=utc_ms(self._clock.now())))
