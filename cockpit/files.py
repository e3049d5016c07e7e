"""Files the cockpit creates beside a session: never through a link, never wider than asked.

Locks, seat files, torn and rescue files and reports are opened with ``O_NOFOLLOW`` (a planted
symlink is refused, not followed), created with ``O_EXCL`` where they are new, get exactly the
mode asked for (0600, folders 0700) whatever the umask, and an existing one is used only when it
is a plain file (or folder) belonging to this user or to the session's owner. ``--share-group``
widens the cockpit's own files only, through the same checks.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

PRIVATE = 0o600
PRIVATE_FOLDER = 0o700


class UnsafeFile(OSError):
    """A side file that is a link, not a plain file, or someone else's: refused, never followed."""


def create_private(path: str | os.PathLike[str], data: bytes, mode: int = PRIVATE) -> Path:
    """Write a new file holding ``data``, fsynced; refuses to replace anything, links included.

    On any failure nothing is left behind: no empty or half-written file."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)  # the umask must not widen or narrow what was asked for
        if os.write(fd, data) != len(data):
            raise OSError(errno.ENOSPC, "short write (disk full?)")
        os.fsync(fd)
    except OSError:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return path


def replace_private(path: str | os.PathLike[str], data: bytes, mode: int = PRIVATE) -> Path:
    """Write ``path`` whole (a report): a new private file renamed over it, so a link planted at
    ``path`` is replaced, never written through, and a reader never sees half of it."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.part-{os.getpid()}")
    partial.unlink(missing_ok=True)  # a stale or planted one: unlinking a link leaves its target
    create_private(partial, data, mode)
    try:
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return path


def make_folders(folder: str | os.PathLike[str], mode: int = PRIVATE_FOLDER) -> None:
    """``folder`` and its missing parents; the ones created here get ``mode``, whatever the umask.
    Folders that already exist are left as their owner set them."""
    folder = Path(folder)
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode)
        except FileExistsError:
            continue
        os.chmod(created, mode)


def check_own(fd: int, path: Path, *, owners: set[int], folder: bool = False) -> os.stat_result:
    """The open file's status, once it is known to be a plain file (or folder) of one of ``owners``."""
    info = os.fstat(fd)
    kind_ok = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    if not kind_ok:
        raise UnsafeFile(errno.EPERM, f"{path} is not a plain {'folder' if folder else 'file'}; refused")
    if info.st_uid not in owners:
        raise UnsafeFile(errno.EPERM, f"{path} belongs to another user; refused")
    return info


def open_side_file(path: Path, *, like: Path, flags: int = os.O_RDONLY) -> int:
    """Open (creating if needed) a side file of the session ``like``: never through a link, only
    when it is a plain file of this user or of the session's owner, with the session's mode bits
    (read/write only) and group when created."""
    session = os.stat(like)
    mode = stat.S_IMODE(session.st_mode) & 0o666
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        created = True
    except FileExistsError:
        fd = os.open(path, flags | os.O_NOFOLLOW)
        created = False
    try:
        check_own(fd, path, owners={os.geteuid(), session.st_uid})
        if created:
            os.fchmod(fd, mode)  # the umask must not narrow what the session allows
            try:
                os.fchown(fd, -1, session.st_gid)
            except OSError:
                pass  # not a member of the session's group: it still works for this user
    except OSError:
        os.close(fd)
        raise
    return fd


def side_folder(folder: Path, *, like: Path) -> None:
    """The folder of side files (seats) beside the session ``like``: created with the session's
    read/write bits plus x and its group; an existing one must be a real folder (not a link) of
    this user or of the session's owner."""
    session = os.stat(like)
    mode = stat.S_IMODE(session.st_mode) & 0o666
    mode |= (mode & 0o444) >> 2
    try:
        folder.mkdir(mode)
        created = True
    except FileExistsError:
        created = False
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        check_own(fd, folder, owners={os.geteuid(), session.st_uid}, folder=True)
        if created:
            os.fchmod(fd, mode)
            try:
                os.fchown(fd, -1, session.st_gid)
            except OSError:
                pass
    finally:
        os.close(fd)
