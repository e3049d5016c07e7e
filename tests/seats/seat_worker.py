"""A seat without a screen, run as a real process by the seat tests.

Modes (``python seat_worker.py MODE SESSION HANDLE ...``), each printing one line per fact the
parent checks, flushed at once so a SIGKILL loses nothing already said:

- ``write N``: record N notes as fast as it can; prints ``<seq> <text>`` after each ``record``
  returns (that is: after it reached the disk).
- ``seat``: follow the file every 250 ms like the app does; prints ``seen <seq> <by> <text>``
  for other seats' notes; a line ``note TEXT``, ``done STEP`` or ``severity SEVn`` on stdin records
  it and prints ``recorded <seq>`` (plus ``already ...`` when another seat got there first);
  ``digest`` prints ``digest <last seq> <fingerprint of the folded state>``.
- ``poll URL INTERVAL``: a seat that polls URL only while it holds the poller lease, recording
  health changes the file does not know yet; prints ``lease`` when it takes the lease over.
- ``retry``: record one note; on a write error print ``error <message>``, then wait for a line
  on stdin and retry; prints ``recorded <seq>`` when it lands.
- ``lease``: try the poller lease once; prints ``held`` or ``error <message>``.
- ``presence [--read-only]``: mark this seat present, print ``marked``; a line ``bye`` on stdin
  clears the mark (prints ``cleared``), as a seat leaving normally does.
"""

from __future__ import annotations

import hashlib
import os
import select
import sys
import time
import urllib.request

from cockpit.domain import events as ev
from cockpit.journal import JournalWriteError
from cockpit.seats import PollerLease, SeatPresence, health_news
from cockpit.session import Conflict, Session


def say(*parts: object) -> None:
    print(*parts, flush=True)


def write(session: Session, count: int) -> None:
    for i in range(count):
        text = f"{session.handle} {i}"
        say(session.record(ev.NoteAdded(text=text)).seq, text)


COMMANDS = {
    "note": lambda arg: ev.NoteAdded(text=arg),
    "done": lambda arg: ev.StepDone(step=arg),
    "severity": lambda arg: ev.SeverityChanged(severity=arg, reason="seat test"),
    "commander": lambda arg: ev.RoleAssigned(role="commander", handle=arg),
}


def digest(state: object) -> str:
    """A fingerprint of the whole folded state, to compare seats without sending it over.

    Times read back from the file carry pydantic's UTC object, times a seat stamped itself carry
    ``timezone.utc``: equal, but spelled differently by ``repr``, so the spelling is unified.
    """
    text = repr(state).replace("TzInfo(UTC)", "datetime.timezone.utc")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seat(session: Session) -> None:
    say("ready")
    while True:
        for event in session.refresh():
            if isinstance(event, ev.NoteAdded):
                say("seen", event.seq, event.by, event.text)
        readable, _, _ = select.select([0], [], [], 0.25)
        if not readable:
            continue
        data = os.read(0, 65536).decode()
        if not data:
            return
        for line in data.splitlines():
            command, _, arg = line.strip().partition(" ")
            if command == "digest":
                session.refresh()
                say("digest", session.state.last_seq, digest(session.state))
                continue
            try:
                recorded = session.record(COMMANDS[command](arg))
            except Conflict as exc:
                say("refused", exc)
                continue
            say("recorded", recorded.seq)


def poll(session: Session, url: str, interval: float) -> None:
    lease = PollerLease(session.path)
    say("ready")
    while True:
        started = time.monotonic()
        session.refresh()
        if not lease.held and lease.try_acquire():
            say("lease")
        if lease.held:
            request = urllib.request.Request(url, headers={"X-Seat": session.handle})
            with urllib.request.urlopen(request, timeout=30) as response:  # a busy machine
                to = "up" if response.status == 200 else "down"
            # a fresh monitor's view: every seat starts from "unknown"
            change = health_news(session.state, ev.HealthChanged(endpoint="api", from_="unknown", to=to))
            if change is not None:
                session.record(change)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


def retry(session: Session) -> None:
    try:
        say("recorded", session.record(ev.NoteAdded(text="kept while the disk refused")).seq)
        return
    except JournalWriteError as exc:
        say("error", exc)
    while sys.stdin.readline():
        try:
            session.retry_pending()
        except JournalWriteError as exc:
            say("error", exc)
            continue
        say("recorded", session.events[-1].seq)
        return


def lease(session: Session) -> None:
    mine = PollerLease(session.path)
    say("held" if mine.try_acquire() else f"error {mine.error}")


def presence(session: Session, read_only: bool) -> None:
    mine = SeatPresence(session.path)
    say("marked" if mine.mark(session.handle, read_only=read_only) else "unmarked")
    if sys.stdin.readline().strip() == "bye":
        mine.clear()
        say("cleared")
        sys.stdin.readline()


def main() -> None:
    mode, path, handle, *rest = sys.argv[1:]
    session = Session.open(path, handle=handle)
    if mode == "write":
        write(session, int(rest[0]))
    elif mode == "seat":
        seat(session)
    elif mode == "poll":
        poll(session, rest[0], float(rest[1]))
    elif mode == "retry":
        retry(session)
    elif mode == "lease":
        lease(session)
    elif mode == "presence":
        presence(session, read_only=rest == ["--read-only"])


if __name__ == "__main__":
    main()
