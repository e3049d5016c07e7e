"""Sending each update to every destination of its audience, in the background, never losing it.

:class:`Deliveries` belongs to the seat (``Seat.start_delivering``). When the seat records an
``update.posted``, one task per destination delivers it; each attempt's outcome is recorded as
``update.delivered`` (through the seat, so a refused write is kept and retried like any other).
A failure waits and tries again (1, 2, 4 … up to 60 s, or as long as a 429's ``Retry-After``
asks), up to the destination's ``attempts``; an answer no retry can change (a bad token, an
archived channel) stops at once. Updates to one destination go in order, one at a time, so a
status page's incident is opened before it is updated.

Nothing is lost: an update without a successful delivery to a destination is tried again when
the seat that posted it opens the session again (``resume``), for updates of the last day.
Nothing blocks: the network is awaited on the seat's loop, mail and files in worker threads.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from cockpit.delivery import command, email, file, slack, statuspage, teams, webhook
from cockpit.delivery.attempt import NotSent, Sent, Update
from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.settings import Destination, UpdateSettings

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)
"""Seconds before the 2nd, 3rd … attempt; the last one repeats."""
RESUME_WITHIN = timedelta(days=1)
"""How old an undelivered update may be and still be sent when its seat comes back."""

Record = Callable[[ev.Event], ev.Event | None]
Tell = Callable[[str, str, str], object]
"""(title, text, tone): how the person at the seat is told (the seat's ``say``)."""


async def send_once(client: httpx.AsyncClient, update: Update, destination: Destination) -> Sent:
    """One attempt at one destination: Sent, or NotSent saying why."""
    match destination.kind:
        case "slack":
            return await slack.send(client, update, destination)
        case "teams":
            return await teams.send(client, update, destination)
        case "webhook":
            return await webhook.send(client, update, destination)
        case "statuspage":
            return await statuspage.send(client, update, destination)
        case "email":
            return await email.send(update, destination)
        case "file":
            return await file.send(update, destination)
        case "command":
            return await command.send(update, destination)
    raise NotSent(f"no way to deliver to a {destination.kind} destination", final=True)


@dataclass(frozen=True, slots=True)
class _Posted:
    seq: int
    text: str
    audience: str
    at: datetime
    by: str
    next_update_at: datetime | None


class Deliveries:
    """The deliveries of one seat: started by ``posted`` and ``resume``, ended by ``stop``."""

    def __init__(self, settings: UpdateSettings, session: Session, *, record: Record, tell: Tell,
                 backoff: tuple[float, ...] = BACKOFF) -> None:
        self.settings = settings
        self.session = session
        self.record = record
        self.tell = tell
        self.backoff = backoff
        self._tasks: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._client: httpx.AsyncClient | None = None
        self.started_at = session.now()

    @property
    def destinations(self) -> tuple[Destination, ...]:
        return self.settings.targets

    def posted(self, event: ev.UpdatePosted) -> None:
        """Deliver a just-recorded update to every destination of its audience."""
        posted = _Posted(event.seq, event.text, event.audience, event.at, event.by, event.next_update_at)
        for destination in self.settings.serving(event.audience):
            self._start(posted, destination)

    def resume(self) -> int:
        """Send again what this seat's person posted in the last day and a destination has not
        taken: where it failed, and where it was never tried while others were (the seat went
        before it got there). An update no destination was ever tried for was posted without
        deliveries (another config, ``cockpit log``): it is not sent now, out of the blue.
        Returns how many deliveries started."""
        state, now, started = self.session.state, self.session.now(), 0
        for entry in state.updates:
            if entry.by != self.session.handle or now - entry.at > RESUME_WITHIN:
                continue
            tried = state.deliveries.get(entry.seq, {})
            for destination in self.settings.serving(entry.audience):
                delivery = tried.get(destination.name)
                if delivery is not None and delivery.ok:
                    continue
                if delivery is None and not tried:
                    continue
                posted = _Posted(entry.seq, entry.text, entry.audience, entry.at, entry.by,
                                 entry.next_update_at)
                started += self._start(posted, destination)
        return started

    def written_late(self) -> int:
        """Deliver the updates this seat posted that the disk took only later (the seat retries
        refused writes): recorded now, never tried anywhere. Returns how many started."""
        state, started = self.session.state, 0
        for entry in state.updates:
            if (entry.by != self.session.handle or entry.at < self.started_at
                    or state.deliveries.get(entry.seq)):
                continue
            posted = _Posted(entry.seq, entry.text, entry.audience, entry.at, entry.by,
                             entry.next_update_at)
            for destination in self.settings.serving(entry.audience):
                started += self._start(posted, destination)
        return started

    def _start(self, posted: _Posted, destination: Destination) -> int:
        key = (posted.seq, destination.name)
        if key in self._tasks and not self._tasks[key].done():
            return 0
        task = asyncio.get_running_loop().create_task(
            self._deliver(posted, destination), name=f"deliver update {posted.seq} to {destination.name}")
        self._tasks[key] = task
        return 1

    def _update(self, posted: _Posted, destination: Destination) -> Update:
        """The update with the incident as it stands now: a status page resolves when we have."""
        state = self.session.state
        return Update(posted.seq, posted.text, posted.audience, posted.at, posted.by,
                      state.title, state.severity or "", state.status, self.session.name,
                      posted.next_update_at, state.remote_ids.get(destination.name, ""))

    async def _deliver(self, posted: _Posted, destination: Destination) -> None:
        lock = self._locks.setdefault(destination.name, asyncio.Lock())
        async with lock:
            before = self.session.state.deliveries.get(posted.seq, {}).get(destination.name)
            first = before.attempt if before is not None else 0
            for n in range(1, destination.attempts + 1):
                if self._client is None:
                    self._client = httpx.AsyncClient()
                try:
                    sent = await send_once(self._client, self._update(posted, destination), destination)
                except NotSent as exc:
                    failed = exc
                except Exception as exc:  # noqa: BLE001 - a sender's surprise is recorded, never lost in a log
                    # by its type only: its words may hold the URL, and with it the token
                    failed = NotSent(f"could not send: {type(exc).__name__}", final=True)
                else:
                    self._recorded(posted, destination, ok=True, detail=sent.detail, attempt=first + n,
                                   remote_id=sent.remote_id)
                    if n > 1:
                        self.tell("Update delivered", f"Update #{posted.seq} reached {destination.name}"
                                  f" after {n} attempts.", "information")
                    return
                last = failed.final or n == destination.attempts
                self._recorded(posted, destination, ok=False, detail=failed.detail,
                               attempt=first + n, final=last)
                wait = failed.wait if failed.wait is not None else self.backoff[min(n, len(self.backoff)) - 1]
                if last:
                    why = "no retry can change that" if failed.final else f"{n} attempts failed"
                    self.tell("Update not delivered", f"Update #{posted.seq} did not reach "
                              f"{destination.name}: {failed.detail}. Stopped ({why}); it is tried "
                              "again when you open the session again.", "error")
                    return
                if n == 1:
                    self.tell("Update not delivered yet", f"Update #{posted.seq} did not reach "
                              f"{destination.name}: {failed.detail}. Trying again in {wait:g} s "
                              f"(up to {destination.attempts} attempts).", "warning")
                await asyncio.sleep(wait)

    def _recorded(self, posted: _Posted, destination: Destination, **outcome: object) -> None:
        self.record(ev.UpdateDelivered(update=posted.seq, destination=destination.name, **outcome))

    async def settled(self) -> None:
        """Until every delivery started so far has finished (delivered or given up)."""
        while True:
            running = [t for t in self._tasks.values() if not t.done()]
            if not running:
                return
            await asyncio.wait(running)

    async def stop(self) -> None:
        """Cancel what is under way and close the connections. Each delivery cut short is
        recorded as not delivered, so the seat's return (``resume``) sends it again."""
        running = {key: t for key, t in self._tasks.items() if not t.done()}
        for task in running.values():
            task.cancel()
        for (seq, name), task in running.items():
            with contextlib.suppress(asyncio.CancelledError):
                await task
            before = self.session.state.deliveries.get(seq, {}).get(name)
            if before is None or not before.final:
                self.record(ev.UpdateDelivered(
                    update=seq, destination=name, ok=False, final=True,
                    attempt=(before.attempt if before else 0) + 1,
                    detail="not finished when the seat closed; sent again when it opens"))
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

