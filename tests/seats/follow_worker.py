"""A seat that follows its session file as the screen does (``Seat.start_following``), run as a
real process by tests/seats/test_following.py.

``python follow_worker.py follow SESSION HANDLE [--no-inotify]`` prints, flushed at once:

- ``ready <follows>`` once the seat follows (the watch in place, the first follow done);
- ``seen <follows> <text>`` for each note another seat appended, with how many times the seat
  had followed the file by then;
- ``said <title>: <text>`` for every notice the seat gives;
- ``follows <n>`` for a line ``count`` on stdin. It ends when stdin closes.

``--no-inotify`` makes inotify fail to start, as it does when the user's inotify instances are
exhausted.
"""

from __future__ import annotations

import asyncio
import errno
import sys

from cockpit import watch
from cockpit.domain import events as ev
from cockpit.seat import Seat
from cockpit.session import Session


def say(*parts: object) -> None:
    print(*parts, flush=True)


class CountingSeat(Seat):
    """A seat that counts its follows: polling would follow many times, a file event once."""

    follows = 0
    followed: asyncio.Event

    def follow(self, *, wait_for_lock: bool = True) -> list[ev.Event]:
        self.follows += 1
        self.followed.set()
        new = super().follow(wait_for_lock=wait_for_lock)
        for event in new:
            if isinstance(event, ev.NoteAdded):
                say("seen", self.follows, event.text)
        return new


def exhausted() -> None:
    raise OSError(errno.EMFILE, "Too many open files")


async def run(path: str, handle: str) -> None:
    loop = asyncio.get_running_loop()
    seat = CountingSeat(Session.open(path, handle=handle, read_only=True),
                        say=lambda notice: say(f"said {notice.title}: {' '.join(notice.text.split())}"))
    closed = asyncio.Event()

    def command() -> None:
        line = sys.stdin.readline()
        if not line:
            closed.set()
        elif line.strip() == "count":
            say("follows", seat.follows)

    loop.add_reader(0, command)
    seat.followed = asyncio.Event()
    seat.start_following()
    await seat.followed.wait()  # the watch is in place: it follows once at the start
    say("ready", seat.follows)
    await closed.wait()
    await seat.leave()


def main() -> None:
    _mode, path, handle, *options = sys.argv[1:]
    if "--no-inotify" in options:
        watch._inotify = exhausted
    asyncio.run(run(path, handle))


if __name__ == "__main__":
    main()
