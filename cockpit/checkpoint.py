"""Checkpoints: a big session opens in the time of its tail, and is listed without being read.

Folding 100,000 events costs seconds, and a session only ever grows at its end. A checkpoint
keeps, for one session file, the state folded from its first ``covered`` bytes, so that opening
it (``open``, ``status``, ``log``, ``record``) reads and folds only what came after.

A checkpoint lives in this user's cache folder, never beside the session: reading a session never
writes where the session is, and a folder shared with a team is no place for what this user's
cockpit trusts. It is used only when everything about it holds, and otherwise ignored (and
written anew by the next command that folds the whole file):

- **This user's cockpit wrote it.** An HMAC-SHA256 with a per-user key (a random 0600 file in the
  user data folder) covers every byte after it, and is checked before anything is unpickled: the
  state is a pickle, which is code, so only a checkpoint this user's cockpit wrote is ever loaded.
- **This fold wrote it.** Its key includes a hash of the domain's source: a cockpit whose events
  or fold changed never reads a state folded by another.
- **It is this file's.** The SHA-256 of the first ``covered`` bytes is computed again each time
  it is used (about 15 ms for 17 MB), so an edited event, a truncated file, or another file of the
  same length is noticed. Its tail is then read from ``covered`` on; a tail event that belongs
  earlier in time (back-filled) makes the session fold from the start, as it must.

``cockpit sessions`` trusts a checkpoint's **summary** (title, severity, status) on less: the
file's identity, size and change time (``ctime`` moves on every write and cannot be set back by
its owner) and the hash of its last bytes; that is what lets 200 sessions of any size be listed
without reading them.
"""

from __future__ import annotations

import copyreg
import dataclasses
import fcntl
import hashlib
import hmac
import io
import json
import operator
import os
import pickle
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from cockpit import collector, program
from cockpit.files import UnsafeFile, create_private, make_folders, replace_private
from cockpit.paths import APP, user_data_dir

if TYPE_CHECKING:  # a listing reads summaries without loading the domain (``cockpit.listing``)
    from cockpit.domain import events as ev
    from cockpit.domain.log import Log
    from cockpit.domain.state import IncidentState

MAGIC = b"cockpit-checkpoint 1\n"
DIGEST_SIZE = 32
WORTH_KEEPING = 64 * 1024
"""A session folded over more bytes than this since its checkpoint gets a new one: below it,
folding is a few milliseconds and a checkpoint would cost more than it saves."""
TAIL_PROBE = 4096
"""The last bytes of the covered part hashed for the summary's cheap key."""
_READ = 1 << 20
WRITER_WAIT = 5.0
"""Seconds a reader waits for a checkpoint being written by another command's child."""


@dataclass(frozen=True)
class Summary:
    """What ``cockpit sessions`` shows of a session, with the key it is trusted on."""

    identity: tuple[int, int, int, int, int]
    """(device, inode, size, mtime_ns, ctime_ns) of the file when it was folded."""
    probe: str
    """SHA-256 of the last ``TAIL_PROBE`` bytes, hex."""
    title: str
    severity: str | None
    status: str
    declared_at: str | None
    drill: bool

    def row(self) -> dict[str, Any]:
        return {"title": self.title, "severity": self.severity, "status": self.status,
                "drill": self.drill, "declared_at": self.declared_at}


@dataclass
class Checkpoint:
    """The state folded from the first ``covered`` bytes of a session file."""

    covered: int
    digest: bytes
    """SHA-256 of those bytes."""
    header: dict[str, Any]
    state: IncidentState
    last_seq: int
    """The highest seq in them: the journal numbers on from here."""
    last: ev.Event | None
    """The newest event in the fold's order."""
    problems: list[str] = field(default_factory=list)
    recent: tuple[ev.Event, ...] = ()
    """The newest events in the fold's order (``RECENT_KEPT``, ``last`` among them): a screen
    opening the session shows the newest of its timeline at once, before the earlier ones are
    read again from the file."""


# -- where, and with which key ---------------------------------------------------------------------


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP)) / "checkpoints"


def location(session: Path, part: str) -> Path:
    """A session's checkpoint file (``part``: ``state`` or ``summary``), named by a hash of the
    session's real path (titles stay private)."""
    real = os.path.realpath(session)
    name = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    return cache_dir() / f"{name}.{part}"


def _user_key(*, make: bool = False) -> bytes:
    """This user's checkpoint key: 32 random bytes, 0600, never a link; made (``make``) when the
    first checkpoint is written, never by a reader."""
    path = user_data_dir() / "checkpoint.key"
    try:
        return _read_private(path)
    except FileNotFoundError:
        if not make:
            raise
    make_folders(path.parent)
    try:
        create_private(path, secrets.token_bytes(32))
    except FileExistsError:  # another process made it first: use theirs
        pass
    return _read_private(path)


def _read_private(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise UnsafeFile(f"{path} is not this user's private file")
        return os.read(fd, 4096)
    finally:
        os.close(fd)


@lru_cache(maxsize=1)
def _fold_version() -> bytes:
    """A hash of the domain's source: the events, the fold and everything they use."""
    import cockpit.domain

    digest = hashlib.sha256()
    for source in sorted(Path(cockpit.domain.__file__).parent.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.digest()


# -- writing ---------------------------------------------------------------------------------------


def _plain_timezone(tz: Any) -> tuple[Any, tuple[Any, ...]]:
    return timezone, (tz.utcoffset(datetime(2000, 1, 1, tzinfo=tz)),)  # a fixed offset


def _as_call(kind: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """For a slotted dataclass built from all its fields, what pickles an instance as a call to
    its class with its values (unpickling through the generated ``__init__`` is about three times
    faster than through ``dataclasses``' own ``__setstate__``); None for any other type."""
    if not (dataclasses.is_dataclass(kind) and "__slots__" in kind.__dict__
            and all(f.init for f in dataclasses.fields(kind))):
        return None
    values = operator.attrgetter(*(f.name for f in dataclasses.fields(kind)))
    if len(dataclasses.fields(kind)) == 1:  # ``attrgetter`` of one name gives the value itself
        return lambda obj: (kind, (values(obj),))
    return lambda obj: (kind, values(obj))


RECENT_KEPT = 300
"""How many of the newest events a checkpoint keeps whole: more than a tall timeline shows."""
READ_LATER_AT = 256
"""A log this long is pickled apart inside the checkpoint and made only when first looked at
(``Log.later``): most of a big state is its notes and health points, which ``status`` and
``log`` only count."""


class _Pickled:
    """A log's items as pickled inside an authenticated checkpoint: what ``Log.later`` calls,
    made once whichever thread asks first."""

    __slots__ = ("data", "_items", "_making")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._items: list[Any] | None = None
        self._making = threading.Lock()

    def __call__(self) -> list[Any]:
        with self._making:
            if self._items is None:
                self._items = pickle.loads(self.data)  # noqa: S301 - in a checkpoint authenticated whole
            return self._items


def _read_later(data: bytes, length: int) -> Log[Any]:
    from cockpit.domain.log import Log

    return Log.later(_Pickled(data), length)


def _log_apart(log: Log[Any]) -> tuple[Any, ...]:
    """A log, its items pickled apart when it is long (``READ_LATER_AT``): still unread, the
    bytes it was read from are kept as they are."""
    from cockpit.domain.log import Log

    unread = log.unread
    if isinstance(unread, _Pickled):
        return _read_later, (unread.data, len(log))
    if len(log) < READ_LATER_AT:
        return Log, (list(log),)
    return _read_later, (_pickle(list(log)), len(log))


@lru_cache(maxsize=1)
def _dispatch_table() -> dict[type, Any]:
    """How a checkpoint pickles what ``copyreg`` does not say: the parser's own time zones as
    plain ones (they do not pickle), the domain's slotted dataclasses (entries, health points:
    most of a big state) by ``_as_call``, and logs by ``_log_apart``. A table rather than ``reducer_override``, which pickle
    calls for every object, each datetime too: the table costs only the types it names."""
    from cockpit.tomlfmt import foreign_timezones

    from cockpit.domain.log import Log

    table = copyreg.dispatch_table.copy()
    table[Log] = table[type(Log.later(list, 0))] = _log_apart
    for kind in foreign_timezones():
        table[kind] = _plain_timezone
    for name, module in list(sys.modules.items()):
        if not name.startswith("cockpit.domain."):
            continue
        for kind in vars(module).values():
            reduce = _as_call(kind) if isinstance(kind, type) and kind.__module__ == name else None
            if reduce is not None:
                table[kind] = reduce
    return table


def _pickle(payload: Any) -> bytes:
    """The payload pickled the way ``_dispatch_table`` says."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(payload)
    return buffer.getvalue()


def _write(target: Path, payload: bytes) -> None:
    """MAGIC, then an HMAC over the rest: the fold version and the payload."""
    body = _fold_version() + payload
    data = MAGIC + hmac.new(_user_key(make=True), body, hashlib.sha256).digest() + body
    make_folders(target.parent)
    replace_private(target, data)


def save(session: Path, checkpoint: Checkpoint, summary: Summary) -> None:
    """Keep the checkpoint and the summary for ``session``; failing is never fatal (a cache).

    In the ``cockpit`` program's own process (``cockpit.program``), with no other thread, a
    forked child writes them: pickling a big state is a fifth of a cold ``status``, and the
    command answers without waiting for it. The child holds the session's writing lock until it
    is done, and ``load`` waits for it: a command right after finds the checkpoint."""

    def write() -> None:
        try:
            _write(location(session, "state"), _pickle(checkpoint))
        except (OSError, pickle.PicklingError, TypeError, ValueError, RecursionError):
            return
        save_summary(session, summary)

    if not (program.itself and _in_a_child(write, location(session, "lock"))):
        write()


def _in_a_child(write: Callable[[], None], lock: Path) -> bool:
    """``write`` run by a forked child, detached from the terminal, holding ``lock`` until it is
    done: True (in the parent) once forked; False when it cannot be (threads, which a fork
    would not carry; no fork; another writer busy), for the caller to write itself."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    try:
        make_folders(lock.parent)
        held = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()
    except OSError:
        os.close(held)
        return False
    if child:
        os.close(held)  # the child's copy holds the lock now
        return True
    try:  # the child: nothing of it reaches the terminal, and it never returns to the caller
        os.setsid()
        nothing = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(nothing, fd)
        write()
    finally:
        os._exit(0)


def writer_done(session: Path) -> None:
    """Wait (``WRITER_WAIT`` at most) while a child of another command writes ``session``'s
    checkpoint (``load`` does, and a bench opening the session again)."""
    try:
        fd = os.open(location(session, "lock"), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # none was ever written in the background
        return
    try:
        deadline = time.monotonic() + WRITER_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:  # a writer stuck on a disk: fold without it
                    return
                time.sleep(0.005)
    finally:
        os.close(fd)


def save_summary(session: Path, summary: Summary) -> None:
    try:
        _write(location(session, "summary"), json.dumps(summary.__dict__).encode())
    except (OSError, TypeError, ValueError):
        return


# -- reading ---------------------------------------------------------------------------------------


def _payload(target: Path) -> bytes | None:
    """The payload of a checkpoint file, when this user's cockpit wrote it for this fold."""
    try:
        key = _user_key()
        raw = _read_whole(target)
    except OSError:
        return None
    head = len(MAGIC)
    if not raw.startswith(MAGIC) or len(raw) < head + DIGEST_SIZE * 2:
        return None
    mac, body = raw[head:head + DIGEST_SIZE], raw[head + DIGEST_SIZE:]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        return None
    if body[:DIGEST_SIZE] != _fold_version():
        return None
    return body[DIGEST_SIZE:]


def _read_whole(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if os.fstat(fd).st_uid != os.getuid():
            raise UnsafeFile(f"{path} is not this user's")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def summary_of(session: Path) -> Summary | None:
    """The listing's summary, when the file is unchanged since it was folded (see the module)."""
    payload = _payload(location(session, "summary"))
    if payload is None:
        return None
    try:
        fields = json.loads(payload)
        summary = Summary(**{**fields, "identity": tuple(fields["identity"])})
        info = os.stat(session)
    except (TypeError, KeyError, ValueError, OSError):
        return None
    if summary.identity != identity_of(info) or summary.probe != _probe(session, info.st_size):
        return None
    return summary


def load(session: Path) -> Checkpoint | None:
    """The checkpoint for ``session``, when this user's cockpit wrote it for this fold; whether
    it still matches the file is ``verified``'s to say."""
    writer_done(session)
    payload = _payload(location(session, "state"))
    if not payload:
        return None
    try:
        with collector.paused():
            checkpoint = pickle.loads(payload)  # noqa: S301 - authenticated above, this user's own
    except Exception:  # noqa: BLE001 - a checkpoint that does not load is no checkpoint
        return None
    return checkpoint if isinstance(checkpoint, Checkpoint) else None


def verified(session: Path, checkpoint: Checkpoint) -> Any:
    """A SHA-256 object fed the first ``covered`` bytes when they hash to the checkpoint's digest
    (the caller reads on from there with it), else None."""
    digest = hashlib.sha256()
    try:
        with open(session, "rb") as handle:
            left = checkpoint.covered
            while left > 0:
                chunk = handle.read(min(_READ, left))
                if not chunk:
                    return None  # the file is shorter than what the checkpoint covers
                digest.update(chunk)
                left -= len(chunk)
    except OSError:
        return None
    return digest if hmac.compare_digest(digest.digest(), checkpoint.digest) else None


# -- the summary's key -----------------------------------------------------------------------------


def identity_of(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _probe(session: Path, size: int) -> str:
    try:
        with open(session, "rb") as handle:
            handle.seek(max(0, size - TAIL_PROBE))
            return hashlib.sha256(handle.read(TAIL_PROBE)).hexdigest()
    except OSError:
        return ""


def summarise(session: Path, state: IncidentState, header: dict[str, Any],
              info: os.stat_result) -> Summary:
    from cockpit.tomlfmt import toml_datetime

    declared = toml_datetime(state.declared_at) if state.declared_at else None
    return Summary(identity_of(info), _probe(session, info.st_size), state.title, state.severity,
                   state.status, declared, bool(header.get("drill", False)))

