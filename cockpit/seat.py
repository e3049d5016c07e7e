"""A seat: one process's place at an incident, and the one recording policy every mode shares.

The live screen, replay, the drill (with a screen or headless) and the browser view each hold one
``Seat`` and record through it; none of them touches the session's waiting writes. The seat owns:

- **recording**: ``record`` writes through ``Session.record`` and says what happened in one
  voice (``Notice``): refused because another seat decided first, refused on a read-only seat,
  kept because the disk refused it;
- **retrying** what the disk refused, every ``RETRY_SECONDS``, until it is written, saying so;
- **the rescue** at exit of whatever is still not written, to a file beside the session;
- **presence**: a side file in ``<session>.seats/`` while it runs (a read-only seat records
  nothing in the journal, so this is how others know it is watching), and ``seat.joined`` /
  ``seat.left`` for seats that take part;
- **following**: ``start_following`` folds in other seats' appends as the file changes
  (``cockpit.watch``: inotify, else polling, said once) and calls ``changed`` when any came;
- **the poller lease, the monitor and the alert receiver**: only the seat holding the lease
  polls the endpoints and receives Alertmanager's webhook (``cockpit.alerts``), and it records
  the departures of seats that died without saying goodbye. When it goes, the next seat to take
  the lease polls and binds the receiver's port;
- **delivering updates**: each ``update.posted`` it records goes to the configured destinations in
  the background (``cockpit.delivery``), and what did not arrive is sent again when it returns.

It is headless: no Textual. Its owner passes ``say`` (a toast on screen, a line on stderr) and
``changed`` (redraw). The asyncio parts (retrying, polling) run on the owner's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cockpit.domain import events as ev
from cockpit.domain.state import IncidentState
from cockpit.journal import JournalError, JournalWriteError
from cockpit.files import create_private
from cockpit.journals import Lease, changes_for, lease_for, presence_for
from cockpit.seats import record_departures
from cockpit.session import Conflict, ReadOnlySession, Session
from cockpit.watch import POLL_SECONDS

if TYPE_CHECKING:
    from cockpit.settings import AlertSettings, UpdateSettings

RETRY_SECONDS = 2.0
STOP_SECONDS = 2.0
"""How long stopping waits for the monitor to close its connections."""
LEASE_SECONDS = 1.0
"""How often a seat without the poller lease tries to take it."""
READ_ONLY_MESSAGE = ("This seat is read-only: nothing is recorded. Open the session without "
                     "--read-only to take part.")


@dataclass(frozen=True)
class Notice:
    """Something the person at this seat should be told."""

    title: str
    text: str
    tone: Literal["information", "warning", "error"] = "information"


Say = Callable[[Notice], object]


_Ask = tuple[Any, asyncio.AbstractEventLoop, "asyncio.Future[None]"]
"""A journal whose writer to wait for, and the loop and future to tell."""


class WriterWait:
    """A following seat's thread that waits, when asked, for the writer holding the journal's
    lock to let go, then wakes the loop. One thread for the seat's life: starting one for each
    append made the loop wait for the new thread to be scheduled, which with ten seats busy on
    two cores was milliseconds of every append's way to the screen."""

    def __init__(self) -> None:
        self._asks: queue.SimpleQueue[_Ask | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def ask(self, journal: Any, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        """A future set once ``journal``'s writer has let go (on ``loop``, from the thread)."""
        done = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._wait, args=(self._asks,),
                                            name="wait for the writer", daemon=True)
            self._thread.start()
        self._asks.put((journal, loop, done))
        return done

    def stop(self) -> None:
        """The thread ends after the wait in hand, if any."""
        if self._thread is not None:
            self._asks.put(None)
            self._asks, self._thread = queue.SimpleQueue(), None  # a new thread asks anew

    @staticmethod
    def _wait(asks: queue.SimpleQueue[_Ask | None]) -> None:
        while (asked := asks.get()) is not None:
            journal, loop, done = asked
            with contextlib.suppress(OSError):
                journal.wait_unlocked()
            with contextlib.suppress(RuntimeError):  # the loop is gone: the seat has left
                loop.call_soon_threadsafe(lambda done=done: done.done() or done.set_result(None))


class Seat:
    """One process at one incident. ``join`` when it opens, ``leave`` (then ``rescue``) at the end."""

    def __init__(self, session: Session, *, say: Say | None = None,
                 changed: Callable[[], object] | None = None) -> None:
        self.session = session
        self.say: Say = say or (lambda notice: None)
        self.changed = changed or (lambda: None)
        self.presence = presence_for(session.journal)
        self.lease: Lease | None = None
        self.monitor: Any = None
        self.receiver: Any = None
        """The Alertmanager receiver (``cockpit.alerts.AlertReceiver``) run with the lease, if any."""
        self.deliveries: Any = None
        """The updates' deliveries (``cockpit.delivery.Deliveries``) once ``start_delivering``."""
        self._joined = False
        self._retrying: asyncio.Task[None] | None = None
        self._polling: asyncio.Task[None] | None = None
        self._following: asyncio.Task[None] | None = None
        self._follow_failed = False
        self._unlocked: asyncio.Future[None] | None = None
        """Set once the writer the following waits for lets go of the lock (``_writer_done``)."""
        self._writer_wait = WriterWait()
        self._problems_told = 0
        self._recovery_told: object = None

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    @property
    def offline(self) -> str | None:
        """Why this seat records only on this host now (its journal database is out of reach;
        what it records is uploaded when it is back), or None."""
        return self.session.journal.offline_reason

    @property
    def polling(self) -> bool:
        return self.lease is not None and self.lease.held

    # -- presence --------------------------------------------------------------------------------

    def join(self) -> None:
        """Say this seat is here: a side file always, ``seat.joined`` only when it takes part."""
        session = self.session
        self.presence.mark(session.handle, read_only=session.read_only)
        if not session.read_only:
            self._joined = self.record(ev.SeatJoined(handle=session.handle)) is not None
        self._tell_problems()

    def watchers(self) -> list[str]:
        """Who else has the incident open now: the seats' side files (read-only seats record
        nothing else), and the seats the journal says joined and have not left. The side files
        are read at most every few seconds, or when the folder changed (``SeatPresence.recent``)."""
        here = {h for h, _ in self.presence.recent()} | set(self.session.state.seats)
        return sorted(here - {self.session.handle})

    # -- recording ---------------------------------------------------------------------------------

    def record(self, event: ev.Event, *, basis: IncidentState | None = None) -> ev.Event | None:
        """Record one event; None when it was not recorded (yet), and the person is told why."""
        recorded = self.record_together([event], basis=basis)
        return recorded[0] if recorded else None

    def record_together(self, events: list[ev.Event], *,
                        basis: IncidentState | None = None) -> list[ev.Event]:
        """Record events as one append (all or none); [] when not recorded (yet)."""
        if self.session.read_only:
            self.say(Notice("Read-only", READ_ONLY_MESSAGE, "warning"))
            return []
        try:
            recorded = self.session.record_together(events, basis=basis)
        except Conflict as exc:
            self.say(Notice("Already decided", str(exc), "warning"))
            self.changed()
            return []
        except ReadOnlySession as exc:
            self.say(Notice("Read-only", str(exc), "warning"))
            return []
        except JournalError as exc:  # cannot write: kept, and retried
            self.say(Notice("Not saved yet", f"{exc}\nKept in memory; retrying every"
                            f" {RETRY_SECONDS:g} s.", "error"))
            self._keep_retrying()
            self.changed()
            return []
        self._tell_problems()
        if self.deliveries is not None:
            for event in recorded:
                if isinstance(event, ev.UpdatePosted):
                    self.deliveries.posted(event)
        self.changed()
        return recorded

    # -- delivering updates ------------------------------------------------------------------------

    def start_delivering(self, settings: UpdateSettings) -> None:
        """From now on, each update this seat records goes to the destinations of its audience
        (``[[updates.destinations]]``) in the background; and what this seat's person posted
        before without reaching a destination is sent again now. On the running loop. A
        read-only seat sends nothing, and neither does a drill: its updates are practice, and a
        status page or a customer list must not get them."""
        if (self.session.read_only or self.session.drill or not settings.targets
                or self.deliveries is not None):
            return
        from cockpit.delivery import Deliveries  # only a seat with destinations loads the senders

        self.deliveries = Deliveries(settings, self.session, record=self.record,
                                     tell=lambda title, text, tone: self.say(Notice(title, text, tone)))
        self.deliveries.resume()

    def _keep_retrying(self) -> None:
        if self._retrying is not None and not self._retrying.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a one-shot command): the rescue at exit keeps them
            return
        self._retrying = loop.create_task(self._retry(), name="retry refused writes")

    async def settled(self) -> None:
        """Until the writes the disk refused are written (returns at once when none wait)."""
        if self._retrying is not None:
            await asyncio.shield(self._retrying)

    async def _retry(self) -> None:
        while self.session.waiting:
            await asyncio.sleep(RETRY_SECONDS)
            count = len(self.session.pending)
            try:
                self.session.retry_pending()
            except JournalWriteError:
                continue
            except Conflict as exc:
                self.say(Notice("Already decided", str(exc), "warning"))
            self.say(Notice("Saved", f"{count} waiting entr{'y' if count == 1 else 'ies'} saved"
                            " to the session file."))
            if self.deliveries is not None:  # an update among them goes out now
                self.deliveries.written_late()
            self.changed()

    def rescue(self) -> Path | None:
        """At exit: write what is still waiting, else save it beside the session and say where."""
        session = self.session
        if not session.waiting:
            return None
        with contextlib.suppress(JournalError):
            session.retry_pending()
            return None
        lines = "".join(json.dumps(e.to_record(), default=str) + "\n" for e in session.pending)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        for folder in (session.path.parent, Path.home(), Path("/tmp")):
            target = folder / f"{session.path.name}.unsaved-{stamp}.jsonl"
            try:
                create_private(target, lines.encode("utf-8"))
            except OSError:
                continue
            self.say(Notice("Not saved", f"{len(session.pending)} entries could not be saved to"
                            f" {session.path}; they are in {target}", "error"))
            return target
        self.say(Notice("Not saved", f"{len(session.pending)} entries could not be saved"
                        f" anywhere: {lines}", "error"))
        return None

    # -- following ---------------------------------------------------------------------------------

    def follow(self, *, wait_for_lock: bool = True) -> list[ev.Event]:
        """Fold in what other seats appended; a file that cannot be followed is said once."""
        try:
            new = self.session.refresh(wait_for_lock=wait_for_lock)
        except (OSError, JournalError) as exc:
            if not self._follow_failed:  # once: following runs several times a second
                self._follow_failed = True
                self.say(Notice("Session file", f"Cannot follow the session file: {exc}\nThis"
                                " seat stops updating from other seats; what you record here is"
                                " still written.", "error"))
            return []
        self._follow_failed = False
        self._tell_problems()
        return new

    def start_following(self) -> None:
        """Follow other seats as they append, on the running loop, until ``leave``: ``follow``
        then ``changed`` (when anything came) on each change of the file, once for a burst of
        appends; polling where the file cannot be watched, which is said once."""
        if self._following is None:
            self._following = asyncio.get_running_loop().create_task(
                self._follow_changes(), name="follow the session file")
            self._following.add_done_callback(self._following_over)

    async def _follow_changes(self) -> None:
        changes = changes_for(self.session.journal, fallback=lambda why: self.say(Notice(
            "Session file", f"Following the session file by reading it every {POLL_SECONDS:g} s:"
            f" {why}.", "warning")))
        journal = self.session.journal
        async for _ in changes:
            while True:  # a big append is read a piece at a time, letting the loop run between
                if self.follow(wait_for_lock=False):
                    self.changed()
                if journal.caught_up:
                    break
                if not journal.locked_out:
                    await asyncio.sleep(0)
                    continue
                # The event comes with the write, before the writer's fsync lets go of the lock,
                # and its letting go raises none: wait for it here, never blocking the loop.
                await self._writer_done(journal)

    async def _writer_done(self, journal: Any) -> None:
        """Until the writer holding the journal's lock lets go, or ``POLL_SECONDS`` at most.
        The wait is the lock itself, taken in a thread (``WriterWait``, one wait at a time), so
        the read follows the moment the writer's fsync is done: waiting by pauses on the loop
        read each append a few milliseconds late, and up to twice the writer's time under load."""
        if self._unlocked is None or self._unlocked.done():
            self._unlocked = self._writer_wait.ask(journal, asyncio.get_running_loop())
        await asyncio.wait({self._unlocked}, timeout=POLL_SECONDS)

    def _following_over(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.say(Notice("Session file", f"This seat stopped following the session file:"
                            f" {task.exception()!r}. Open it again to see other seats.", "error"))

    def _tell_problems(self) -> None:
        """Damage met in the file, each once: what it cost and where it is; and a torn tail,
        once when read and once when this seat set it aside."""
        recovery = self.session.journal.recovery or self.session.recovery
        if recovery is not None and recovery != self._recovery_told:
            self._recovery_told = recovery
            said = recovery.describe()
            self.say(Notice("Session file", said[:1].upper() + said[1:] + ". Every complete"
                            " entry is kept.", "warning"))
        problems = [*self.session.problems, *self.session.journal.problems]
        for problem in problems[self._problems_told:]:
            self.say(Notice("Session file", f"{self.session.path}: {problem}", "warning"))
        self._problems_told = len(problems)

    # -- polling -------------------------------------------------------------------------------

    def start_polling(self, monitor: Any, *, alerts: AlertSettings | None = None) -> None:
        """Poll with ``monitor`` and receive alerts as ``alerts`` says (``[alerts] listen``),
        whenever this seat holds the lease; either may be absent (a read-only seat does neither)."""
        if self.session.read_only:
            return
        if alerts is not None and alerts.listen is not None:
            from cockpit.alerts import AlertReceiver  # only a seat that receives loads aiohttp's server

            self.receiver = AlertReceiver(
                alerts, session=self.session, record=self.record_together, follow=self.follow,
                say=lambda text, tone: self.say(Notice("Alerts", text, tone)))
        if monitor is None and self.receiver is None:
            return
        self.monitor = monitor
        name = "health monitor" if monitor is not None else "alert receiver"
        self._polling = asyncio.get_running_loop().create_task(self._poll(), name=name)
        self._polling.add_done_callback(self._polling_over)

    def _polling_over(self, task: asyncio.Task[None]) -> None:
        """A monitor that stopped by itself is said, not left in a log nobody reads."""
        if not task.cancelled() and task.exception() is not None:
            self.say(Notice("Health", f"The health monitor stopped: {task.exception()!r}. Health"
                            " shown here is no longer polled by this seat.", "error"))

    async def _poll(self) -> None:
        lease = lease_for(self.session.journal)
        told = False
        while not lease.try_acquire():
            if lease.error and not told:
                told = True
                self.say(Notice("Not polling", lease.error, "warning"))
            await asyncio.sleep(LEASE_SECONDS)
        self.lease = lease
        loop = asyncio.get_running_loop()
        departures = loop.create_task(self._record_departures())
        receiving = loop.create_task(self.receiver.run(), name="alert receiver") if self.receiver else None
        try:
            if self.monitor is not None:
                await self.monitor.run()
            if receiving is not None:
                await receiving
        finally:
            departures.cancel()
            if receiving is not None and not receiving.done():
                self.receiver.stop()
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait({receiving}, timeout=STOP_SECONDS)
                receiving.cancel()

    async def _record_departures(self) -> None:
        """While polling: ``seat.left`` for every seat that died without saying goodbye."""
        while True:
            record_departures(self.session, self.presence, self.record)
            await asyncio.sleep(LEASE_SECONDS)

    @property
    def polling_task(self) -> asyncio.Task[None] | None:
        return self._polling

    async def stop_polling(self) -> None:
        """The monitor finishes (its connections closed) within ``STOP_SECONDS``, else is cancelled."""
        task, self._polling = self._polling, None
        if task is None:
            return
        if self.lease is not None:
            for part in (self.monitor, self.receiver):
                if part is not None:
                    part.stop()
            done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
            if done:
                return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    # -- leaving -------------------------------------------------------------------------------

    async def leave(self) -> None:
        """Stop polling, say goodbye, let go of the lease and the side file (the rescue follows)."""
        await self.stop_polling()
        if self.deliveries is not None:  # what is under way is tried again when the seat returns
            await self.deliveries.stop()
        following, self._following = self._following, None
        if following is not None:  # the watch's file descriptor is closed before this returns
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
        self._writer_wait.stop()
        if self._retrying is not None:
            self._retrying.cancel()
        if self._joined and not self.session.read_only:
            with contextlib.suppress(JournalError, Conflict):  # a courtesy; what matters is saved
                self.session.record(ev.SeatLeft(handle=self.session.handle))
            # a goodbye the disk refused is not worth rescuing
            self.session.waiting[:] = [w for w in self.session.waiting
                                       if not all(isinstance(e, ev.SeatLeft) for e in w.events)]
        self.presence.clear()
        if self.lease is not None:
            self.lease.release()
