"""The session file journal: one TOML file per incident, append-only (docs/session-format.md).

- ``create`` writes the ``[cockpit]`` header once, mode 0600, and fsyncs it; a file that could
  not be written whole is removed.
- ``load`` and ``read_new`` only read (``cockpit.records`` says what is complete): reading never
  writes, whoever reads.
- ``append`` takes an exclusive ``flock``, reads what other seats appended since, lets the caller
  decide under the lock what to write (``prepare``), assigns ``seq`` (one more than the highest
  in the file), writes in one ``write()`` and fsyncs. Only there, under the lock, is a torn tail
  (a crash mid-append) set aside in a ``.torn-…`` file next to the session; when the folder
  refuses that file, the append goes after the torn bytes, which then cost only themselves.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cockpit import records as rec
from cockpit.errors import EXIT_FAILURE, EXIT_USAGE, CockpitError
from cockpit.files import create_private, make_folders
from cockpit.tomlfmt import event_block, toml_table_lines

FORMAT = rec.FORMAT
READ_AT_ONCE = 1 << 20
"""Bytes ``read_new`` parses in one call at most (unless one event is bigger): ~a few ms."""
EVENT_START = b"\n[[events]]\n"
Prepare = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
"""Called under the lock with the records other seats appended since this process last looked;
returns the records to write now (none to write nothing). It may raise to write nothing."""


class JournalError(CockpitError):
    """A session file that cannot be read: the message is meant for people (exit code 2)."""

    exit_code = EXIT_USAGE


class JournalWriteError(JournalError):
    """An append that did not reach the disk (full disk, read-only file, permissions)."""

    exit_code = EXIT_FAILURE


@dataclass(frozen=True)
class Recovery:
    """A torn last event: where it starts, how long, and where it went (None: still in place)."""

    offset: int
    torn_bytes: int
    saved_to: Path | None = None

    def describe(self) -> str:
        if self.saved_to:
            return (f"recovered a torn last event: {self.torn_bytes} bytes at byte {self.offset}"
                    f" saved to {self.saved_to}")
        return (f"a torn last event ({self.torn_bytes} bytes at byte {self.offset}) is not read;"
                " it stays in the file until a seat that records sets it aside")


@dataclass
class Loaded:
    header: dict[str, Any]
    events: list[dict[str, Any]]
    recovery: Recovery | None = None
    problems: list[str] = field(default_factory=list)


class Journal:
    """One session file, as seen by one process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._offset = 0
        """Bytes of the file already returned to this process (the end of a complete piece)."""
        self._last_seq = 0
        self.problems: list[str] = []
        """Damage met while following or appending, said once each (the seat shows them)."""
        self.recovery: Recovery | None = None
        """The torn tail this process set aside, if it did."""
        self.caught_up = True
        """False when ``read_new`` left something for the next call: part of a big append, or
        an append a writer still held the lock on (``locked_out``)."""
        self.locked_out = False
        self._identity: tuple[int, int] | None = None
        """The file (device, inode) this process read: another one renamed over it is noticed."""
        self.rebased = False
        """Always False here: a file never renumbers what it holds (``cockpit.journals``)."""
        self.offline_reason: str | None = None
        """Always None here: a file is never out of reach the way a database is."""

    # -- creating ------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], header: dict[str, Any],
               mode: int = 0o600) -> Journal:
        """Write a new session file with its header; refuses to overwrite an existing file, and
        leaves nothing behind when the disk refuses it."""
        path = Path(path)
        header = {"format": FORMAT, **header}
        data = ("[cockpit]\n" + "\n".join(toml_table_lines(header)) + "\n").encode("utf-8")
        try:
            make_folders(path.parent)  # a folder made here is 0700: titles are in file names
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        except FileExistsError:
            raise JournalError(f"{path} already exists; open it with `cockpit open {path}`") from None
        except OSError as exc:
            raise JournalWriteError(f"cannot create {path}: {exc.strerror}") from None
        try:
            os.fchmod(fd, mode)  # the umask must not widen or narrow what was asked for
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, "short write (disk full?)")
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise JournalWriteError(_write_failure(path, exc)) from None
        identity = _identity(os.fstat(fd))
        os.close(fd)
        journal = cls(path)
        journal._offset = len(data)
        journal._identity = identity
        return journal

    def remove(self) -> None:
        """Take back a session this process just created and could not complete."""
        self.close()
        self.path.unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------------

    def load(self, *, start: int = 0, stop: int | None = None, last_seq: int = 0,
             each: Callable[[list[dict[str, Any]]], None] | None = None,
             digest: Any = None) -> Loaded:
        """Read the file from byte ``start`` (0: all of it, header first) up to ``stop`` (None:
        its end), without writing anything; ``read_new`` follows from where it ends.

        The file is read a piece at a time (about ``READ_AT_ONCE`` bytes, cut at an event's
        start), so memory stays bounded whatever its size: with ``each``, every piece's records go
        to it and are not kept. ``start`` and ``last_seq`` resume where a checkpoint stopped;
        ``digest`` (a hashlib object) is fed every byte read as complete events, so the caller can
        tell what exactly was read. Every complete event is returned, in file order. Damaged
        events in the middle and events that cannot be placed in time are left out and named in
        ``problems``; a torn tail is described by ``recovery`` (``saved_to`` None: it is still in
        the file)."""
        self._last_seq = last_seq
        header: dict[str, Any] = {}
        records: list[dict[str, Any]] = []
        problems: list[str] = []
        offset, carry = start, b""
        with self._open_for_reading() as handle:
            with contextlib.suppress(OSError):
                self._identity = _identity(os.fstat(handle.fileno()))
            handle.seek(start)
            while True:
                want = READ_AT_ONCE if stop is None else min(READ_AT_ONCE, stop - offset - len(carry))
                chunk = handle.read(want) if want > 0 else b""
                data, last = carry + chunk, not chunk
                cut = len(data) if last else data.rfind(EVENT_START) + 1
                if cut <= 0 and not last:  # no event starts in it yet: read on
                    carry = data
                    continue
                try:
                    parsed = rec.read(data[:cut], offset, first=offset == 0)
                    if offset == 0:
                        header = rec.check_header(parsed.tables)
                except rec.HeaderError as exc:
                    raise JournalError(f"{self.path}: {exc}") from None
                got, found = self._checked(parsed)
                problems += found
                if each is not None:
                    each(got)
                else:
                    records += got
                if digest is not None:
                    digest.update(data[:parsed.end - offset])
                carry, offset = data[parsed.end - offset:], parsed.end
                if last:
                    break
        recovery = Recovery(offset, len(carry)) if carry.strip() else None
        self._offset = offset
        return Loaded(header, records, recovery, problems)

    def _open_for_reading(self) -> Any:
        try:
            return open(self.path, "rb")  # noqa: SIM115 - closed by the caller's ``with``
        except FileNotFoundError:
            raise JournalError(f"{self.path}: no such session file") from None
        except IsADirectoryError:
            raise JournalError(f"{self.path} is a folder, not a session file") from None
        except PermissionError:
            raise JournalError(
                f"cannot read {self.path}: permission denied. Its owner can let a team open it"
                f" with `cockpit open {shlex.quote(str(self.path))} --share-group GROUP`") from None
        except OSError as exc:
            raise JournalError(f"cannot read {self.path}: {exc.strerror}") from None

    def _checked(self, parsed: rec.Parsed) -> tuple[list[dict[str, Any]], list[str]]:
        """The records ready to fold, and every problem met (the parse's and the records')."""
        checked = rec.checked(parsed.records, self._last_seq)
        self._last_seq = checked.highest
        return checked.records, [*parsed.problems, *checked.problems]

    def read_new(self, *, wait_for_lock: bool = True) -> list[dict[str, Any]]:
        """Complete events appended (by any process) since this process last read or wrote.

        A writer holds the lock for its write and fsync: ``wait_for_lock`` waits a few ms for
        it; without, a locked file is at once ``locked_out`` (a caller on an event loop waits
        for it there).

        At most about ``READ_AT_ONCE`` bytes are read per call, cut at an event's start, so a
        big append never holds the seat's event loop for long: ``caught_up`` is False while
        more is waiting. Damage met on the way is added to ``problems``; it never stops the
        following."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return []
        self._notice_replaced(stat)
        size = stat.st_size
        self.caught_up, self.locked_out = True, False
        if size <= self._offset:
            return []
        with open(self.path, "rb") as handle:
            # A shared lock keeps a writer from truncating a torn tail under this read. A writer
            # holds the lock for one write + fsync (a few ms), so wait that long; a lock held
            # longer (a hung disk) must not freeze the seat's screen, and just means "next time".
            if not _lock_shared_briefly(handle.fileno(), attempts=10 if wait_for_lock else 1):
                self.caught_up, self.locked_out = False, True
                return []
            handle.seek(self._offset)
            chunk = handle.read(READ_AT_ONCE + 1)
            if len(chunk) > READ_AT_ONCE:
                cut = chunk.rfind(EVENT_START, 0, READ_AT_ONCE)
                if cut > 0:
                    chunk, self.caught_up = chunk[:cut + 1], False
                else:  # one event bigger than that: read it whole
                    chunk += handle.read()
        return self._consume(chunk, self._offset)

    def wait_unlocked(self) -> None:
        """Return once no writer holds the lock: blocking, for a thread (a seat waiting for the
        writer whose append it was told of). The shared lock is let go at once."""
        with open(self.path, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)

    def _notice_replaced(self, stat: os.stat_result) -> None:
        """Another file renamed over the session is said once and followed from where this
        process was; this process's appends go to it, not to the file it replaced."""
        identity = _identity(stat)
        if self._identity is None or identity == self._identity:
            self._identity = identity
            return
        self._identity = identity
        self.close()
        note = (f"the file was replaced (another file was renamed over it); this seat follows"
                f" the new file from byte {self._offset}")
        if stat.st_size < self._offset:
            note += ", but it is shorter than what this seat had read: open it again to see it"
        self.problems.append(note)

    def _consume(self, chunk: bytes, base: int) -> list[dict[str, Any]]:
        """The complete events in ``chunk`` (read at offset ``base``); advances past them."""
        try:
            parsed = rec.read(chunk, base, first=base == 0)
            if base == 0:
                rec.check_header(parsed.tables)
        except rec.HeaderError as exc:
            raise JournalError(f"{self.path}: {exc}") from None
        records, problems = self._checked(parsed)
        for problem in problems:
            if problem not in self.problems:
                self.problems.append(problem)
        self._offset = parsed.end
        return records

    # -- writing -------------------------------------------------------------------------------

    def append(self, record: dict[str, Any] | list[dict[str, Any]], *,
               prepare: Prepare | None = None) -> list[dict[str, Any]]:
        """Append events; returns the events new to this process: other seats' first, then these.

        Records carry no ``seq``: it is assigned under the lock. With ``prepare`` the caller
        sees the other seats' events under the lock and returns what to write then (they are
        handed to ``prepare`` only, and not returned again). On failure nothing partial is left
        in the file and :class:`JournalWriteError` says why.
        """
        fd = self._writer()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise JournalWriteError(f"cannot lock {self.path}: {exc.strerror}") from None
        try:
            size = os.fstat(fd).st_size
            seen = self._consume(os.pread(fd, size - self._offset, self._offset), self._offset) \
                if size > self._offset else []
            if size > self._offset:
                size = self._set_aside_tail(fd, size)
            if prepare is not None:
                records, seen = prepare(seen), []
            else:
                records = record if isinstance(record, list) else [record]
            if not records:
                return seen
            stamped = [{**r, "seq": self._last_seq + n} for n, r in enumerate(records, start=1)]
            block = b"".join(event_block(r) for r in stamped)
            try:
                if os.write(fd, block) != len(block):
                    raise OSError(errno.ENOSPC, "short write (disk full?)")
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass
                raise JournalWriteError(_write_failure(self.path, exc)) from None
            self._offset = size + len(block)
            self._last_seq = stamped[-1]["seq"]
            return seen + stamped
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _set_aside_tail(self, fd: int, size: int) -> int:
        """A torn tail (a writer crashed mid-append) moves to a file beside the session and is
        cut off; returns the file's size after. When the folder refuses that file, the tail
        stays where it is and the next event goes after it: then it costs only itself."""
        tail = os.pread(fd, size - self._offset, self._offset)
        if not tail.strip():
            return size
        try:
            aside = _set_aside(self.path, tail)
        except OSError as exc:
            note = (f"byte {self._offset}: a torn event ({len(tail)} bytes) could not be set aside"
                    f" ({exc.strerror}); it stays in the file and is not read")
            if note not in self.problems:
                self.problems.append(note)
            self._offset = size
            return size
        os.ftruncate(fd, self._offset)
        self.recovery = Recovery(self._offset, len(tail), aside)
        return self._offset

    def _writer(self) -> int:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self._notice_replaced(os.stat(self.path))
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW)
            except OSError as exc:
                raise JournalWriteError(_write_failure(self.path, exc)) from None
        return self._fd

    @property
    def offset(self) -> int:
        """Bytes of the file read or written by this process: the end of its last event."""
        return self._offset

    @property
    def last_seq(self) -> int:
        """The highest seq this process has seen: the next event gets one more."""
        return self._last_seq

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _lock_shared_briefly(fd: int, attempts: int = 10, pause: float = 0.002) -> bool:
    """The shared lock within ``attempts`` tries, ``pause`` apart; one attempt never sleeps (a
    seat's event loop asks that way, and waits for the writer there)."""
    for attempt in range(attempts):
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt < attempts - 1:
                time.sleep(pause)
    return False


def _set_aside(path: Path, tail: bytes) -> Path:
    """Keep torn bytes in a file next to the session, so even they are never thrown away."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return create_private(path.with_name(f"{path.name}.torn-{stamp}"), tail)


def _write_failure(path: Path, exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"cannot write {path}: permission denied. Its owner can let a team write it with"
                f" `cockpit open {shlex.quote(str(path))} --share-group GROUP` (a Unix group you"
                f" are in; `id -Gn` lists yours), or open it --read-only")
    if exc.errno == errno.EROFS:
        return f"cannot write {path}: the file system is read-only"
    if exc.errno == errno.ENOSPC:
        return f"cannot write {path}: the disk is full"
    return f"cannot write {path}: {exc.strerror or exc}"
