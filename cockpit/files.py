"""Files the cockpit creates beside a session: never through a link, never wider than asked.

Locks, seat files, torn and rescue files and reports are created with ``O_EXCL | O_NOFOLLOW``
(a planted symlink is refused, not followed) and get exactly the mode asked for (0600 by
default), whatever the umask.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

PRIVATE = 0o600


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
