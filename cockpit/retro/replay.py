"""The replay cursor: the incident's state at any moment, through the live cockpit's own fold.

A cursor stands at a *position* (how many events, in file order, are folded in) and a *time*.
Seeking a time folds every event whose time is not after it; stepping moves one event at a time,
even when several events share a millisecond. States are immutable, so the cursor keeps one
every ``checkpoint_every`` events while it folds the session once; any seek then folds at most
that many events from the nearest checkpoint.

Events come in the one order every view folds them in (by ``at``, then ``seq``), so a
back-filled event takes its place in time; a time maps to every event not later than it.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.clock import Clock
from cockpit.domain.state import IncidentState, apply
from cockpit.journal import Journal, Recovery
from cockpit.narrate import Context, narrate
from cockpit.seat import Say, Seat
from cockpit.folding import fold_key
from cockpit.session import Session

CHECKPOINT_EVERY = 128
AFTERWARDS = ("retro.note", "seat.joined", "seat.left", "action.updated", "review.updated")
"""Kinds that can be recorded long after the incident; they do not stretch its time span."""


@dataclass
class SavedSession:
    """A session file read for a retrospective: its header and events, folded by whoever reads it.

    Reading parses the file once; the :class:`~cockpit.session.Session` (whose opening folds every
    event again) is opened only when something is to be written: a retro note, through
    ``Session.record``, the one write path.
    """

    path: Path
    header: dict[str, Any]
    events: list[ev.Event]
    recovery: Recovery | None = None
    problems: list[str] = field(default_factory=list)
    handle: str | None = None
    clock: Clock | None = None
    _seat: Seat | None = None

    @classmethod
    def read(cls, path: str | os.PathLike[str], *, handle: str | None = None,
             clock: Clock | None = None) -> SavedSession:
        loaded = Journal(path).load()
        events = sorted((ev.parse_event(record) for record in loaded.events), key=fold_key)
        return cls(Path(path), loaded.header, events, loaded.recovery, loaded.problems, handle, clock)

    @property
    def drill(self) -> bool:
        return bool(self.header.get("drill", False))

    def seat(self) -> Seat:
        """The seat that records retro notes, opened on first use: it retries what the disk
        refuses, and ``close`` rescues what is still not written."""
        if self._seat is None:
            self._seat = Seat(Session.open(self.path, clock=self.clock, handle=self.handle))
        return self._seat

    def close(self, say: Say | None = None) -> None:
        """Done: what the disk still refuses is saved beside the session, and ``say`` tells where."""
        if self._seat is not None:
            if say is not None:
                self._seat.say = say
            self._seat.rescue()
            self._seat.session.close()


@dataclass(frozen=True, slots=True)
class KeyMoment:
    """An event a retrospective stops at: the time bar marks it, ``[``/``]`` jump to it."""

    position: int
    """The cursor position that shows this event as the current one (its index + 1)."""
    at: datetime
    label: str
    """The event in the narrator's words, as the timeline says it."""


def is_key_moment(event: ev.Event, before: IncidentState) -> bool:
    """Whether a retrospective stops at ``event``: severity, status, trouble in health (not the
    first ``unknown → up`` looks), alerts, decisions, role changes, status updates and the key
    moments people marked."""
    if isinstance(event, (ev.IncidentDeclared, ev.SeverityChanged, ev.RoleAssigned, ev.RoleReleased)):
        return True
    if isinstance(event, ev.StatusChanged):
        return event.status != before.status
    if isinstance(event, ev.HealthChanged):  # trouble coming or going, not the first looks
        return event.from_ != event.to and bool({event.from_, event.to} & {"degraded", "down"})
    if isinstance(event, (ev.UpdatePosted, ev.MomentMarked)):
        return True
    if isinstance(event, ev.AlertFiring | ev.AlertResolved):
        alert = before.alerts.get(event.fingerprint)
        return (alert is not None and alert.firing) != isinstance(event, ev.AlertFiring)
    return isinstance(event, ev.NoteAdded) and event.tag == "decision"


def key_moment_label(event: ev.Event, before: IncidentState, context: Context | None = None) -> str | None:
    """What a key moment is called (the narrator's words for it), or None for other events."""
    return narrate(event, context) if is_key_moment(event, before) else None


class ReplayCursor:
    """Moves through a session's events; ``state`` is the fold of the events up to the cursor."""

    def __init__(self, events: Iterable[ev.Event], *, checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        self._every = checkpoint_every
        self._events: list[ev.Event] = []
        self._reach: list[datetime] = []
        """The latest time among the first i+1 events: non-decreasing, so times bisect it."""
        self._checkpoints: list[IncidentState] = [IncidentState()]
        """The state after ``k * checkpoint_every`` events, for each k."""
        self._tip = IncidentState()
        self.key_moments: list[KeyMoment] = []
        self.context = Context()
        """The record as the narrator knows it, for naming key moments."""
        self._span_end: datetime | None = None
        self.extend(events)
        self._position = 0
        self._time = self.start
        self._state = IncidentState()

    # -- growing -------------------------------------------------------------------------------

    def extend(self, events: Iterable[ev.Event]) -> None:
        """Add events appended since (a retro note just written, another seat's append)."""
        state = self._tip
        events = list(events)
        self.context.add(events)  # a release knows its handover's assignment, recorded just after it
        for event in events:
            label = key_moment_label(event, state, self.context)
            state = apply(state, event)
            self._events.append(event)
            latest = max(event.at, self._reach[-1]) if self._reach else event.at
            self._reach.append(latest)
            if label:
                self.key_moments.append(KeyMoment(len(self._events), event.at, label))
            if event.kind not in AFTERWARDS:
                self._span_end = latest
            if len(self._events) % self._every == 0:
                self._checkpoints.append(state)
        self._tip = state

    # -- what the cursor shows ------------------------------------------------------------------

    @property
    def events(self) -> Sequence[ev.Event]:
        return self._events

    def __len__(self) -> int:
        return len(self._events)

    @property
    def start(self) -> datetime:
        """When the record starts: the first event."""
        return self._events[0].at if self._events else ev.UNSET_TIME

    @property
    def end(self) -> datetime:
        """When the incident's record ends: its last event, leaving out retro notes and seats."""
        return self._span_end or self.start

    @property
    def position(self) -> int:
        return self._position

    @property
    def time(self) -> datetime:
        return self._time

    @property
    def state(self) -> IncidentState:
        return self._state

    @property
    def final_state(self) -> IncidentState:
        return self._tip

    @property
    def current(self) -> ev.Event | None:
        """The last event folded in: the timeline highlights it."""
        return self._events[self._position - 1] if self._position else None

    def elapsed(self) -> timedelta:
        """Time since the start of the record (the T+ clock of the replay)."""
        return self._time - self.start

    # -- states ---------------------------------------------------------------------------------

    def state_after(self, count: int) -> IncidentState:
        """The fold of the first ``count`` events, from the nearest checkpoint at or before it."""
        count = max(0, min(count, len(self._events)))
        if count == len(self._events):
            return self._tip
        base = count // self._every
        state = self._checkpoints[base]
        for event in self._events[base * self._every:count]:
            state = apply(state, event)
        return state

    def _fold_to(self, position: int) -> IncidentState:
        """Like ``state_after``, but playing forward folds on from the cursor's own state."""
        if self._position <= position < len(self._events) and \
                position - self._position < position % self._every:
            state = self._state
            for event in self._events[self._position:position]:
                state = apply(state, event)
            return state
        return self.state_after(position)

    def position_at(self, moment: datetime) -> int:
        """How many events the state at ``moment`` holds: none of them later than ``moment``."""
        return bisect_right(self._reach, moment)

    def state_at(self, moment: datetime) -> IncidentState:
        return self.state_after(self.position_at(moment))

    # -- moving ---------------------------------------------------------------------------------

    def seek(self, moment: datetime) -> IncidentState:
        """Stand at ``moment``: every event up to it is folded in."""
        self._move(self.position_at(moment), moment)
        return self._state

    def seek_position(self, position: int) -> IncidentState:
        """Stand just after the ``position``-th event (0: before the first), at its time."""
        position = max(0, min(position, len(self._events)))
        moment = self._reach[position - 1] if position else self.start
        self._move(position, moment)
        return self._state

    def advance(self, seconds: float) -> IncidentState:
        """Play: move time forward (or back) by ``seconds``, clamped to the record's span."""
        moment = self._time + timedelta(seconds=seconds)
        moment = min(max(moment, self.start), max(self.end, self._time))
        return self.seek(moment)

    @property
    def incident_length(self) -> int:
        """How many events the incident's record holds (retro notes written later stay out)."""
        return self.position_at(self.end)

    def next_event(self) -> IncidentState:
        """One event on, stopping at the incident's last event."""
        return self.seek_position(min(self._position + 1, max(self.incident_length, self._position)))

    def previous_event(self) -> IncidentState:
        return self.seek_position(self._position - 1)

    def next_key_moment(self) -> IncidentState:
        positions = [k.position for k in self.key_moments]
        index = bisect_right(positions, self._position)
        if index < len(positions) and positions[index] <= self.incident_length:
            return self.seek_position(positions[index])
        return self._state

    def previous_key_moment(self) -> IncidentState:
        positions = [k.position for k in self.key_moments]
        index = bisect_left(positions, self._position) - 1
        return self.seek_position(positions[index]) if index >= 0 else self.seek_position(0)

    def home(self) -> IncidentState:
        return self.seek_position(0)

    def to_end(self) -> IncidentState:
        """The last event of the incident (retro notes after it stay out of the picture)."""
        return self.seek_position(self.incident_length)

    def at_end(self) -> bool:
        return self._time >= self.end and self._position >= self.incident_length

    def _move(self, position: int, moment: datetime) -> None:
        if position != self._position:
            self._state = self._fold_to(position)
        self._position = position
        self._time = moment


def timeline_order(events: Sequence[ev.Event]) -> tuple[list[ev.Event], list[int]]:
    """The replay timeline's rows and, for each, the cursor position from which it shows.

    The record in fold order, except that a retro note with an ``about`` is shown at the time it
    is about (as a copy whose ``at`` is that time), right after the last event of the incident
    up to then: a retrospective reads it where it belongs in the story, not days later."""
    rows: list[tuple[int, int, int, ev.Event]] = []
    times: list[datetime] = []
    positions: list[int] = []
    placed = []
    for index, event in enumerate(events):
        if isinstance(event, ev.RetroNote) and event.about is not None:
            placed.append(event)
        else:
            rows.append((index + 1, 0, event.seq, event))
            times.append(event.at)
            positions.append(index + 1)
    for note in placed:
        before = bisect_right(times, note.about)  # type: ignore[arg-type]
        shows_from = positions[before - 1] if before else 1
        rows.append((shows_from, 1, note.seq, note.model_copy(update={"at": note.about})))
    rows.sort(key=lambda row: row[:3])
    return [row[3] for row in rows], [row[0] for row in rows]


_RELATIVE = re.compile(r"^T?\+\s*(?:(\d+):)?(\d{1,3}):(\d{2})$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*UTC)?$", re.IGNORECASE)


class NotATime(ValueError):
    """What was typed after ``g`` is neither T+mm:ss nor a clock time."""


def parse_goto(text: str, *, origin: datetime, start: datetime) -> datetime:
    """Where ``g`` goes: ``T+mm:ss`` / ``T+h:mm:ss`` after ``origin`` (the declaration), or a
    UTC clock time ``hh:mm[:ss]``: the first such moment from ``start`` (the next day's when the
    incident crossed midnight).
    """
    typed = text.strip()
    relative = _RELATIVE.match(typed)
    if relative:
        hours, minutes, seconds = (int(g or 0) for g in relative.groups())
        if seconds >= 60:
            raise NotATime(f"{typed!r}: seconds go up to 59")
        return origin + timedelta(hours=hours, minutes=minutes, seconds=seconds)
    clock = _CLOCK.match(typed)
    if clock:
        hour, minute, second = (int(g or 0) for g in clock.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise NotATime(f"{typed!r} is not a time of day")
        day = start.replace(hour=hour, minute=minute, second=second, microsecond=0)
        return day + timedelta(days=1) if day < start.replace(microsecond=0) else day
    raise NotATime(f"{typed!r} is not a time: type T+12:30 (after the declaration) or 04:31[:05] (UTC)")
