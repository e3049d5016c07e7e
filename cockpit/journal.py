"""The session file: one TOML file per incident, append-only (DESIGN §3).

- ``create`` writes the ``[cockpit]`` header once, mode 0600, and fsyncs it.
- ``append`` takes an exclusive ``flock``, assigns ``seq`` under it, writes the event in one
  ``write()``, fsyncs, and returns every event that landed since this process last looked (other
  seats' included), so callers fold events in file order.
- ``load`` keeps every complete event. A torn last event (a crash mid-write) is moved, under the
  lock, to a ``.torn-…`` file next to the session and reported; nothing complete is ever lost.
- ``read_new`` follows the file: it returns the complete events other processes appended,
  read under a shared lock so that a torn tail being cut away never splices into what it reads.

An event is complete when its ``seq = N`` line, always written last, has its newline.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shlex
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cockpit.tomlfmt import TomlError, event_block, parse_toml, toml_table_lines

FORMAT = 1
_SEQ_LINE = re.compile(rb"\nseq = (\d+)\n")


class JournalError(Exception):
    """A session file that cannot be read: the message is meant for people."""


class JournalWriteError(JournalError):
    """An append that did not reach the disk (full disk, read-only file, permissions)."""


@dataclass(frozen=True)
class Recovery:
    torn_bytes: int
    saved_to: Path | None

    def describe(self) -> str:
        where = f"saved to {self.saved_to}" if self.saved_to else "left in place (file not writable)"
        return f"recovered a torn last event: {self.torn_bytes} bytes {where}"


@dataclass
class Loaded:
    header: dict[str, Any]
    events: list[dict[str, Any]]
    recovery: Recovery | None = None
    problems: list[str] = field(default_factory=list)


def complete_end(data: bytes, start: int = 0) -> tuple[int, int | None]:
    """(end of the last complete event in ``data[start:]``, its seq), or (start, None)."""
    pos = data.rfind(b"\nseq = ", start)
    while pos >= 0:
        match = _SEQ_LINE.match(data, pos)
        if match:
            return match.end(), int(match.group(1))
        pos = data.rfind(b"\nseq = ", start, pos)
    return start, None


def _header_end(data: bytes) -> int:
    """Where the header ends: at the blank line that opens the first event, or the file's end."""
    pos = data.find(b"\n\n")
    return len(data) if pos < 0 else pos + 1


def _valid_end(data: bytes) -> int:
    """End of the readable part: the last complete event, or the header when there is none."""
    return complete_end(data)[0] or _header_end(data)


def _parse(text: bytes, path: Path) -> dict[str, Any]:
    try:
        return parse_toml(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise JournalError(f"{path}: not a session file (not UTF-8 text at byte {exc.start})") from None
    except TomlError as exc:
        raise JournalError(f"{path}: the session file is damaged and cannot be read: {exc}") from None


class Journal:
    """One session file, as seen by one process."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._offset = 0
        """Bytes of the file already returned to this process (a complete-event boundary)."""
        self._last_seq = 0

    # -- creating ------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], header: dict[str, Any],
               mode: int = 0o600) -> Journal:
        """Write a new session file with its header; refuses to overwrite an existing file."""
        path = Path(path)
        header = {"format": FORMAT, **header}
        text = "[cockpit]\n" + "\n".join(toml_table_lines(header)) + "\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            raise JournalError(f"{path} already exists; open it with `cockpit open {path}`") from None
        except OSError as exc:
            raise JournalWriteError(f"cannot create {path}: {exc.strerror}") from None
        try:
            os.fchmod(fd, mode)  # the umask must not widen or narrow what was asked for
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        journal = cls(path)
        journal._offset = len(text.encode("utf-8"))
        return journal

    # -- reading -------------------------------------------------------------------------------

    def load(self) -> Loaded:
        """Read the whole file, recovering a torn tail; afterwards ``read_new`` follows from here."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise JournalError(f"{self.path}: no such session file") from None
        except PermissionError:
            raise JournalError(
                f"cannot read {self.path}: permission denied. Its owner can let a team open it"
                f" with `cockpit open {shlex.quote(str(self.path))} --share-group GROUP`") from None
        except OSError as exc:
            raise JournalError(f"cannot read {self.path}: {exc.strerror}") from None
        end = _valid_end(data)
        recovery = None
        if data[end:].strip():
            data, end, recovery = self._recover_tail()
        doc = _parse(data[:end], self.path)
        header = doc.get("cockpit")
        if not isinstance(header, dict):
            raise JournalError(f"{self.path}: not a session file (no [cockpit] header)")
        if header.get("format", FORMAT) > FORMAT:
            raise JournalError(
                f"{self.path}: written in session format {header['format']}, newer than this"
                f" cockpit understands ({FORMAT}); upgrade cockpit to open it")
        events = doc.get("events", [])
        problems = []
        for expected, record in enumerate(events, start=1):
            if record.get("seq") != expected:
                problems.append(f"event {expected} has seq {record.get('seq')!r}")
                break
        self._offset = end
        self._last_seq = events[-1].get("seq", len(events)) if events else 0
        return Loaded(header, events, recovery, problems)

    def _recover_tail(self) -> tuple[bytes, int, Recovery | None]:
        """Under the lock (so no writer is mid-append), move a torn tail aside and cut it off."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except OSError:
            data = self.path.read_bytes()
            end = _valid_end(data)
            return data, end, Recovery(len(data) - end, None)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = os.pread(fd, os.fstat(fd).st_size, 0)
            end = _valid_end(data)
            tail = data[end:]
            if not tail.strip():
                return data, end, None
            aside = _set_aside(self.path, tail)
            os.ftruncate(fd, end)
            os.fsync(fd)
            return data[:end], end, Recovery(len(tail), aside)
        finally:
            os.close(fd)

    def read_new(self) -> list[dict[str, Any]]:
        """Complete events appended (by any process) since this process last read or wrote."""
        try:
            size = os.stat(self.path).st_size
        except OSError:
            return []
        if size <= self._offset:
            return []
        with open(self.path, "rb") as handle:
            # A shared lock keeps a writer from truncating a torn tail under this read, which
            # could splice old and new bytes into one event. A writer holds the lock for one
            # write + fsync (a few ms), so wait that long; a lock held longer (a hung disk) must
            # not freeze the seat's screen, and just means "next time".
            if not _lock_shared_briefly(handle.fileno()):
                return []
            if self._offset == 0:  # never loaded: the header is not an event
                self._offset = _header_end(handle.read())
            handle.seek(self._offset)
            chunk = handle.read()
        return self._consume(chunk)

    def _consume(self, chunk: bytes) -> list[dict[str, Any]]:
        end, last = complete_end(chunk)
        if last is None:
            return []
        events = _parse(chunk[:end], self.path).get("events", [])
        self._offset += end
        self._last_seq = last
        return events

    # -- writing -------------------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """Append one event; returns the events new to this process, ending with this one.

        ``record`` has no ``seq``: it is assigned under the lock. On failure nothing partial is
        left in the file and :class:`JournalWriteError` says why.
        """
        fd = self._writer()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise JournalWriteError(f"cannot lock {self.path}: {exc.strerror}") from None
        try:
            size = os.fstat(fd).st_size
            seen: list[dict[str, Any]] = []
            if self._offset == 0:  # never loaded: the header is not an event (nor a torn one)
                self._offset = _header_end(os.pread(fd, size, 0))
            if size > self._offset:
                chunk = os.pread(fd, size - self._offset, self._offset)
                seen = self._consume(chunk)
                if size > self._offset:  # a writer crashed mid-append: set its bytes aside
                    try:
                        _set_aside(self.path, os.pread(fd, size - self._offset, self._offset))
                    except OSError as exc:
                        raise JournalWriteError(
                            f"cannot set aside a torn event next to {self.path}: {exc.strerror};"
                            f" the folder must be writable by this seat"
                            f" (`chmod g+rwx {self.path.parent}`)") from None
                    os.ftruncate(fd, self._offset)
                    size = self._offset
            seq = self._last_seq + 1
            block = event_block({**record, "seq": seq})
            try:
                written = os.write(fd, block)
                if written != len(block):
                    raise OSError(errno.ENOSPC, "short write (disk full?)")
                os.fsync(fd)
            except OSError as exc:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass
                raise JournalWriteError(_write_failure(self.path, exc)) from None
            self._offset = size + len(block)
            self._last_seq = seq
            seen.append({**record, "seq": seq})
            return seen
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _writer(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
            except OSError as exc:
                raise JournalWriteError(_write_failure(self.path, exc)) from None
        return self._fd

    @property
    def last_seq(self) -> int:
        return self._last_seq

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _lock_shared_briefly(fd: int, attempts: int = 10, pause: float = 0.002) -> bool:
    for _ in range(attempts):
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            time.sleep(pause)
    return False


def _set_aside(path: Path, tail: bytes) -> Path:
    """Keep torn bytes in a file next to the session, so even they are never thrown away."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.torn-{stamp}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, tail)
        os.fsync(fd)
    finally:
        os.close(fd)
    return aside


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
