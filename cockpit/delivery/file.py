"""A file the update is appended to: a log a team tails or a folder another tool watches.

Each update is one block (a header line with the time, audience and seq, the text, a blank
line), written by one ``write`` in append mode. The file is created 0600, and a link at the path
is refused, never followed; an existing file must be a plain file of this user.
"""

from __future__ import annotations

import asyncio
import errno
import os

from cockpit.delivery.attempt import NotSent, Sent, Update, said
from cockpit.files import PRIVATE, UnsafeFile, check_own
from cockpit.settings import FileDestination


def block(update: Update) -> str:
    stamp = update.posted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"== {stamp} {update.audience} update #{update.seq} by {update.by}\n{update.text.rstrip()}\n\n"


def _append(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE)
    try:
        check_own(fd, path, owners={os.geteuid()})  # type: ignore[arg-type]
        if os.write(fd, data) != len(data):
            raise OSError(errno.ENOSPC, "short write (disk full?)")
        os.fsync(fd)
    finally:
        os.close(fd)


async def send(update: Update, destination: FileDestination) -> Sent:
    path = os.fspath(destination.path.expanduser())
    try:
        await asyncio.to_thread(_append, path, block(update).encode("utf-8"))
    except UnsafeFile as exc:
        raise NotSent(said(exc.strerror or str(exc)), final=True) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotSent(f"{said(path)} is a link; refused", final=True) from None
        raise NotSent(f"cannot append to {said(path)}: {said(exc.strerror or str(exc))}",
                      final=exc.errno in (errno.EACCES, errno.EISDIR, errno.ENOENT)) from None
    return Sent(f"appended to {said(path)}")
