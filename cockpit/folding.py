"""Folding a session read from its start, in one pass, back-filled events included.

The fold takes events in their one order (``fold_key``: by time, then seq), and a file holds them
in the order they were written: an event recorded with an earlier ``at`` (a back-filled one, a
seat that was offline, a clock a little behind) comes after events it precedes. Reading the
whole file again to fold it in order doubled the cost of opening such a session.

Instead, when the events are kept anyway (a screen's open, ``keep_events``), every
``NOTE_EVERY`` events the state so far is noted (a reference: states are immutable and share
their parts, so a note costs nothing to keep). A back-filled event is set aside; at the end the
fold goes back to the last note before the earliest of them, and folds what follows again, in
order, without parsing anything twice. When they are not kept (``cockpit status``), keeping
some for this would cost every read more (fresh memory for each event, rather than the memory
the last one freed) than the second read costs the rare session that needs it.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable
from datetime import datetime

from cockpit.domain import events as ev
from cockpit.domain.state import IncidentState, apply, fold

NOTE_EVERY = 2048
"""Events between two notes of the state: how far back a late event sends the fold, at most."""


def fold_key(event: ev.Event) -> tuple[datetime, int]:
    """The one order of events: by time, then by position in the file."""
    return event.at, event.seq


class WholeFold:
    """The state of the events taken so far, in fold order; ``finish`` places the late ones."""

    def __init__(self, *, keep_all: bool, recent: int) -> None:
        """``keep_all``: every event stays in ``events`` (else none does), and late ones fold in
        their place. ``recent``: how many of the newest events ``recent`` gives."""
        self.state = IncidentState()
        self.newest: ev.Event | None = None
        self.events: list[ev.Event] = []
        """Every event folded, in fold order, when they are all kept."""
        self.recent: deque[ev.Event] = deque(maxlen=recent)
        self._keep_all = keep_all
        self._folded = 0
        self._notes: list[tuple[int, IncidentState]] = []
        """(how many events were folded, the state then), oldest first."""
        self._late: list[ev.Event] = []

    def take(self, events: Iterable[ev.Event]) -> None:
        """Fold ``events`` on, setting aside those that come before the newest one folded. The
        loop runs once per event of a session, so the order is ``fold_key`` written inline."""
        state, newest, recent, keep_all = self.state, self.newest, self.recent, self._keep_all
        kept, late, notes, folded = self.events.append, self._late.append, self._notes, self._folded
        last = fold_key(newest) if newest is not None else None
        for event in events:
            key = event.at, event.seq
            if last is not None and key < last:
                late(event)
                continue
            if keep_all:
                if folded % NOTE_EVERY == 0:
                    notes.append((folded, state))
                kept(event)
            state, newest, last = apply(state, event), event, key
            recent.append(event)
            folded += 1
        self.state, self.newest, self._folded = state, newest, folded

    def finish(self) -> bool:
        """Fold the late events in their place. False when they cannot be, the events not being
        kept: then the state is not the fold of what was taken, and the file must be read again."""
        if not self._late:
            return True
        if not self._keep_all:
            return False
        late = sorted(self._late, key=fold_key)
        place = bisect.bisect_right(self.events, fold_key(late[0]), key=fold_key)
        start, state = [note for note in self._notes if note[0] <= place][-1]  # the first is at 0
        again = sorted(self.events[start:] + late, key=fold_key)
        self.events[start:] = again
        self.state = fold(again, state)
        self.newest = again[-1]
        self.recent.clear()
        self.recent.extend(again)  # the newest of them, as many as it holds
        self._late = []
        return True

