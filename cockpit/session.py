"""A Session is one incident as seen by one process: journal + state + clock.

``record`` is the one write path: it stamps the event (who, when), appends it to the journal
under the lock, and folds every event that landed meanwhile, in file order, into the state. An
event is applied only once it is on disk, so what a seat shows as recorded survives a crash. A
write that fails is kept in memory (``pending``) and retried; it is never dropped.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.clock import Clock, SystemClock, utc_ms
from cockpit.domain.state import IncidentState, apply
from cockpit.journal import Journal, JournalWriteError, Recovery
from cockpit.paths import new_session_path
from cockpit.settings import Config, ProtocolFile


class ReadOnlySession(Exception):
    """A recording action on a read-only seat."""


def default_handle(explicit: str | None = None) -> str:
    """Who is at this seat: ``--as``, then ``$COCKPIT_USER``, then the login name."""
    if explicit:
        return explicit
    if os.environ.get("COCKPIT_USER"):
        return os.environ["COCKPIT_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "someone"


@dataclass
class Session:
    journal: Journal
    header: dict[str, Any]
    clock: Clock = field(default_factory=SystemClock)
    handle: str = "someone"
    read_only: bool = False
    events: list[ev.Event] = field(default_factory=list)
    state: IncidentState = field(default_factory=IncidentState)
    recovery: Recovery | None = None
    problems: list[str] = field(default_factory=list)
    pending: list[ev.Event] = field(default_factory=list)
    """Events whose write failed; retried by ``retry_pending`` and before every new record."""
    last_error: str | None = None

    @property
    def path(self) -> Path:
        return self.journal.path

    @property
    def drill(self) -> bool:
        return bool(self.header.get("drill", False))

    @property
    def name(self) -> str:
        return str(self.header.get("session", self.path.stem))

    def now(self) -> datetime:
        return utc_ms(self.clock.now())

    # -- opening ---------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, clock: Clock | None = None,
               handle: str | None = None, drill: bool = False, mode: int = 0o600,
               **header: Any) -> Session:
        """A new, empty session file. Follow with ``configure`` and ``declare``."""
        clock = clock or SystemClock()
        path = Path(path)
        created = utc_ms(clock.now())
        head = {"session": header.pop("session", path.stem), "created": created, "drill": drill,
                **header}
        journal = Journal.create(path, head, mode=mode)
        return cls(journal, {"format": 1, **head}, clock, default_handle(handle))

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Clock | None = None,
             handle: str | None = None, read_only: bool = False) -> Session:
        journal = Journal(path)
        loaded = journal.load()
        session = cls(journal, loaded.header, clock or SystemClock(), default_handle(handle),
                      read_only, recovery=loaded.recovery, problems=loaded.problems)
        session._absorb(loaded.events)
        return session

    # -- writing ---------------------------------------------------------------------------------

    def record(self, event: ev.Event) -> ev.Event:
        """Append ``event`` and fold it in; returns it as recorded (with ``seq``, ``at``, ``by``).

        Raises ReadOnlySession on an observer seat (which records only its own coming and going,
        so the others see who is watching) and JournalWriteError when the disk refuses;
        in that case the event waits in ``pending`` and is written by the next retry.
        """
        if self.read_only and not isinstance(event, (ev.SeatJoined, ev.SeatLeft)):
            raise ReadOnlySession("this seat is read-only: open the session without --read-only to record")
        stamped = event.model_copy(update={"at": self.now(), "by": event.by or self.handle})
        self.pending.append(stamped)
        self.retry_pending()
        return self.events[-1]

    def retry_pending(self) -> bool:
        """Write what is waiting, oldest first. True when nothing is left waiting."""
        while self.pending:
            record = self.pending[0].to_record()
            record.pop("seq", None)
            try:
                landed = self.journal.append(record)
            except JournalWriteError as exc:
                self.last_error = str(exc)
                raise
            self.pending.pop(0)
            self._absorb(landed)
        self.last_error = None
        return True

    def record_many(self, events: Iterable[ev.Event]) -> list[ev.Event]:
        return [self.record(e) for e in events]

    # -- following ---------------------------------------------------------------------------------

    def refresh(self) -> list[ev.Event]:
        """Fold in what other seats appended; returns the new events (empty when none)."""
        return self._absorb(self.journal.read_new())

    def _absorb(self, records: list[dict[str, Any]]) -> list[ev.Event]:
        new = []
        state = self.state
        for record in records:
            event = ev.parse_event(record)
            if event.seq and event.seq <= state.last_seq:
                continue
            state = apply(state, event)
            new.append(event)
        self.state = state
        self.events.extend(new)
        return new

    def close(self) -> None:
        self.journal.close()


def new_incident(*, config: Config, protocol: ProtocolFile, title: str, severity: str,
                 path: str | os.PathLike[str] | None = None, clock: Clock | None = None,
                 handle: str | None = None, drill: bool = False,
                 endpoints: Iterable[ev.EndpointRef] | None = None,
                 **header: Any) -> Session:
    """Create a session file and record what every incident starts with.

    The config in force (protocol steps, people, endpoints) goes into ``session.configured`` so a
    replay never depends on config files that may have changed since; then the declaration, and
    the declarer joins as engaged.
    """
    clock = clock or SystemClock()
    target = Path(path) if path else new_session_path(title, utc_ms(clock.now()))
    session = Session.create(target, clock=clock, handle=handle, drill=drill, **header)
    refs = tuple(endpoints) if endpoints is not None else tuple(e.reference() for e in config.endpoints)
    session.record(ev.SessionConfigured(protocol=protocol.name, steps=protocol.steps,
                                        people=config.people, endpoints=refs))
    session.record(ev.IncidentDeclared(title=title, severity=severity))
    session.record(ev.MemberJoined(handle=session.handle, status="engaged"))
    return session
