"""Waking a seat when its session file changes: inotify where it works, polling where it cannot.

Seats see each other through one append-only file (``cockpit.journal``). Polling it made every
idle seat wake four times a second and a peer's append wait for the next poll; an inotify
watch costs nothing until the kernel says the file changed, and it says so within a millisecond.

The folder is watched, not the file, and events are picked by the file's name: a file replaced
(written elsewhere and renamed over) or moved away and back is still followed. A burst of
appends is one wake-up: every event already queued is read before waking the follower, so it
reads the file once for all of them.

Where inotify is missing (not Linux, the package absent), cannot start (instances or watches
exhausted), or would miss changes (a network file system: another host's appends raise no
local event), or the watched folder goes away, :class:`FileWatch` polls instead and says why
once, through ``fallback``.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.25
"""How often a seat that cannot watch its file reads it instead."""
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "lustre", "afs", "gpfs",
    "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.glusterfs", "fuse.ceph"})
"""File systems where a change made on another host raises no inotify event here."""


def _inotify() -> Any:
    """A started inotify instance (``inotify_simple.INotify``); raises OSError or ImportError."""
    from inotify_simple import INotify  # only a seat that follows loads it

    return INotify(nonblocking=True)


def network_file_system(path: Path) -> str | None:
    """The type of the network file system ``path`` is on, if it is on one (``/proc`` says)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None
    target, best, kind = str(path.resolve()), "", None
    for line in lines:
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        point = fields[4].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, line.split(" - ", 1)[1].split()[0]
    return kind if kind in NETWORK_FILE_SYSTEMS else None


class FileWatch:
    """The changes of one file, as an async iterator: ``async for _ in watch.changes()``.

    It yields once as soon as the watch is in place (what was appended before is read then),
    then once per burst of changes to the file (or every ``poll_seconds`` when polling).
    """

    def __init__(self, path: str | os.PathLike[str], *, poll_seconds: float = POLL_SECONDS,
                 fallback: Callable[[str], object] | None = None) -> None:
        self.path = Path(path)
        self._target = self.path
        """The file itself, once a link to it is resolved: its folder is the one watched."""
        self.poll_seconds = poll_seconds
        self.fallback = fallback or (lambda why: None)
        self.polling: str | None = None
        """Why this watch polls (None while inotify watches)."""

    async def changes(self) -> AsyncIterator[None]:
        inotify = self._start()
        if inotify is not None:
            try:
                async for _ in self._events(inotify):
                    yield
            finally:
                inotify.close()
        yield  # what changed while the watch went away
        while True:
            await asyncio.sleep(self.poll_seconds)
            yield

    def _start(self) -> Any:
        self._target = self.path.resolve()
        folder = self._target.parent
        from_afar = network_file_system(folder)
        if from_afar:
            return self._poll_because(f"{folder} is on {from_afar}, a network file system where"
                                      " changes from other hosts raise no event")
        try:
            inotify = _inotify()
        except ImportError:
            return self._poll_because("inotify is not available here")
        except OSError as exc:
            return self._poll_because(f"cannot start inotify ({_why(exc)})")
        from inotify_simple import flags

        try:  # appends are MODIFY; a file renamed over it is MOVED_TO; the folder going, *_SELF
            inotify.add_watch(folder, flags.MODIFY | flags.CLOSE_WRITE | flags.MOVED_TO
                              | flags.CREATE | flags.MOVE_SELF | flags.DELETE_SELF)
        except OSError as exc:
            inotify.close()
            return self._poll_because(f"cannot watch {folder} ({_why(exc)})")
        return inotify

    def _poll_because(self, why: str) -> None:
        self.polling = why
        self.fallback(why)

    async def _events(self, inotify: Any) -> AsyncIterator[None]:
        """Once at the start, then once per batch of queued events that name the file; ends
        (after saying so) when the folder itself is moved or removed."""
        from inotify_simple import flags

        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        loop.add_reader(inotify.fileno(), ready.set)
        try:
            yield
            while True:
                await ready.wait()
                ready.clear()
                events = inotify.read(timeout=0)
                masks = 0
                for event in events:
                    masks |= event.mask
                if masks & (flags.IGNORED | flags.MOVE_SELF | flags.DELETE_SELF):
                    self._poll_because(f"{self._target.parent} was moved or removed")
                    return
                if masks & flags.Q_OVERFLOW or any(e.name == self._target.name for e in events):
                    yield
        finally:
            loop.remove_reader(inotify.fileno())


def _why(exc: OSError) -> str:
    """An inotify failure in words, with the limit to raise when it is one."""
    limits = {errno.EMFILE: "fs.inotify.max_user_instances", errno.ENOSPC: "fs.inotify.max_user_watches"}
    said = exc.strerror or str(exc)
    return f"{said}; the limit is {limits[exc.errno]}" if exc.errno in limits else said
