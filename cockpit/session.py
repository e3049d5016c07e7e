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
import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit import checkpoint, collector
from cockpit.domain import events as ev
from cockpit.domain.clock import Clock, SystemClock, utc_ms
from cockpit.domain.conflicts import refusal
from cockpit.domain.protocol import protocol_version
from cockpit.domain.state import IncidentState, apply, fold
from cockpit.domain.vocabulary import COCKPIT
from cockpit.errors import RuntimeFailure, UsageError
from cockpit.folding import WholeFold, fold_key
from cockpit.journal import Journal, JournalError, JournalWriteError, Recovery
from cockpit.paths import new_session_path
from cockpit.text import handle_problem

if TYPE_CHECKING:  # only ``new_incident`` reads them; ``status`` and ``log`` never build the config models
    from cockpit.settings import Config, ProtocolFile


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
    state: IncidentState = field(default_factory=IncidentState)
    recovery: Recovery | None = None
    problems: list[str] = field(default_factory=list)
    waiting: list[Pending] = field(default_factory=list)
    """Writes the disk refused; retried by ``retry_pending`` and before every new record."""
    last_error: str | None = None
    version: int = 0
    """Counts the changes to ``events``: a screen redraws when it moved."""
    _events: list[ev.Event] = field(default_factory=list, repr=False)
    """The events in memory, in fold order: all of them, or those after ``_unread``."""
    _unread: tuple[int, bytes] | None = field(default=None, repr=False)
    """(bytes, their SHA-256): the start of the file, folded into ``state`` from a checkpoint
    (or streamed through the fold) and not kept in memory; ``events`` reads it on first use."""
    newest: ev.Event | None = None
    """The last event in fold order (known even when the events are not in memory)."""
    _recent_read: int = field(default=0, repr=False)
    """How many of the newest events ``_unread`` stands for are in memory already (a
    checkpoint's ``recent``, at the start of ``_events``): ``events`` does not take them twice."""
    _parsed: list[ev.Event] | None = field(default=None, repr=False)
    """The events ``_unread`` stands for, when the open that folded them kept them aside
    (``keep_parsed``): ``earlier_events`` gives them without reading the file again."""
    _checkpoint_due: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    """Writes the checkpoint of what the open folded, left for ``keep_checkpoint``."""
    _checkpoint_writing: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

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
        """A new, empty session file (or a session in another journal: ``path`` is then a
        ``cockpit.journals.JournalTarget``). Follow with ``configure`` and ``declare``."""
        clock = clock or SystemClock()
        target: Any = path if hasattr(path, "create") else None
        path = Path(path) if target is None else path
        head = {"session": header.pop("session", path.stem if target is None else target.name),
                "created": utc_ms(created or clock.now()), "drill": drill, **header}
        journal = Journal.create(path, head, mode=mode) if target is None else target.create(head, mode)
        return cls(journal, {"format": 1, **head}, clock, default_handle(handle))

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, clock: Clock | None = None,
             handle: str | None = None, read_only: bool = False,
             keep_events: bool = True, keep_parsed: bool = False,
             checkpoint_later: bool = False) -> Session:
        """Read a session; nothing is written by opening it, whatever it holds.

        A checkpoint (``cockpit.checkpoint``, in the user's cache folder) that matches the file
        lets it read and fold only what came after; otherwise the whole file is folded, and a
        checkpoint written for next time. ``keep_events`` False folds without keeping the events
        in memory (``status``, ``log``): ``events`` reads them when something asks.

        A screen opens with neither all the events nor the checkpoint's writing in its way:
        ``keep_parsed`` keeps aside the events a whole read parsed anyway, for
        ``earlier_events`` to give without reading the file a second time, and
        ``checkpoint_later`` leaves the checkpoint to ``keep_checkpoint``, once the screen is up
        (pickling a big fold costs a third of the read).

        ``path`` may also be a journal not yet loaded (``cockpit.journals.EventJournal``, e.g.
        a database session): it is read whole, without checkpoints."""
        if not isinstance(path, (str, os.PathLike)):
            session = cls(path, {}, clock or SystemClock(), default_handle(handle), read_only)
            session._read_journal()
            return session
        session = cls(Journal(path), {}, clock or SystemClock(), default_handle(handle), read_only)
        with collector.paused():
            if not session._resume(keep_events):
                session._read_whole(keep_events, keep_parsed)
        if not checkpoint_later:
            session.keep_checkpoint()
        return session

    def _resume(self, keep_events: bool) -> bool:
        """Fold on from a checkpoint; False when there is none this file can be trusted with."""
        path = self.journal.path
        saved = checkpoint.load(path)
        digest = checkpoint.verified(path, saved) if saved is not None else None
        if saved is None or digest is None:
            return False
        loaded = self.journal.load(start=saved.covered, last_seq=saved.last_seq, digest=digest)
        tail = sorted((ev.parse_event(r) for r in loaded.events), key=fold_key)
        if tail and saved.last is not None and fold_key(tail[0]) < fold_key(saved.last):
            self.journal = Journal(path)  # a back-filled event: its place is in the folded part
            return False
        self.header, self.recovery = saved.header, loaded.recovery
        self.problems = [*saved.problems, *loaded.problems]
        self.state, self.newest = fold(tail, saved.state), tail[-1] if tail else saved.last
        self._unread = (saved.covered, saved.digest)
        self._events, self._recent_read = [*saved.recent, *tail], len(saved.recent)
        if keep_events:
            self._events = self.events
        if self.journal.offset - saved.covered >= checkpoint.WORTH_KEEPING:
            self._make_checkpoint(digest, recent=self._events[-checkpoint.RECENT_KEPT:])
        return True

    def _read_whole(self, keep_events: bool, keep_parsed: bool = False) -> None:
        """Fold the file from its start, a piece at a time; in memory, only what is kept (a small
        file's events are always kept: reading them again later would cost more)."""
        info = _stat(self.journal.path)
        keep_events = keep_events or info is None or info.st_size < checkpoint.WORTH_KEEPING
        digest = hashlib.sha256()
        folding = WholeFold(keep_all=keep_events or keep_parsed, recent=checkpoint.RECENT_KEPT)
        loaded = self.journal.load(each=lambda records: folding.take(map(ev.parse_event, records)),
                                   digest=digest)
        self.header, self.recovery, self.problems = loaded.header, loaded.recovery, loaded.problems
        if not folding.finish():  # back-filled before what was kept: read it all again, kept
            self.journal = Journal(self.journal.path)
            self._read_whole(keep_events=True)
            return
        self.state, self.newest = folding.state, folding.newest
        if keep_events:
            self._events = folding.events
        else:  # the newest at hand for the screen; the earlier ones kept aside, or read on use
            self._unread = (self.journal.offset, digest.digest())
            self._events, self._recent_read = list(folding.recent), len(folding.recent)
            self._parsed = folding.events if keep_parsed else None
        if self.journal.offset >= checkpoint.WORTH_KEEPING:
            self._make_checkpoint(digest, info, recent=list(folding.recent))

    def _make_checkpoint(self, digest: Any, info: os.stat_result | None = None, *,
                         recent: list[ev.Event]) -> None:
        """A checkpoint of what was just folded, for the next command to start from; ``recent``:
        its newest events, in fold order. Made now (the state is immutable, the file may grow),
        written by ``keep_checkpoint``."""
        path = self.journal.path
        saved = checkpoint.Checkpoint(self.journal.offset, digest.digest(), self.header,
                                      self.state, self.journal.last_seq, self.newest,
                                      list(self.problems), tuple(recent))
        info = info or _stat(path)
        if info is not None:
            summary = checkpoint.summarise(path, self.state, self.header, info)
            self._checkpoint_due = lambda: checkpoint.save(path, saved, summary)

    def keep_checkpoint(self) -> None:
        """Write the checkpoint of what the open folded, if it made one and it is not written
        yet. Safe in another thread (it writes only the user's cache); a call while another
        thread writes returns once that is done, so a process ending then leaves it whole."""
        with self._checkpoint_writing:
            due, self._checkpoint_due = self._checkpoint_due, None
            if due is not None:
                due()

    @property
    def events(self) -> list[ev.Event]:
        """Every event, in fold order (``fold_key``). Those a checkpoint stood for are read on
        first use (``earlier_events``), once."""
        if self._unread is not None:
            self.adopt_earlier(self.earlier_events())
        return self._events

    @property
    def all_in_memory(self) -> bool:
        """Whether ``in_memory`` holds every event (else ``earlier_events`` reads the rest)."""
        return self._unread is None

    @property
    def in_memory(self) -> list[ev.Event]:
        """The events at hand without reading the file again: all of them, or the newest ones."""
        return self._events

    def earlier_events(self) -> list[ev.Event]:
        """The events a checkpoint stood for, read from the file (safe in another thread: it
        reads only). The file's start must still be what was folded: it is checked again. Those
        the open parsed and kept aside (``keep_parsed``) are given as they are."""
        if self._unread is None:
            return []
        if self._parsed is not None:
            return self._parsed
        end, expected = self._unread
        digest = hashlib.sha256()
        loaded = Journal(self.journal.path).load(stop=end, digest=digest)
        if digest.digest() != expected:
            raise JournalError(f"{self.journal.path}: the file changed under this seat (its first"
                               f" {end} bytes are not what was read); open it again")
        return sorted((ev.parse_event(r) for r in loaded.events), key=fold_key)

    def adopt_earlier(self, earlier: list[ev.Event]) -> None:
        """Put the events read by ``earlier_events`` before the ones in memory (all of them come
        earlier in the fold's order: a back-filled one made ``events`` read them first)."""
        if self._unread is None:
            return
        kept = self._events[:self._recent_read]  # the newest of them, in memory already
        if kept and [e.seq for e in earlier[-len(kept):]] == [e.seq for e in kept]:
            earlier = earlier[:-len(kept)]
        else:
            self._events = self._events[self._recent_read:]
        self._events = earlier + self._events
        self._unread, self._recent_read, self._parsed = None, 0, None
        self.version += 1

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
            if self.newest is not None and waiting.events[0].at < self.newest.at:
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
        new = self.journal.read_new(wait_for_lock=wait_for_lock)
        if self.journal.rebased:
            return self.reload()
        return self._absorb(new)

    def reload(self) -> list[ev.Event]:
        """Fold again from the journal's whole record: a journal back online has renumbered
        what this seat recorded offline (``cockpit.pgjournal``). Returns every event."""
        return self._read_journal()

    def _read_journal(self) -> list[ev.Event]:
        """Everything from a journal other than a file (``Session.open``, ``reload``)."""
        loaded = self.journal.load()
        self.header, self.recovery, self.problems = loaded.header, loaded.recovery, loaded.problems
        self._events, self._unread, self.newest, self.state = [], None, None, IncidentState()
        self._recent_read = 0
        return self._absorb(loaded.events)

    def _absorb(self, records: list[dict[str, Any]]) -> list[ev.Event]:
        return self._absorb_events([ev.parse_event(r) for r in records])

    def _absorb_events(self, new: list[ev.Event]) -> list[ev.Event]:
        """Put events in their place in time; fold on when they come last, else fold again
        (from every event: the ones a checkpoint stood for are read first)."""
        if not new:
            return new
        if self.newest is not None and min(fold_key(e) for e in new) < fold_key(self.newest):
            self.events  # noqa: B018 - a back-filled event: every earlier one is needed to fold
        events, state = self._events, self.state
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
        self.newest = events[-1]
        self.version += 1
        return new

    def close(self) -> None:
        self.journal.close()


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


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
    if hasattr(path, "for_incident"):  # another journal names its sessions (cockpit.journals)
        target: Any = path.for_incident(title, utc_ms(at or clock.now()))  # type: ignore[union-attr]
    else:
        target = Path(path) if path else new_session_path(title, utc_ms(at or clock.now()))
    session = Session.create(target, clock=clock, handle=handle, drill=drill, created=at, **header)
    refs = tuple(endpoints) if endpoints is not None else tuple(e.reference() for e in config.endpoints)
    opening = [ev.SessionConfigured(protocol=protocol.name, version=protocol_version(protocol.steps),
                                    steps=protocol.steps,
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
