"""The journal interface, its two implementations, and the one place that picks between them.

A session's events live in a journal: the TOML file (``cockpit.journal``, the embedded default,
always there offline) or PostgreSQL (``cockpit.pgjournal``, seats on several hosts). ``Session``
and ``Seat`` use only what :class:`EventJournal`, :class:`Lease` and :class:`Presence` name, so
replay, report, insight and the screens never know which one they have. The command line asks
:func:`resolve` (a SESSION as the user wrote it, and ``--journal URL`` or ``[journal] url``) and
:func:`target_for_new`; the seat asks :func:`lease_for`, :func:`presence_for` and
:func:`changes_for`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.paths import resolve_session

if TYPE_CHECKING:  # the rest loads when used: `cockpit open FILE` paints its screen first
    from cockpit.journal import Loaded, Prepare, Recovery
    from cockpit.pgjournal import Database
    from cockpit.settings import Config


class EventJournal(Protocol):
    """What a Session uses of a journal (``cockpit.journal.Journal`` documents each part)."""

    problems: list[str]
    """Damage or trouble met while following or appending, said once each by the seat."""
    recovery: Recovery | None
    caught_up: bool
    """False when ``read_new`` left something for the next call."""
    locked_out: bool
    rebased: bool
    """True when what this process holds was renumbered (a seat back online): ``load`` again."""
    offline_reason: str | None
    """Why the journal records only on this host now (a database out of reach), or None."""

    @property
    def path(self) -> Path:
        """The file on this host that holds the events (the local copy, for a database)."""

    @property
    def last_seq(self) -> int:
        """The highest seq this process has seen."""

    def load(self) -> Loaded: ...

    def read_new(self, *, wait_for_lock: bool = True) -> list[dict[str, Any]]: ...

    def wait_unlocked(self) -> None:
        """Block until a writer that left ``read_new`` ``locked_out`` lets go (for a thread)."""

    def append(self, record: dict[str, Any] | list[dict[str, Any]], *,
               prepare: Prepare | None = None) -> list[dict[str, Any]]:
        """Under the journal's lock: the others' new events go to ``prepare``, which returns
        what to write; seqs are assigned contiguously; all or nothing."""

    def close(self) -> None: ...

    def remove(self) -> None: ...


class Lease(Protocol):
    """The right to poll a session's endpoints, held by one seat at a time, dropped by death."""

    error: str | None

    @property
    def held(self) -> bool: ...

    def try_acquire(self) -> bool: ...

    def release(self) -> None: ...


class Presence(Protocol):
    """Which seats are at a session, even those that died without saying goodbye."""

    def mark(self, handle: str, *, read_only: bool = False) -> bool: ...

    def clear(self) -> None: ...

    def present(self) -> list[tuple[str, bool]]: ...

    def recent(self, *, max_age: float = ...) -> list[tuple[str, bool]]: ...

    def departed(self) -> list[tuple[str, bool]]: ...


class JournalTarget(Protocol):
    """Where ``Session.create`` puts a new session when it is not a file."""

    name: str

    def create(self, header: dict[str, Any], mode: int) -> EventJournal: ...

    def for_incident(self, title: str, at: datetime) -> JournalTarget: ...


# -- the seat's parts ----------------------------------------------------------------------------


def lease_for(journal: EventJournal) -> Lease:
    from cockpit.journal import Journal
    from cockpit.seats import PollerLease

    if isinstance(journal, Journal):
        return PollerLease(journal.path)
    return journal.lease()  # type: ignore[attr-defined, no-any-return]


def presence_for(journal: EventJournal) -> Presence:
    from cockpit.journal import Journal
    from cockpit.seats import SeatPresence

    if isinstance(journal, Journal):
        return SeatPresence(journal.path)
    return journal.presence()  # type: ignore[attr-defined, no-any-return]


def changes_for(journal: EventJournal, fallback: Callable[[str], object]) -> AsyncIterator[None]:
    """Wake-ups when others appended: inotify (or polling) on a file, ``LISTEN`` on a database."""
    from cockpit.journal import Journal
    from cockpit.watch import FileWatch

    if isinstance(journal, Journal):
        return FileWatch(journal.path, fallback=fallback).changes()
    return journal.changes(fallback)  # type: ignore[attr-defined, no-any-return]


# -- picking the journal -------------------------------------------------------------------------


def database(url: str | None, config: Config | None = None) -> Database | None:
    """The database journal in force: ``--journal URL``, else ``[journal] url``; None: files."""
    settings = config.journal if config is not None else None
    url = url or (settings.url if settings is not None else None)
    if not url:
        return None
    from cockpit.pgjournal import Database

    password = settings.password if settings is not None and settings.url in (None, url) else None
    return Database.parse(url, password)


def configured(args: Any, spec: str | None = None) -> Database | None:
    """The database journal for a command's arguments. A SESSION that is a file is a file
    session whatever the config says; a broken config that was not asked for by name only
    matters when it could name a database."""
    url = getattr(args, "journal", None)
    if spec is not None and not url and _is_file(spec):
        return None
    from cockpit.settings import ConfigError, load_config

    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError:
        if url is None and (getattr(args, "config", None) or os.environ.get("COCKPIT_CONFIG")):
            raise
        config = None
    return database(url, config)


def _is_file(spec: str) -> bool:
    try:
        return Path(os.path.expanduser(spec)).is_file()
    except (OSError, ValueError):
        return False


def resolve(spec: str, db: Database | None) -> Path | EventJournal:
    """A SESSION as the user wrote it: a file path (or a saved session's prefix), or, with a
    database in force, a session's name or prefix there (a journal for ``Session.open``)."""
    if db is None or _is_file(spec):
        return resolve_session(spec)
    from cockpit.pgjournal import PgJournal, Unreachable, local_folder, resolve_name

    try:
        name = resolve_name(db, spec)
    except Unreachable:  # offline: a session this host has a copy of still opens
        if not local_folder(db, spec).is_dir():
            raise
        name = spec
    return PgJournal(db, name)


def snapshot(spec: str, db: Database | None) -> Path:
    """A file holding the session, for commands that only read it (report, replay, web): the
    file itself, or the seat's local copy of a database session, brought up to date."""
    found = resolve(spec, db)
    if isinstance(found, Path):
        return found
    from cockpit.pgjournal import snapshot as database_snapshot

    return database_snapshot(found.db, found.name)  # type: ignore[attr-defined]


class DatabaseTarget:
    """A new session in a database, named as files are (``YYYY-MM-DD-HHMM-<title-slug>``)."""

    def __init__(self, db: Database, name: str = "") -> None:
        self.db, self.name = db, name

    def for_incident(self, title: str, at: datetime) -> DatabaseTarget:
        from cockpit.paths import slugify

        return DatabaseTarget(self.db, self.name or f"{at:%Y-%m-%d-%H%M}-{slugify(title)}")

    def create(self, header: dict[str, Any], mode: int) -> EventJournal:
        from cockpit.pgjournal import PgJournal

        return PgJournal.create(self.db, header)


def target_for_new(session: str | None, db: Database | None) -> Any:
    """Where ``cockpit new`` writes: with a database in force, a new session there (``--session``
    then names it); else ``--session PATH``, or a new file in the sessions folder."""
    if db is None:
        return session
    return DatabaseTarget(db, session or "")
