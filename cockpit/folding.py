"""Folding a session read from its start, in one pass, back-filled events included.

The fold takes events in their one order (``fold_key``: by time, then seq), and a file holds them
in the order they were written: an event recorded with an earlier ``at`` (a back-filled one, a
seat that was offline, a clock a little behind) comes after events it precedes. Reading the
whole file again to fold it in order doubled the cost of opening such a session.

Instead, every ``NOTE_EVERY`` events the state so far is noted (a reference: states are
immutable and share their parts, so a note costs nothing to keep) with the events folded since
it. A back-filled event is set aside; at the end the fold goes back to the last note before the
earliest of them, and folds what follows again, in order, without parsing anything twice. When
the events are not all kept (``cockpit status`` keeps none), only the last notes' events are:
a back-filled event older than those leaves the caller to read the file again.
"""

from __future__ import annotations

import bisect
from collections import deque
from datetime import datetime

from cockpit.domain import events as ev
from cockpit.domain.state import IncidentState, apply, fold

NOTE_EVERY = 2048
"""Events between two notes of the state: how far back a late event sends the fold, at most."""
NOTES_KEPT = 3
"""Notes (and their events) kept when the events are not all kept: a back-filled event up to
about four thousand events late still folds without a second read."""


def fold_key(event: ev.Event) -> tuple[datetime, int]:
    """The one order of events: by time, then by position in the file."""
    return event.at, event.seq


class WholeFold:
    """The state of the events taken so far, in fold order; ``finish`` places the late ones."""

    def __init__(self, *, keep_all: bool, recent: int) -> None:
        """``keep_all``: every event stays in ``events``; else only those the notes need.
        ``recent``: how many of the newest events ``recent`` gives."""
        self.state = IncidentState()
        self.newest: ev.Event | None = None
        self.events: list[ev.Event] = []
        """The events folded, in fold order, from the ``_first``-th on (all: from 0)."""
        self.recent: deque[ev.Event] = deque(maxlen=recent)
        self._keep_all = keep_all
        self._first = 0
        self._folded = 0
        self._notes: list[tuple[int, IncidentState]] = []
        """(how many events were folded, the state then), oldest first."""
        self._late: list[ev.Event] = []

    def take(self, events: list[ev.Event]) -> None:
        state, newest, kept, recent = self.state, self.newest, self.events, self.recent
        folded = self._folded
        for event in events:
            if newest is not None and fold_key(event) < fold_key(newest):
                self._late.append(event)
                continue
            if folded % NOTE_EVERY == 0:
                self._note(folded, state)
            state, newest = apply(state, event), event
            kept.append(event)
            recent.append(event)
            folded += 1
        self.state, self.newest, self._folded = state, newest, folded

    def _note(self, folded: int, state: IncidentState) -> None:
        self._notes.append((folded, state))
        if not self._keep_all and len(self._notes) > NOTES_KEPT:
            del self._notes[0]
            start = self._notes[0][0]
            del self.events[:start - self._first]
            self._first = start

    def finish(self) -> bool:
        """Fold the late events in their place. False when one belongs before every note kept:
        then the state is not the fold of what was taken, and the file must be read again."""
        if not self._late:
            return True
        late = sorted(self._late, key=fold_key)
        place = bisect.bisect_right(self.events, fold_key(late[0]), key=fold_key) + self._first
        notes = [note for note in self._notes if note[0] <= place]
        if not notes:
            return False
        start, state = notes[-1]
        kept = self.events[:start - self._first]
        again = sorted(self.events[start - self._first:] + late, key=fold_key)
        self.events = kept + again
        self.state = fold(again, state)
        self.newest = again[-1]
        self.recent.clear()
        self.recent.extend(again)  # the newest of them, as many as it holds
        self._late = []
        return True
