"""Several seats on one incident: who polls the endpoints, who may write, and what a seat says.

Every seat (a ``cockpit open`` process) appends through the journal's lock and follows the file
with ``Session.refresh``, so nothing here coordinates writes. What the journal cannot decide:

- **One poller.** Only the seat holding :class:`PollerLease` polls the health endpoints; the others
  show health from the file. The lease is an ``flock`` on ``<session>.poller.lock``; the kernel
  drops it when the holder exits or dies (even by SIGKILL), so another seat retrying once per
  interval takes over within two intervals, without any heartbeat or stale-lock guessing.
- **Sharing with a team** of different Unix users: :func:`share_with_group`.
- **Telling a seat it lost a race**: :func:`already_decided` explains why an action recorded at
  the same moment as another seat's changed nothing ("already done by alice").
- **Not recording a change twice** when the poller changes hands: :func:`is_news`.

No Textual here: the app calls these, and the tests drive them from plain processes.
"""

from __future__ import annotations

import errno
import fcntl
import grp
import os
import shlex
import stat
from pathlib import Path

from cockpit.cli import UsageError
from cockpit.domain import events as ev
from cockpit.domain.state import IncidentState


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
        self._fd = fd
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
        """The lock file, created with the session file's permissions and group on first use."""
        try:
            return os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.error = _lock_failure(self.path, self.session_path, exc)
            return None
        try:
            info = os.stat(self.session_path)
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT, stat.S_IMODE(info.st_mode) & 0o666)
        except OSError as exc:
            self.error = _lock_failure(self.path, self.session_path, exc)
            return None
        try:
            os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o666)  # the umask must not narrow it
            os.fchown(fd, -1, info.st_gid)
        except OSError:
            pass  # not a member of the session's group: the lock still works for this user
        return fd


def _lock_failure(lock: Path, session: Path, exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot open {lock} ({exc.strerror}), so this seat will not poll the endpoints."
                f" The session's owner can fix it with `cockpit open {shlex.quote(str(session))}"
                f" --share-group GROUP`")
    return f"cannot open {lock}: {exc.strerror}; this seat will not poll the endpoints"


def share_with_group(path: str | os.PathLike[str], group: str) -> list[str]:
    """Let the members of ``group`` write the session: chgrp and g+rw on it and its lock file.

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
    targets = [session, lock]
    fix = (f"chgrp {shlex.quote(group)} {_quoted(targets)} && chmod g+rw {_quoted(targets)}")
    try:
        lock.touch(exist_ok=True)
        for target in targets:
            os.chown(target, -1, gid)
            os.chmod(target, stat.S_IMODE(os.stat(target).st_mode) | 0o060)
    except FileNotFoundError:
        raise ShareError(f"no session file at {session}") from None
    except OSError as exc:
        raise ShareError(
            f"cannot share {session} with group {group!r}: {exc.strerror}. Only the file's owner,"
            f" and only for a group they belong to, can do this; they can run: {fix}") from None
    return _folder_notes(session.parent, gid, group)


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


def already_decided(state: IncidentState, recorded: ev.Event) -> str | None:
    """Why ``recorded`` changed nothing because another seat got there first, or None.

    Two seats that check the same step at once both append ``step.done``; the fold keeps the first
    in file order. The app calls this with the state after recording and shows the answer, so
    the second seat reads "already done by alice at 04:12:03" instead of a silent no-op.
    """
    if not isinstance(recorded, (ev.StepDone, ev.StepSkipped)):
        return None
    step = state.find_step(recorded.step)
    progress = state.steps.get(recorded.step)
    if progress is None or (step is not None and step.recurring):
        return None
    if (progress.by, progress.at) == (recorded.by, recorded.at):
        return None
    verb = {"done": "done", "skipped": "skipped"}.get(progress.state)
    if verb is None or progress.at is None:
        return None
    return f"already {verb} by {progress.by} at {progress.at:%H:%M:%S}"


def is_news(state: IncidentState, endpoint: str, to: str) -> bool:
    """Whether a health change to ``to`` is not yet in the file.

    A seat that takes over polling starts its monitor from ``unknown``; its first conclusive probe
    would record "unknown → up" for an endpoint the file already shows up. Checking here keeps
    every change recorded once, whichever seat polled.
    """
    known = state.endpoints.get(endpoint)
    return (known.state if known else "unknown") != to
