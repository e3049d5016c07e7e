"""Playing a scenario: the fleet, the drill session, the health monitor, the scripted injects.

The fleet and the injects run on a *stage* thread with an event loop of their own, beside the
cockpit rather than inside it, as the real systems and people would be: whatever runs the cockpit
(the Textual app, or the headless loop of ``cockpit drill --no-ui``) runs the ordinary health
:class:`~cockpit.health.monitor.Monitor` against the fleet's URLs, unchanged, and a busy screen
cannot distort the latencies the fleet serves.

Injects are recorded by a seat of their own (handle ``drill``) on the same session file, the way
any other seat appends: the cockpit folds them in when it refreshes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cockpit.domain import events as ev
from cockpit.domain.clock import Clock
from cockpit.domain.vocabulary import DRILL
from cockpit.drill.fleet import Fleet, ScenarioClock
from cockpit.drill.scenario import Inject, Scenario
from cockpit.health.monitor import Monitor
from cockpit.journal import JournalError
from cockpit.seat import Seat
from cockpit.session import Session, new_incident
from cockpit.settings import Config, EndpointConfig, ProtocolFile

DRILL_HANDLE = DRILL
"""Who the scripted injects are recorded by."""
_STARTUP_TIMEOUT = 10.0


class DrillError(RuntimeError):
    """The drill could not be staged (a port in use, a thread that would not start)."""


def inject_events(inject: Inject) -> list[ev.Event]:
    """What one scripted inject records: its text, then the roster change it carries, if any."""
    events: list[ev.Event] = [ev.DrillInject(text=inject.text)]
    if inject.join:
        events.append(ev.MemberJoined(handle=inject.join, status=inject.status or "engaged"))
    elif inject.member and inject.status:
        events.append(ev.MemberStatusChanged(handle=inject.member, status=inject.status))
    return events


class DrillRunner:
    """One scenario being played at ``speed`` (10 = ten times faster than written).

    ``start`` brings the fleet up and declares the drill incident; ``monitor`` gives the health
    monitor to run against the fleet; ``stop`` ends the stage. ``elapsed`` and ``ended`` tell how
    far the story is, for whoever shows it.
    """

    def __init__(self, scenario: Scenario, *, speed: float = 1.0,
                 rng: random.Random | None = None) -> None:
        self.scenario = scenario
        self.speed = speed
        self.clock = ScenarioClock(speed)
        self.started_at = datetime.now(timezone.utc)
        self.endpoints: list[EndpointConfig] = []
        self.problems: list[str] = []
        """What went wrong on the stage, for the person running the drill: writes the disk
        refused (kept pending and retried with the next one), injects that stopped."""
        self.ended = threading.Event()
        self._rng = rng
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    # -- the stage -------------------------------------------------------------------------------

    def start(self, *, config: Config, protocol: ProtocolFile, path: str | Path | None = None,
              handle: str | None = None, clock: Clock | None = None) -> Session:
        """Serve the fleet, declare the drill incident with its endpoints, start the injects."""
        self.clock = ScenarioClock(self.speed)
        self.started_at = datetime.now(timezone.utc)
        self._thread = threading.Thread(target=asyncio.run, args=(self._stage(),),
                                        name="drill stage", daemon=True)
        self._thread.start()
        if not self._ready.wait(_STARTUP_TIMEOUT):
            raise DrillError("the simulated fleet did not start within 10 s")
        if self._failure is not None:
            self.stop()
            raise DrillError(f"cannot serve the simulated fleet: {self._failure}")
        info = self.scenario.scenario
        try:
            session = new_incident(config=config, protocol=protocol, title=info.incident_title,
                                   severity=info.severity, path=path, clock=clock, handle=handle,
                                   drill=True, endpoints=[e.reference() for e in self.endpoints],
                                   scenario=info.name, speed=self.speed,
                                   **({"objectives": [o.record() for o in self.scenario.objectives]}
                                      if self.scenario.objectives else {}))
        except BaseException:
            self.stop()
            raise
        assert self._loop is not None
        played = asyncio.run_coroutine_threadsafe(self._play_injects(session.path, clock), self._loop)
        played.add_done_callback(self._injects_over)
        return session

    async def _stage(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        fleet = Fleet(self.scenario, clock=self.clock, rng=self._rng)
        try:
            await fleet.start()
        except OSError as exc:
            self._failure = exc
            self._ready.set()
            return
        self.endpoints = fleet.endpoints()
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await fleet.close()

    async def _play_injects(self, path: Path, clock: Clock | None) -> None:
        try:
            seat = await asyncio.to_thread(Session.open, path, clock=clock, handle=DRILL_HANDLE)
        except JournalError as exc:
            self.problems.append(f"the injects cannot be recorded: {exc}")
            return
        recorder = Seat(seat, say=lambda notice: self.problems.append(notice.text))
        try:
            for inject in self.scenario.injects:
                await self.clock.sleep_until(inject.at.total_seconds())
                await asyncio.to_thread(recorder.record_together, inject_events(inject))
            await self.clock.sleep_until(self.scenario.ends_at.total_seconds())
            self.ended.set()
        finally:
            recorder.rescue()  # injects the disk refused are kept beside the session
            seat.close()

    def _injects_over(self, played: concurrent.futures.Future[None]) -> None:
        if not played.cancelled() and played.exception() is not None:
            self.problems.append(f"the scripted injects stopped: {played.exception()!r}")

    def stop(self) -> None:
        """End the stage: the fleet stops serving, pending injects are dropped. Idempotent."""
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop closed meanwhile
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> DrillRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what the cockpit needs ------------------------------------------------------------------

    def monitor(self, on_event: Callable[[ev.Event], object], *, clock: Clock | None = None) -> Monitor:
        """The ordinary health monitor, polling the fleet; summaries come faster in fast drills."""
        summary_every = timedelta(seconds=max(5.0, 60.0 / self.speed))
        return Monitor(self.endpoints, on_event, clock=clock, summary_every=summary_every)

    def elapsed(self) -> float:
        """Scenario seconds played so far."""
        return self.clock.elapsed()

    def scenario_time(self, moment: datetime) -> float:
        """The scenario time (seconds) of a wall-clock moment during this drill."""
        return (moment - self.started_at).total_seconds() * self.speed

    def remaining(self) -> float:
        """Real seconds until the story is over (0 once it is)."""
        return self.clock.real_delay(self.scenario.ends_at.total_seconds())
