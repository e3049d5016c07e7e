"""Several seats on one incident: who polls the endpoints, who may write, and what a seat says.

Every seat (a ``cockpit open`` process) appends through the journal's lock and follows the file
with ``Session.refresh``, so nothing here coordinates writes. What the journal cannot decide:

- **One poller.** Only the seat holding :class:`PollerLease` polls the health endpoints; the others
  show health from the file. The lease is an ``flock`` on ``<session>.poller.lock``; the kernel
  drops it when the holder exits or dies (even by SIGKILL), so another seat retrying once per
  interval takes over within two intervals, without any heartbeat or stale-lock guessing.
- **Who is watching**, even after a seat died without saying goodbye: :class:`SeatPresence`.
- **Sharing with a team** of different Unix users: :func:`share_with_group`.
- **Not recording a change twice** when the poller changes hands: :func:`health_news`.

No Textual here: the app calls these, and the tests drive them from plain processes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import grp
import json
import os
import secrets
import shlex
import stat
import time
from collections.abc import Callable
from pathlib import Path

from cockpit.errors import UsageError
from cockpit.files import UnsafeFile, check_own, open_side_file, side_folder
from cockpit.domain import events as ev
from cockpit.domain.state import IncidentState
from cockpit.session import Session


class ShareError(UsageError, ValueError):
    """Sharing a session with a group failed; the message names the command that fixes it."""


def poller_lock_path(session_path: str | os.PathLike[str]) -> Path:
    path = Path(session_path)
    return path.with_name(f"{path.name}.poller.lock")


class PollerLease:
    """The right to poll the endpoints of one session, held by at most one process at a time.

    ``try_acquire`` never blocks; a seat calls it once per polling interval until it succeeds and
    then keeps the lease for its lifetime (or until ``release``). When the lock file cannot even
    be opened (permissions), ``try_acquire`` returns False and ``error`` says what to run.
    """

    def __init__(self, session_path: str | os.PathLike[str]) -> None:
        self.session_path = Path(session_path)
        self.path = poller_lock_path(session_path)
        self._fd: int | None = None
        self.error: str | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = self._open()
        if fd is None:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd, self.error = fd, None
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None

    def __enter__(self) -> PollerLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _open(self) -> int | None:
        """The lock file, created with the session file's permissions and group on first use;
        never through a link, never someone else's."""
        try:
            return open_side_file(self.path, like=self.session_path)
        except OSError as exc:
            self.error = _lock_failure(self.path, self.session_path, exc)
            return None


def _lock_failure(lock: Path, session: Path, exc: OSError) -> str:
    if isinstance(exc, UnsafeFile):
        return f"{exc.strerror}; this seat will not poll the endpoints"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot open {lock} ({exc.strerror}), so this seat will not poll the endpoints."
                f" The session's owner can fix it with `cockpit open {shlex.quote(str(session))}"
                f" --share-group GROUP`")
    return f"cannot open {lock}: {exc.strerror}; this seat will not poll the endpoints"


PRESENCE_FOR = 5.0
"""Seconds one reading of the side folder stands for the header's watchers. A seat that comes or
goes cleanly changes the folder and shows at once; one that died keeps its file (only its lock
tells), so it leaves the header within this long."""


class SeatPresence:
    """Which seats are still there, even when one died without recording ``seat.left``.

    A seat killed by SIGKILL or a dropped SSH connection never says goodbye, and ``state.seats``
    would show it watching forever. So each seat keeps a small file in ``<session>.seats/``
    holding its handle, and holds an ``flock`` on it for as long as it runs; the kernel drops the
    lock when the process dies. The polling seat calls :func:`record_departures` once per interval,
    recording one ``seat.left`` for each seat that is gone.
    """

    def __init__(self, session_path: str | os.PathLike[str]) -> None:
        self.session_path = Path(session_path)
        self.folder = self.session_path.with_name(f"{self.session_path.name}.seats")
        self._fd: int | None = None
        self._mark: Path | None = None
        self._recent: tuple[int | None, float, list[tuple[str, bool]]] | None = None
        """The last reading of ``recent``: (the folder's mtime, when, what it said)."""

    def mark(self, handle: str, *, read_only: bool = False) -> bool:
        """Say this seat is here. False when the folder cannot be written (then it is not shown
        as departed either: only marked seats are ever reaped)."""
        if self._fd is not None:
            return True
        try:
            mode = stat.S_IMODE(os.stat(self.session_path).st_mode) & 0o666
            side_folder(self.folder, like=self.session_path)
            fd, name = self._locked_file(mode, json.dumps({"handle": handle, "read_only": read_only}))
        except OSError:
            return False
        self._fd, self._mark = fd, name
        return True

    def _locked_file(self, mode: int, content: str) -> tuple[int, Path]:
        """Write and lock under a temporary name, then rename: never seen unlocked."""
        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        draft = self.folder / f".{token}"
        fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.write(fd, content.encode())
            fcntl.flock(fd, fcntl.LOCK_SH)
            final = self.folder / f"{token}.seat"
            os.rename(draft, final)
        except OSError:
            os.close(fd)
            draft.unlink(missing_ok=True)
            raise
        return fd, final

    def clear(self) -> None:
        """This seat leaves (after recording ``seat.left``)."""
        if self._fd is not None:
            if self._mark is not None:
                self._mark.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = self._mark = None

    def present(self) -> list[tuple[str, bool]]:
        """(handle, read_only) of every seat alive now, this one included."""
        return sorted(seat[:2] for seat in self._seats() if seat[2])

    def recent(self, *, max_age: float = PRESENCE_FOR) -> list[tuple[str, bool]]:
        """``present()`` as of at most ``max_age`` seconds ago, read again at once when the folder
        changed: a clock ticking every second costs one ``stat``, not a listing and a lock probe
        of every seat's file."""
        try:
            stamp: int | None = self.folder.stat().st_mtime_ns
        except OSError:
            stamp = None
        now = time.monotonic()
        if self._recent is None or self._recent[0] != stamp or now - self._recent[1] >= max_age:
            self._recent = (stamp, now, self.present())
        return self._recent[2]

    def departed(self) -> list[tuple[str, bool]]:
        """(handle, read_only) of each seat that died: one per seat, so that a person watching
        from two screens still shows as watching when one of them dies.

        Their files are removed, so each departure is reported once.
        """
        return sorted(seat[:2] for seat in self._seats(reap=True) if not seat[2])

    def _seats(self, *, reap: bool = False) -> list[tuple[str, bool, bool]]:
        """(handle, read_only, alive) of each seat file, this one's first when it is not
        reaping; a dead seat's file is removed when ``reap`` (by the polling seat only)."""
        try:
            names = sorted(self.folder.glob("*.seat"))
        except OSError:
            return []
        if self._mark is not None and not reap and self._mark in names:
            names.remove(self._mark)
            own = _read_seat(self._mark)
            mine = [(own[0], own[1], True)] if own else []
        else:
            mine = []
        found = [seat for path in names if path != self._mark
                 for seat in [_probe(path, reap=reap)] if seat is not None]
        return mine + found


def record_departures(session: Session, presence: SeatPresence,
                      record: Callable[[ev.Event], ev.Event | None] | None = None) -> list[ev.Event]:
    """Record ``seat.left`` for every watching seat that died; the polling seat calls this once
    per interval, so the header stops showing seats that are gone.

    ``record`` is the seat's way of recording (the app's ``record``, which reports write errors
    and retries); ``session.record`` by default.
    """
    record = record or session.record
    left = [record(ev.SeatLeft(handle=handle, read_only=read_only))
            for handle, read_only in presence.departed() if handle in session.state.seats]
    return [event for event in left if event is not None]


def _parse_seat(data: bytes) -> tuple[str, bool] | None:
    try:
        info = json.loads(data)
        return str(info["handle"]), bool(info.get("read_only", False))
    except (ValueError, KeyError, TypeError):
        return None


def _read_seat(path: Path) -> tuple[str, bool] | None:
    try:
        return _parse_seat(path.read_bytes()[:4096])
    except OSError:
        return None


def _probe(path: Path, *, reap: bool) -> tuple[str, bool, bool] | None:
    """(handle, read_only, alive) of one seat file; a dead seat's file is removed if ``reap``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alive = False
        except BlockingIOError:
            alive = True
        seat = _parse_seat(os.pread(fd, 4096, 0))
        if seat is None:
            return None
        handle, read_only = seat
        if reap and not alive:
            with contextlib.suppress(OSError):
                path.unlink()
        return handle, read_only, alive
    finally:
        os.close(fd)


def share_with_group(path: str | os.PathLike[str], group: str) -> list[str]:
    """Let the members of ``group`` write the session: chgrp and g+rw on it, on its poller lock
    and on its seats folder.

    Returns notes about what still stands in the way (a folder the group cannot enter or write);
    raises :class:`ShareError` naming the command to run when the change itself is refused.
    """
    session = Path(path)
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        if not group.isdigit():
            raise ShareError(f"there is no Unix group named {group!r}; `getent group` lists them,"
                             " and your own are shown by `id -Gn`") from None
        gid = int(group)
    lock = poller_lock_path(session)
    seats = SeatPresence(session).folder
    targets = [session, lock, seats]
    fix = (f"chgrp {shlex.quote(group)} {_quoted(targets)} && chmod g+rw {_quoted(targets[:2])}"
           f" && chmod g+rwx {_quoted(targets[2:])}")
    try:
        for target in targets:  # the session first: nothing is created unless it may be shared
            _share_one(target, session, gid, folder=target == seats)
    except FileNotFoundError:
        raise ShareError(f"no session file at {session}") from None
    except UnsafeFile as exc:
        raise ShareError(f"cannot share {session}: {exc.strerror}. Remove it, then share again")\
            from None
    except OSError as exc:
        raise ShareError(
            f"cannot share {session} with group {group!r}: {exc.strerror}. Only the file's owner,"
            f" and only for a group they belong to, can do this; they can run: {fix}") from None
    return _folder_notes(session.parent, gid, group)


def _share_one(target: Path, session: Path, gid: int, *, folder: bool) -> None:
    """chgrp and g+rw (g+rwx for the folder) on one of the cockpit's own files, through a
    descriptor opened without following links: a planted link is refused, its target untouched."""
    if folder:
        side_folder(target, like=session)
        fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    elif target == session:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
    else:
        fd = open_side_file(target, like=session)
    try:
        info = check_own(fd, target, owners={os.geteuid()}, folder=folder)
        os.fchown(fd, -1, gid)
        os.fchmod(fd, stat.S_IMODE(info.st_mode) | (0o070 if folder else 0o060))
    finally:
        os.close(fd)


def _folder_notes(folder: Path, gid: int, group: str) -> list[str]:
    """What the group still lacks on the session's folder (entering it; writing torn-tail files)."""
    info = os.stat(folder)
    mode = stat.S_IMODE(info.st_mode)
    if info.st_gid == gid:
        enter, write = bool(mode & stat.S_IXGRP), bool(mode & stat.S_IWGRP)
    else:
        enter, write = bool(mode & stat.S_IXOTH), bool(mode & stat.S_IWOTH)
    where = shlex.quote(str(folder))
    if not enter:
        return [f"members of {group} cannot enter {folder}; run `chgrp {shlex.quote(group)} {where}"
                f" && chmod g+rwx {where}` (or move the session to a shared folder)"]
    if not write:
        return [f"members of {group} cannot create files in {folder}, so their seats cannot set"
                f" aside a torn event after a crash; run `chgrp {shlex.quote(group)} {where}"
                f" && chmod g+rwx {where}` to allow it"]
    return []


def _quoted(paths: list[Path]) -> str:
    return " ".join(shlex.quote(str(p)) for p in paths)


def health_news(state: IncidentState, change: ev.HealthChanged) -> ev.HealthChanged | None:
    """``change`` as the file should record it, or None when the file already says so.

    A seat that takes over polling starts its monitor from ``unknown``: its first conclusive probe
    reports "unknown -> up" for an endpoint the file already shows up (None: nothing to record),
    or "unknown -> up" for one the dead poller last saw down (recorded as "down -> up"). So every
    change lands once, with the right "from", whichever seat polled.
    """
    known = state.endpoints.get(change.endpoint)
    current = known.state if known else "unknown"
    if current == change.to:
        return None
    if current == change.from_:
        return change
    return change.model_copy(update={"from_": current})
