"""A seat on a PostgreSQL journal, run as a real process by the journal tests.

``python pg_worker.py MODE URL NAME HANDLE [ARGS]``; one flushed line per fact the parent checks:

- ``write N``: record N notes as fast as it can; prints ``recorded <seq> <text>`` after each
  ``record`` returns (committed, or fsynced locally when the database is away), then ``done``.
- ``seat``: a seat on the event loop (``Seat``: following by LISTEN, notices); prints
  ``ready``, then ``seen <text>`` for each note of another seat, ``notice <text>`` for each
  notice; a line ``note TEXT`` on stdin records it (``recorded <seq> <text>``), ``texts`` prints
  ``texts <json list of the note texts in fold order>``, ``bye`` leaves.
- ``lease``: waits for the poller lease; prints ``waiting`` then ``held`` once it has it.
"""

from __future__ import annotations

import asyncio
import json
import sys

from cockpit.domain import events as ev
from cockpit.pgjournal import Database, PgJournal
from cockpit.seat import Seat
from cockpit.session import Session


def say(*parts: object) -> None:
    print(*parts, flush=True)


def notes(session: Session) -> list[str]:
    return [e.text for e in session.events if isinstance(e, ev.NoteAdded)]


async def seat_mode(session: Session) -> None:
    seen = set(notes(session))

    def changed() -> None:
        for text in notes(session):
            if text not in seen:
                seen.add(text)
                say("seen", text)

    seat = Seat(session, say=lambda notice: say("notice", " ".join(notice.text.split())),
                changed=changed)
    seat.join()
    seat.start_following()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    say("ready")
    while line := (await reader.readline()).decode().strip():
        word, _, rest = line.partition(" ")
        if word == "note":
            seen.add(rest)  # this seat's own: not "seen" when recording redraws
            recorded = seat.record(ev.NoteAdded(text=rest))
            say("recorded", recorded.seq if recorded else "-", rest)
        elif word == "texts":
            seat.follow()
            say("texts", json.dumps(notes(session)))
        elif word == "bye":
            break
    await seat.leave()
    session.close()


async def lease_mode(session: Session) -> None:
    lease = session.journal.lease()  # type: ignore[attr-defined]
    say("waiting")
    while not lease.try_acquire():
        await asyncio.sleep(0.05)
    say("held")
    await asyncio.Event().wait()


def main() -> None:
    mode, url, name, handle, *args = sys.argv[1:]
    session = Session.open(PgJournal(Database.parse(url), name), handle=handle)
    if mode == "write":
        for i in range(int(args[0])):
            text = f"{handle} {i}"
            say("recorded", session.record(ev.NoteAdded(text=text)).seq, text)
        session.close()
        say("done")
    elif mode == "seat":
        asyncio.run(seat_mode(session))
    elif mode == "lease":
        asyncio.run(lease_mode(session))


if __name__ == "__main__":
    main()
