"""A Session is one incident as seen by one process: journal + state + clock.

``record`` is the one write path. It stamps the event (who, when), and under the journal's lock
folds what other seats appended meanwhile, decides whether the event still applies to what the
person saw (``basis``; see ``cockpit.domain.conflicts``), and appends it, together with a
``step.done`` by ``cockpit`` for each step whose ``done_when`` it proves (``evidence``: its seq). An event
is applied only once it is on disk, so what a seat shows as recorded survives a crash. A write
the disk refuses is kept in memory (``pending``) and retried; it is never dropped.

Events fold in one order everywhere: by ``at``, then ``seq``. A back-filled or imported event
(an earlier ``at`` appended later) takes its place in time, and the state is folded again.
"""

from __future__ import annotations

import bisect
import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.clock import Clock, SystemClock, utc_ms
from cockpit.domain.conflicts import refusal
from cockpit.domain.state import IncidentState, apply, fold
from cockpit.domain.vocabulary import COCKPIT
from cockpit.errors import RuntimeFailure, UsageError
from cockpit.journal import Journal, JournalWriteError, Recovery
from cockpit.paths import new_session_path
from cockpit.settings import Config, ProtocolFile
from cockpit.text import handle_problem


class ReadOnlySession(UsageError):
    """A recording action on a read-only seat."""


class Conflict(RuntimeFailure):
    """Another seat changed the same thing first: nothing was written, and this says what."""


def default_handle(explicit: str | None = None) -> str:
    """Who is at this seat: ``--as``, then ``$COCKPIT_USER``, then the login name."""
    if explicit:
        return explicit
    if os.environ.get("COCKPIT_USER"):
        handle = os.environ["COCKPIT_USER"].strip()
        problem = handle_problem(handle)
        if problem:
            raise UsageError(f"$COCKPIT_USER: {problem}")
        return handle
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        return "someone"
    return login if handle_problem(login) is None else "someone"


def fold_key(event: ev.Event) -> tuple[datetime, int]:
    """The one order of events: by time, then by position in the file."""
    return event.at, event.seq


@dataclass
class Pending:
    """Events the disk refused, with the state the person acted on: retried as one append."""

    events: tuple[ev.Event, ...]
    basis: IncidentState
    recorded: tuple[ev.Event, ...] = ()


@dataclass
class Session:
    journal: Journal
    header: dict[str, Any]
    clock: Clock = field(default_factory=SystemClock)
    handle: str = "someone"
    read_only: bool = False
    events: list[ev.Event] = field(default_factory=list)
    """Every event read, in fold order (``fold_key``)."""
    state: IncidentState = field(default_factory=IncidentState)
    recovery: Recovery | None = None
    problems: list[str] = field(default_factory=list)
    waiting: list[Pending] = field(default_factory=list)
    """Writes the disk refused; retried by ``retry_pending`` and before every new record."""
    last_error: str | None = None
    version: int = 0
    """Counts the changes to ``events``: a screen redraws when it moved."""

    @property
    def path(self) -> Path:
        return self.journal.path

    @property
    def drill(self) -> bool:
        return bool(self.header.get("drill", False))

    @property
    def name(self) -> str:
        return str(self.header.get("session", self.path.stem))

    @property
    def pending(self) -> list[ev.Event]:
        """The events not yet on disk, oldest first (what a rescue at exit saves)."""
        return [e for w in self.waiting for e in w.events]

    def now(self) -> datetime:
        return utc_ms(self.clock.now())

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, clock: Clock | None = None,
               handle: str | None = None, drill: bool = False, mode: int = 0o600,
               created: datetime | None = None, **header: Any) -> Session:
        """A new, empty session file. Follow with ``configure`` and ``declare``."""
        clock = clock or SystemClock()
        path = Path(path)
        head = {"session": header.pop("session", path.stem),
                "created": utc_ms(created or clock.now()), "drill": drill, **header}
        journal = Journal.create(path, head, mode=mode)
        return cls(journal, {"format": 1, **head}, clock, default_handle(handle))

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Clock | None = None,
             handle: str | None = None, read_only: bool = False) -> Session:
        """Read a session; nothing is written by opening it, whatever it holds."""
        journal = Journal(path)
        loaded = journal.load()
        session = cls(journal, loaded.header, clock or SystemClock(), default_handle(handle),
                      read_only, recovery=loaded.recovery, problems=loaded.problems)
        session._absorb(loaded.events)
        return session

    # -- writing ---------------------------------------------------------------------------------

    def record(self, event: ev.Event, *, basis: IncidentState | None = None) -> ev.Event:
        """Append ``event`` and fold it in; returns it as recorded (with ``seq``, ``at``, ``by``).

        ``basis`` is the state the person acted on (by default the state now); when another
        seat changed the same thing since, nothing is written and :class:`Conflict` says what
        happened. An event given an ``at`` (a back-filled one) keeps it; otherwise it is stamped
        now, when the person acted, even if the disk takes it only later. Raises ReadOnlySession on a read-only seat and JournalWriteError when
        the disk refuses; then the event waits in ``pending`` and goes with the next write.
        """
        return self.record_together([event], basis=basis)[0]

    def record_together(self, events: Iterable[ev.Event], *,
                        basis: IncidentState | None = None) -> list[ev.Event]:
        """Several events as one append (a handover: release + assign): all or none."""
        if self.read_only:
            raise ReadOnlySession("this seat is read-only: open the session without --read-only"
                                  " to record")
        now = self.now()  # when the person acted, even if the disk takes it later
        batch = tuple(e.model_copy(update={"by": e.by or self.handle,
                                           "at": now if e.at == ev.UNSET_TIME else e.at})
                      for e in events)
        waiting = Pending(batch, basis if basis is not None else self.state)
        self.waiting.append(waiting)
        self.retry_pending()
        return list(waiting.recorded)

    def retry_pending(self) -> bool:
        """Write what is waiting, oldest first. True when nothing is left waiting.

        A waiting write that another seat's change has made moot is dropped, and its
        :class:`Conflict` raised once the rest is written; one the disk refuses stays, and
        JournalWriteError is raised."""
        conflict: Conflict | None = None
        while self.waiting:
            waiting = self.waiting[0]
            try:
                waiting.recorded = self._append(waiting)
            except JournalWriteError as exc:
                self.last_error = str(exc)
                raise
            except Conflict as exc:
                conflict = conflict or exc
            self.waiting.pop(0)
        self.last_error = None
        if conflict is not None:
            raise conflict
        return True

    def _append(self, waiting: Pending) -> tuple[ev.Event, ...]:
        """One append under the lock: fold the others' events, decide, stamp, write."""
        mine: list[ev.Event] = []

        def prepare(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
            self._absorb(seen)
            state, basis = self.state, waiting.basis
            if self.events and waiting.events[0].at < self.events[-1].at:
                # back-filled: judged against the incident as it stood then, not as it is now
                then = (waiting.events[0].at, 2**63)
                state = basis = fold(e for e in self.events if fold_key(e) <= then)
            next_seq = self.journal.last_seq + 1  # the journal numbers these in this order
            for event in waiting.events:
                reason = refusal(basis, state, event)
                if reason is not None:
                    raise Conflict(f"{reason}; nothing was recorded.")
                event = event.model_copy(update={"seq": next_seq + len(mine)})
                mine.append(event)
                state = basis = apply(state, event)
            at = max(e.at for e in mine)
            for step, evidence in state.proven_steps():  # closed by the record, with its proof
                closing = ev.StepDone(seq=next_seq + len(mine), at=at, by=COCKPIT, step=step,
                                      evidence=evidence)
                mine.append(closing)
                state = apply(state, closing)
            return [e.to_record() for e in mine]

        landed = self.journal.append([], prepare=prepare)
        recorded = tuple(event.model_copy(update={"seq": record["seq"]})
                         for event, record in zip(mine, landed))
        self._absorb_events(list(recorded))
        return recorded

    # -- following ---------------------------------------------------------------------------------

    def refresh(self, *, wait_for_lock: bool = True) -> list[ev.Event]:
        """Fold in what other seats appended; returns the new events (empty when none)."""
        return self._absorb(self.journal.read_new(wait_for_lock=wait_for_lock))

    def _absorb(self, records: list[dict[str, Any]]) -> list[ev.Event]:
        return self._absorb_events([ev.parse_event(r) for r in records])

    def _absorb_events(self, new: list[ev.Event]) -> list[ev.Event]:
        """Put events in their place in time; fold on when they come last, else fold again."""
        if not new:
            return new
        events, state = self.events, self.state
        refold = False
        for event in new:
            if not events or fold_key(event) >= fold_key(events[-1]):
                events.append(event)
                if not refold:
                    state = apply(state, event)
            else:
                bisect.insort(events, event, key=fold_key)
                refold = True
        self.state = fold(events) if refold else state
        self.version += 1
        return new

    def close(self) -> None:
        self.journal.close()


def new_incident(*, config: Config, protocol: ProtocolFile, title: str, severity: str,
                 path: str | os.PathLike[str] | None = None, clock: Clock | None = None,
                 handle: str | None = None, drill: bool = False,
                 endpoints: Iterable[ev.EndpointRef] | None = None,
                 at: datetime | None = None, **header: Any) -> Session:
    """Create a session file and record what every incident starts with.

    The config in force (protocol steps, people, endpoints) goes into ``session.configured`` so a
    replay never depends on config files that may have changed since; then the declaration, and
    the declarer joins as engaged. ``at`` declares it in the past (an incident typed up afterwards).
    """
    clock = clock or SystemClock()
    target = Path(path) if path else new_session_path(title, utc_ms(at or clock.now()))
    session = Session.create(target, clock=clock, handle=handle, drill=drill, created=at, **header)
    refs = tuple(endpoints) if endpoints is not None else tuple(e.reference() for e in config.endpoints)
    opening = [ev.SessionConfigured(protocol=protocol.name, steps=protocol.steps,
                                    people=config.people, endpoints=refs),
               ev.IncidentDeclared(title=title, severity=severity),
               ev.MemberJoined(handle=session.handle, status="engaged")]
    if at is not None:
        opening = [e.model_copy(update={"at": utc_ms(at)}) for e in opening]
    try:
        session.record_together(opening)
    except JournalWriteError:
        session.journal.remove()  # a session without its declaration is no incident: none left
        raise
    return session
