"""A session's journal in PostgreSQL, for seats on several hosts; offline first (docs/journals.md).

The database holds the same event records as the session file: ``cockpit_events`` is append-only
(a trigger refuses updates and deletes), one row per event with ``session``, ``seq``, a unique
``id``, ``at``, ``by``, ``kind``, the record as JSONB (for queries) and as its ``[[events]]``
table (what is read back, so a record reads exactly as the file would give it). ``seq`` stays
contiguous with writers on any number of hosts: an append locks its session's row in
``cockpit_sessions`` (``FOR UPDATE``), reads what others appended since, lets the caller decide
(``prepare``), numbers on from ``last_seq`` and commits, and ``(session, seq)`` is the key.

**Offline first.** Every seat writes each event it learns (its own and the others') to a file
journal of its own in the user data dir, with the database's seqs. When the database cannot be
reached, the seat goes on recording there (seqs numbered on locally) and says it is offline.
When the database answers again, the events of that file (and of the files of seats that died
offline on this host) that the database lacks are uploaded in time order, exactly once (by
``id``; under the session's lock), their references to one another renumbered; the seat then
folds again from the database (``rebased``). Every seat that receives events recorded long
before they arrived is told so. An event is acknowledged only once it is committed in the
database or fsynced in the local file, so no acknowledged event is lost in any order of failures.

Following is ``LISTEN/NOTIFY`` (``changes``), the poller lease a session-level advisory lock, and
presence a row per seat whose liveness is an advisory lock its connection holds: the server drops
both when a seat's connection goes, however the seat died.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict

from cockpit import jsonfmt
from cockpit import records as rec
from cockpit.errors import EXIT_FAILURE, EXIT_USAGE, CockpitError
from cockpit.files import make_folders, replace_private
from cockpit.journal import Journal, JournalError, JournalWriteError, Loaded, Prepare
from cockpit.paths import user_data_dir
from cockpit.tomlfmt import event_block, toml_table_lines

SCHEMA_VERSION = 1
CHANNEL = "cockpit_events"
CONNECT_SECONDS = 3
"""How long a connection attempt may take before the seat counts the database unreachable."""
RECONNECT_SECONDS = 1.0
"""How often an offline seat tries the database again."""
LATE_SECONDS = 5.0
"""An event that reaches the database this much after its ``at`` was recorded offline."""
LEASE_SPACE = 0x636B7031
"""The first key of the poller lease's advisory lock (the second is the session's key)."""
SEAT_SPACE = 0x636B7032
"""The first key of a seat's presence lock (the second is the seat's key)."""
MIGRATE_LOCK = 0x636B7030
SEQ_REFERENCES: dict[str, tuple[str, ...]] = {
    "step.done": ("evidence",), "ask.done": ("ask",), "update.delivered": ("update",),
    "action.updated": ("action",), "page.acknowledged": ("page",),
}
"""Fields that name another event by its seq: renumbered with it when it is uploaded late."""

MIGRATIONS: list[tuple[int, str]] = [(1, """
CREATE TABLE cockpit_sessions (
    name      text PRIMARY KEY,
    key       integer GENERATED ALWAYS AS IDENTITY UNIQUE,
    header    jsonb NOT NULL,
    created   timestamptz NOT NULL,
    last_seq  bigint NOT NULL DEFAULT 0,
    updated   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE cockpit_events (
    session   text NOT NULL REFERENCES cockpit_sessions (name),
    seq       bigint NOT NULL CHECK (seq > 0),
    id        text NOT NULL UNIQUE,
    at        timestamptz NOT NULL,
    by        text NOT NULL,
    kind      text NOT NULL,
    record    jsonb NOT NULL,
    toml      text NOT NULL,
    arrived   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (session, seq)
);
CREATE INDEX cockpit_events_at ON cockpit_events (session, at);
CREATE TABLE cockpit_seats (
    key       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session   text NOT NULL REFERENCES cockpit_sessions (name),
    handle    text NOT NULL,
    read_only boolean NOT NULL,
    since     timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION cockpit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'cockpit_events is append-only';
END $$;
CREATE TRIGGER cockpit_events_append_only BEFORE UPDATE OR DELETE ON cockpit_events
    FOR EACH ROW EXECUTE FUNCTION cockpit_append_only();
""")]
GRANTS = """GRANT SELECT, INSERT, UPDATE ON cockpit_sessions TO {role};
GRANT SELECT, INSERT ON cockpit_events TO {role};
GRANT SELECT, INSERT, DELETE ON cockpit_seats TO {role};
GRANT SELECT ON cockpit_schema TO {role};"""
"""The rights a cockpit needs: its own tables, nothing else (docs/journals.md)."""


class DatabaseError(CockpitError):
    """The database refused (rights, missing tables, a name taken): said for people."""

    exit_code = EXIT_USAGE


class Unreachable(CockpitError):
    """The database cannot be reached now (and no local copy can stand in)."""

    exit_code = EXIT_FAILURE


@dataclass(frozen=True)
class Database:
    """Where the journal lives: a ``postgresql://`` URL without a password, and where the
    password comes from (an ``env:NAME``, else libpq's own ``PGPASSWORD`` / ``~/.pgpass``)."""

    url: str
    password: str | None = None

    @classmethod
    def parse(cls, url: str, password: str | None = None) -> Database:
        if not re.match(r"^postgres(ql)?://", url):
            raise DatabaseError(f"--journal {url.split('://')[0]}://…: expected a postgresql:// URL")
        try:
            parts = conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise DatabaseError(f"the journal URL does not parse: {exc}") from None
        if parts.get("password"):
            raise DatabaseError("the journal URL holds a password: leave it out and give it as"
                                " [journal] password = \"env:NAME\" in the config, or in PGPASSWORD"
                                " or ~/.pgpass")
        if password is not None and not password.startswith("env:"):
            raise DatabaseError("[journal] password must be an env:NAME reference, not the password")
        return cls(url, password)

    @property
    def where(self) -> str:
        """The server in words, for messages: host and port, never the URL's other parts."""
        parts = conninfo_to_dict(self.url)
        host = parts.get("host") or "localhost"
        return f"{host}:{parts.get('port') or 5432}"

    @property
    def folder_key(self) -> str:
        parts = conninfo_to_dict(self.url)
        raw = f"{parts.get('host') or 'localhost'}-{parts.get('port') or 5432}-{parts.get('dbname') or ''}"
        return re.sub(r"[^A-Za-z0-9._-]+", "_", raw)

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"connect_timeout": CONNECT_SECONDS, "application_name": "cockpit"}
        if self.password:
            name = self.password[4:]
            value = os.environ.get(name)
            if value is None:
                raise DatabaseError(f"[journal] password = \"env:{name}\", but ${name} is not set")
            options["password"] = value
        return options

    def connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, autocommit=True, **self._options())
        except psycopg.OperationalError as exc:
            raise self.unreachable(exc) from None

    async def connect_async(self) -> psycopg.AsyncConnection[Any]:
        try:
            return await psycopg.AsyncConnection.connect(self.url, autocommit=True, **self._options())
        except psycopg.OperationalError as exc:
            raise self.unreachable(exc) from None

    def unreachable(self, exc: BaseException) -> Unreachable:
        said = " ".join(str(exc).split())
        said = re.sub(r'connection to server at "[^"]*" \([^)]*\), port \d+ failed: ', "", said)
        return Unreachable(f"cannot reach the journal database at {self.where}: {said[:200]}")


def refused(db: Database, exc: psycopg.Error) -> DatabaseError:
    """A database error other than unreachability, in words (rights, no tables)."""
    if isinstance(exc, pgerrors.UndefinedTable):
        return DatabaseError(f"the journal database at {db.where} has no cockpit tables yet:"
                             f" run `cockpit db init --journal URL` once (docs/journals.md)")
    if isinstance(exc, pgerrors.InsufficientPrivilege):
        return DatabaseError(f"the journal database at {db.where} refused: {exc.diag.message_primary}."
                             " The cockpit's role needs the rights docs/journals.md lists")
    return DatabaseError(f"the journal database at {db.where} refused: {exc.diag.message_primary or exc}")


# -- the schema ----------------------------------------------------------------------------------


def init_schema(db: Database) -> list[int]:
    """Create or upgrade the cockpit's tables; returns the versions applied now (none: up to date).
    Safe to run again and from several hosts at once (an advisory lock serialises them)."""
    with db.connect() as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
                conn.execute("CREATE TABLE IF NOT EXISTS cockpit_schema (version integer PRIMARY KEY,"
                             " applied timestamptz NOT NULL DEFAULT now())")
                done = {row[0] for row in conn.execute("SELECT version FROM cockpit_schema")}
                applied = []
                for version, sql in MIGRATIONS:
                    if version in done:
                        continue
                    conn.execute(sql)  # type: ignore[arg-type]
                    conn.execute("INSERT INTO cockpit_schema (version) VALUES (%s)", (version,))
                    applied.append(version)
        except psycopg.OperationalError as exc:
            raise db.unreachable(exc) from None
        except psycopg.Error as exc:
            raise refused(db, exc) from None
    return applied


# -- records in and out ----------------------------------------------------------------------------


def _records_from_blocks(blocks: Iterable[str]) -> list[dict[str, Any]]:
    """Records from their ``[[events]]`` tables, read as the file reader reads them."""
    data = "".join(blocks).encode("utf-8")
    if not data:
        return []
    parsed = rec.read(data, first=False)
    return rec.checked(parsed.records).records


def _header_from_db(header: Any) -> dict[str, Any]:
    head = dict(header)
    if isinstance(head.get("created"), str):
        head["created"] = datetime.fromisoformat(head["created"].replace("Z", "+00:00"))
    return head


def with_id(record: dict[str, Any]) -> dict[str, Any]:
    return record if record.get("id") else {**record, "id": uuid.uuid4().hex}


def _insert_rows(conn: psycopg.Connection[Any], name: str, records: list[dict[str, Any]]) -> None:
    rows = [(name, r["seq"], r["id"], r["at"], r.get("by", ""), r["kind"],
             jsonfmt.dumps({k: v for k, v in r.items()}), event_block(r).decode("utf-8"))
            for r in records]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO cockpit_events (session, seq, id, at, by, kind, record, toml)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s)", rows)


def _renumber(records: list[dict[str, Any]], moved: dict[int, int]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        fields = SEQ_REFERENCES.get(r.get("kind", ""), ())
        changes = {f: moved[r[f]] for f in fields if isinstance(r.get(f), int) and r[f] in moved}
        out.append({**r, **changes} if changes else r)
    return out


# -- the local files ---------------------------------------------------------------------------------


def local_folder(db: Database, name: str) -> Path:
    return user_data_dir() / "journals" / db.folder_key / name


class LocalFile:
    """One seat's file journal of a database session, held (an ``flock`` on a side file) for as
    long as the seat runs, so seats on the same host know which files belong to dead seats."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._alive: int | None = None

    @classmethod
    def new(cls, folder: Path) -> LocalFile:
        make_folders(folder)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        local = cls(folder / f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}.toml")
        local.hold()
        return local

    def hold(self) -> None:
        fd = os.open(f"{self.path}.alive", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._alive = fd

    def release(self, *, remove: bool = False) -> None:
        if remove:
            self.path.unlink(missing_ok=True)
            Path(f"{self.path}.alive").unlink(missing_ok=True)
        if self._alive is not None:
            os.close(self._alive)
            self._alive = None


def orphans(folder: Path, *, besides: Path | None = None) -> list[Path]:
    """Local files of seats that are gone (their ``.alive`` lock is free), oldest first."""
    found = []
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        if path == besides:
            continue
        try:
            fd = os.open(f"{path}.alive", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            found.append(path)
        except BlockingIOError:
            pass
        finally:
            os.close(fd)
    return found


def newest_local(folder: Path) -> Path | None:
    files = [p for p in folder.glob("*.toml")] if folder.is_dir() else []
    return max(files, key=lambda p: p.stat().st_mtime_ns, default=None)


# -- the journal --------------------------------------------------------------------------------


class PgJournal:
    """One database session as seen by one process (the same interface as ``Journal``)."""

    def __init__(self, db: Database, name: str) -> None:
        self.db, self.name = db, name
        self.folder = local_folder(db, name)
        self._local_file: LocalFile | None = None
        self._local: Journal | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._db_seq = 0
        """The highest database seq this process has (== the local file's while online)."""
        self.online = False
        self.offline_reason: str | None = None
        self._next_try = 0.0
        self.problems: list[str] = []
        self.recovery = None
        self.caught_up = True
        self.locked_out = False
        self.rebased = False
        """True once the database took this seat's offline events: fold again from ``load``."""

    @property
    def path(self) -> Path:
        """The local file: what a rescue, a torn tail or a damaged event is said about."""
        return self._local.path if self._local is not None else self.folder / "(none yet)"

    @property
    def last_seq(self) -> int:
        return max(self._local.last_seq if self._local is not None else 0, self._db_seq)

    # -- connecting ----------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self.db.connect()
        return self._conn

    def _lost(self, exc: BaseException) -> None:
        """The database went away: say it once, and keep recording locally."""
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
        self._conn = None
        was_online, self.online = self.online, False
        self.offline_reason = str(exc if isinstance(exc, Unreachable) else self.db.unreachable(exc))
        self._next_try = time.monotonic() + RECONNECT_SECONDS
        if was_online:
            self.problems.append(f"offline: {self.offline_reason}. This seat keeps recording in"
                                 f" {self.path} and uploads it when the database is back")

    # -- creating and loading ------------------------------------------------------------------

    @classmethod
    def create(cls, db: Database, header: dict[str, Any]) -> PgJournal:
        """A new session in the database (and the seat's local file). When the database cannot
        be reached it is created locally only, and published when it is back."""
        header = {"format": rec.FORMAT, **header}
        journal = cls(db, str(header["session"]))
        try:
            conn = journal._connection()
            with conn.transaction():
                done = conn.execute(
                    "INSERT INTO cockpit_sessions (name, header, created) VALUES (%s, %s::jsonb, %s)"
                    " ON CONFLICT (name) DO NOTHING RETURNING name",
                    (journal.name, jsonfmt.dumps(header), header["created"])).fetchone()
            if done is None:
                raise DatabaseError(f"a session named {journal.name} already exists in the journal"
                                    f" database at {db.where}; open it with `cockpit open {journal.name}`")
            journal.online = True
        except (Unreachable, psycopg.OperationalError) as exc:
            journal._lost(exc)
        except psycopg.Error as exc:
            raise refused(db, exc) from None
        journal._start_local(header, [])
        return journal

    def _start_local(self, header: dict[str, Any], records: list[dict[str, Any]]) -> None:
        """A fresh local file holding ``records`` (the database's, seqs as there), this seat's."""
        local = LocalFile.new(self.folder)
        head = {k: v for k, v in header.items() if k != "format"}
        journal = Journal.create(local.path, head)
        if records:
            journal.append(records)
        old, self._local_file, self._local = self._local_file, local, journal
        if old is not None:
            old.release(remove=True)

    def load(self) -> Loaded:
        """The whole session from the database (after uploading what this host's seats recorded
        offline), mirrored into a fresh local file; offline, the newest local file stands in."""
        self.rebased = False
        try:
            if not self.online and time.monotonic() < self._next_try and self._local is not None:
                raise Unreachable(self.offline_reason or "offline")
            conn = self._connection()
            self._upload(conn)
            header, records = self._fetch_all(conn)
        except (Unreachable, psycopg.OperationalError) as exc:
            self._lost(exc)
            return self._load_offline()
        except psycopg.Error as exc:
            raise refused(self.db, exc) from None
        self.online, self.offline_reason = True, None
        self._start_local(header, records)
        self._db_seq = records[-1]["seq"] if records else 0
        return Loaded(header, records, None, [])

    def _fetch_all(self, conn: psycopg.Connection[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        row = conn.execute("SELECT header FROM cockpit_sessions WHERE name = %s", (self.name,)).fetchone()
        if row is None:
            raise DatabaseError(f"no session named {self.name} in the journal database at {self.db.where}")
        blocks = conn.execute("SELECT toml FROM cockpit_events WHERE session = %s ORDER BY seq",
                              (self.name,)).fetchall()
        return _header_from_db(row[0]), _records_from_blocks(b[0] for b in blocks)

    def _load_offline(self) -> Loaded:
        if self._local is not None:  # this seat's own file holds all it knows
            self._local = Journal(self._local.path)
            return self._local.load()
        newest = newest_local(self.folder)
        if newest is None:
            raise Unreachable(f"{self.offline_reason}; and this host has no copy of {self.name}"
                              " to work on offline")
        local = LocalFile.new(self.folder)
        local.path.write_bytes(newest.read_bytes())
        os.chmod(local.path, 0o600)
        self._local_file, self._local = local, Journal(local.path)
        loaded = self._local.load()
        self.problems.append(f"offline: {self.offline_reason}. Working on this host's copy"
                             f" ({local.path}); what is recorded is uploaded when the database is back")
        return loaded

    # -- uploading what was recorded offline -----------------------------------------------------

    def _upload(self, conn: psycopg.Connection[Any]) -> int:
        """Upload the events of this seat's file and of dead seats' files that the database lacks,
        in time order, exactly once; returns how many. Files of dead seats are removed after."""
        files = [self._local.path] if self._local is not None else []
        dead = orphans(self.folder, besides=files[0] if files else None)
        header: dict[str, Any] | None = None
        local: dict[str, dict[str, Any]] = {}
        for path in [*dead, *files]:
            try:
                loaded = Journal(path).load()
            except JournalError:
                continue
            header = header or loaded.header
            for r in loaded.events:
                if r.get("id"):
                    local.setdefault(r["id"], r)
        count = 0
        if local and header is not None:
            with conn.transaction():
                conn.execute("INSERT INTO cockpit_sessions (name, header, created) VALUES"
                             " (%s, %s::jsonb, %s) ON CONFLICT (name) DO NOTHING",
                             (self.name, jsonfmt.dumps(header), header.get("created")))
                (last,) = conn.execute("SELECT last_seq FROM cockpit_sessions WHERE name = %s"
                                       " FOR UPDATE", (self.name,)).fetchone()
                present = {row[0] for row in conn.execute(
                    "SELECT id FROM cockpit_events WHERE id = ANY(%s)", (list(local),))}
                missing = sorted((r for i, r in local.items() if i not in present),
                                 key=lambda r: (r["at"], r["seq"]))
                if missing:
                    moved = {r["seq"]: last + n for n, r in enumerate(missing, start=1)}
                    stamped = [{**r, "seq": moved[r["seq"]]} for r in _renumber(missing, moved)]
                    _insert_rows(conn, self.name, stamped)
                    conn.execute("UPDATE cockpit_sessions SET last_seq = %s, updated = now()"
                                 " WHERE name = %s", (stamped[-1]["seq"], self.name))
                    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self.name))
                    count = len(stamped)
                    first, final = min(r["at"] for r in missing), max(r["at"] for r in missing)
                    self.problems.append(f"back online: {count} entr{'y' if count == 1 else 'ies'}"
                                       f" recorded offline ({_clock(first)}–{_clock(final)} UTC)"
                                       " uploaded to the database")
        for path in dead:
            LocalFile(path).release(remove=True)
        return count

    # -- reading ---------------------------------------------------------------------------------

    def wait_unlocked(self) -> None:
        """Never locked out: the database orders the writers itself."""

    def read_new(self, *, wait_for_lock: bool = True) -> list[dict[str, Any]]:
        """The events other seats appended since; offline, tries the database again (at most
        every ``RECONNECT_SECONDS``) and, when it is back, uploads and sets ``rebased``."""
        self.caught_up, self.locked_out = True, False
        if not self.online:
            if time.monotonic() < self._next_try:
                return []
            try:
                conn = self._connection()
                if self._upload(conn) or self._db_seq != self.last_seq or self._local is None:
                    self.rebased = True  # fold again from the database's numbering
                self.online, self.offline_reason = True, None
            except (Unreachable, psycopg.OperationalError) as exc:
                self._lost(exc)
                return []
            except psycopg.Error as exc:
                self.problems.append(str(refused(self.db, exc)))
                self._next_try = time.monotonic() + RECONNECT_SECONDS
                return []
            if self.rebased:
                return []
        try:
            rows = self._connection().execute(
                "SELECT toml, at, arrived, by FROM cockpit_events WHERE session = %s AND seq > %s"
                " ORDER BY seq", (self.name, self._db_seq)).fetchall()
        except (Unreachable, psycopg.OperationalError) as exc:
            self._lost(exc)
            return []
        records = _records_from_blocks(r[0] for r in rows)
        self._tell_late(rows)
        return self._mirror(records)

    def _tell_late(self, rows: list[tuple[Any, ...]]) -> None:
        late = [(at, by) for _, at, arrived, by in rows if arrived - at > timedelta(seconds=LATE_SECONDS)]
        if late:
            who = ", ".join(sorted({by for _, by in late}))
            self.problems.append(
                f"{len(late)} entr{'y' if len(late) == 1 else 'ies'} by {who} arrived late, recorded"
                f" offline {_clock(min(a for a, _ in late))}–{_clock(max(a for a, _ in late))} UTC;"
                " they take their place in the timeline")

    def _mirror(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Database events into the local file (seqs as in the database)."""
        if not records:
            return records
        self._db_seq = records[-1]["seq"]
        if self._local is not None:
            try:
                self._local.append(records)
            except JournalWriteError as exc:
                note = f"the local copy could not be written ({exc}); it is rebuilt at the next open"
                if note not in self.problems:
                    self.problems.append(note)
        return records

    # -- writing ---------------------------------------------------------------------------------

    def append(self, record: dict[str, Any] | list[dict[str, Any]], *,
               prepare: Prepare | None = None) -> list[dict[str, Any]]:
        """Append under the session's lock in the database; when it cannot be reached, in the
        local file (acknowledged there, uploaded later). Same contract as ``Journal.append``."""
        given = record if isinstance(record, list) else [record]
        asked = False

        def decide(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
            nonlocal asked
            asked = True
            return [with_id(r) for r in (prepare(seen) if prepare is not None else given)]

        if self.online:
            seen: list[dict[str, Any]] = []
            stamped: list[dict[str, Any]] = []
            try:
                return self._append_online(decide, seen, stamped, prepare is not None)
            except (Unreachable, psycopg.OperationalError) as exc:
                self._lost(exc)
                if asked:  # decided already: keep exactly those (the commit may have happened)
                    self._mirror(seen)  # what the caller was shown is in the local file first
                    return self._local_append(stamped) if stamped else []
            except psycopg.Error as exc:
                raise refused(self.db, exc) from None
        if self._local is None:
            raise JournalWriteError(f"{self.offline_reason}; nothing is recorded")
        return self._local.append([], prepare=decide)

    def _append_online(self, decide: Prepare, seen: list[dict[str, Any]],
                       stamped: list[dict[str, Any]], prepared: bool) -> list[dict[str, Any]]:
        """One transaction holding the session's row lock for as short as it can: the local
        file is written (and fsynced) after the commit, not under the lock."""
        conn = self._connection()
        with conn.transaction():
            row = conn.execute("SELECT last_seq FROM cockpit_sessions WHERE name = %s FOR UPDATE",
                               (self.name,)).fetchone()
            if row is None:
                raise DatabaseError(f"no session named {self.name} in the journal database")
            blocks = conn.execute("SELECT toml, at, arrived, by FROM cockpit_events WHERE session = %s"
                                  " AND seq > %s ORDER BY seq", (self.name, self._db_seq)).fetchall()
            seen.extend(_records_from_blocks(b[0] for b in blocks))
            if seen:
                self._db_seq = seen[-1]["seq"]  # the caller numbers on from here
            self._tell_late(blocks)
            records = decide(seen)
            if not records:
                self._mirror(seen)
                return [] if prepared else seen
            stamped.extend({**r, "seq": row[0] + n} for n, r in enumerate(records, start=1))
            _insert_rows(conn, self.name, stamped)
            conn.execute("UPDATE cockpit_sessions SET last_seq = %s, updated = now() WHERE name = %s",
                         (stamped[-1]["seq"], self.name))
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, self.name))
        self._mirror(seen + stamped)
        return stamped if prepared else seen + stamped

    def _local_append(self, stamped: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self._local is not None
        return self._local.append(stamped)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
        self._conn = None
        if self._local is not None:
            self._local.close()
        if self._local_file is not None:
            # the file stays while the database may lack some of it; the next seat uploads it
            self._local_file.release(remove=self.online and self._db_seq == self.last_seq)
            self._local_file = None

    def remove(self) -> None:
        """Take back a session this process just created and could not complete."""
        with contextlib.suppress(psycopg.Error, CockpitError):
            conn = self._connection()
            with conn.transaction():
                if conn.execute("SELECT 1 FROM cockpit_events WHERE session = %s LIMIT 1",
                                (self.name,)).fetchone() is None:
                    conn.execute("DELETE FROM cockpit_sessions WHERE name = %s", (self.name,))
        self.close()

    # -- following, the lease, presence ------------------------------------------------------------

    async def changes(self, fallback: Callable[[str], object] | None = None) -> AsyncIterator[None]:
        """Once at once, then once per burst of ``NOTIFY`` for this session; while the database
        is unreachable, once every ``RECONNECT_SECONDS`` (so the seat tries it again)."""
        while True:
            try:
                conn = await self.db.connect_async()
            except (Unreachable, DatabaseError):
                yield
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                await conn.execute(f"LISTEN {CHANNEL}")
                yield
                async for note in conn.notifies():
                    if note.payload == self.name:
                        yield
            except psycopg.OperationalError:
                pass
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()
            yield  # the connection went: the read finds the database gone (or back)

    def _key(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute("SELECT key FROM cockpit_sessions WHERE name = %s", (self.name,)).fetchone()
        if row is None:
            raise DatabaseError(f"no session named {self.name} in the journal database")
        return int(row[0])

    def lease(self) -> PgLease:
        return PgLease(self)

    def presence(self) -> PgPresence:
        return PgPresence(self)


def _clock(moment: Any) -> str:
    return moment.strftime("%H:%M:%S") if isinstance(moment, datetime) else str(moment)


class PgLease:
    """The poller lease: a session-level advisory lock on a connection of its own; the server
    lets go of it when the holder's connection ends, however the holder died."""

    def __init__(self, journal: PgJournal) -> None:
        self.journal = journal
        self._conn: psycopg.Connection[Any] | None = None
        self.error: str | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        try:
            conn = self.journal.db.connect()
            key = self.journal._key(conn)
            (got,) = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LEASE_SPACE, key)).fetchone()
        except (CockpitError, psycopg.Error):
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


class PgPresence:
    """Seats in the database: a row each, alive while its connection holds the seat's advisory
    lock (``pg_locks`` says), so a seat that died is noticed without any heartbeat."""

    def __init__(self, journal: PgJournal) -> None:
        self.journal = journal
        self._conn: psycopg.Connection[Any] | None = None
        self._key: int | None = None
        self._recent: tuple[float, list[tuple[str, bool]]] | None = None

    def mark(self, handle: str, *, read_only: bool = False) -> bool:
        if self._conn is not None:
            return True
        try:
            conn = self.journal.db.connect()
            (key,) = conn.execute("INSERT INTO cockpit_seats (session, handle, read_only) VALUES"
                                  " (%s, %s, %s) RETURNING key",
                                  (self.journal.name, handle, read_only)).fetchone()
            conn.execute("SELECT pg_advisory_lock(%s, %s)", (SEAT_SPACE, key))
        except (CockpitError, psycopg.Error):
            return False
        self._conn, self._key = conn, key
        return True

    def clear(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute("DELETE FROM cockpit_seats WHERE key = %s", (self._key,))
                self._conn.close()
            self._conn = self._key = None

    def _seats(self, *, reap: bool = False) -> list[tuple[str, bool, bool]]:
        query = ("SELECT s.key, s.handle, s.read_only, EXISTS (SELECT 1 FROM pg_locks l WHERE"
                 " l.locktype = 'advisory' AND l.classid = %s::oid AND l.objid = s.key::oid"
                 " AND l.objsubid = 2 AND l.granted) FROM cockpit_seats s WHERE s.session = %s")
        try:
            conn = self._conn or self.journal._connection()
            rows = conn.execute(query, (SEAT_SPACE, self.journal.name)).fetchall()
            if reap:
                dead = [key for key, _, _, alive in rows if not alive]
                if dead:
                    conn.execute("DELETE FROM cockpit_seats WHERE key = ANY(%s)", (dead,))
        except (CockpitError, psycopg.Error):
            return []
        return [(handle, read_only, alive) for _, handle, read_only, alive in rows]

    def present(self) -> list[tuple[str, bool]]:
        return sorted((h, r) for h, r, alive in self._seats() if alive)

    def recent(self, *, max_age: float = 5.0) -> list[tuple[str, bool]]:
        now = time.monotonic()
        if self._recent is None or now - self._recent[0] >= max_age:
            self._recent = (now, self.present())
        return self._recent[1]

    def departed(self) -> list[tuple[str, bool]]:
        return sorted((h, r) for h, r, alive in self._seats(reap=True) if not alive)


# -- moving sessions between a file and the database --------------------------------------------------


def list_sessions(db: Database) -> list[dict[str, Any]]:
    """The database's sessions, newest first: name, header, how many events, last change."""
    try:
        with db.connect() as conn:
            rows = conn.execute("SELECT name, header, last_seq, updated FROM cockpit_sessions"
                                " ORDER BY created DESC, name").fetchall()
    except psycopg.OperationalError as exc:
        raise db.unreachable(exc) from None
    except psycopg.Error as exc:
        raise refused(db, exc) from None
    return [{"name": n, "header": _header_from_db(h), "events": s, "updated": u} for n, h, s, u in rows]


def resolve_name(db: Database, spec: str) -> str:
    """A session's name in the database from its name or an unambiguous prefix."""
    names = [row["name"] for row in list_sessions(db)]
    if spec in names:
        return spec
    matches = [n for n in names if n.startswith(spec)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise DatabaseError(f"no session named {spec!r} in the journal database at {db.where}"
                            " (`cockpit sessions --journal URL` lists them)")
    raise DatabaseError(f"{spec!r} names several sessions in the journal database: "
                        + ", ".join(matches[:8]))


def push(db: Database, path: Path) -> tuple[str, int]:
    """Publish a session file: its header and every event the database lacks (by ``id``; an
    event without one is known by its session and seq), in order. Returns (name, uploaded)."""
    loaded = Journal(path).load()
    header = loaded.header
    name = str(header.get("session") or path.stem)
    records = [r if r.get("id") else {**r, "id": f"{name}#{r['seq']}"} for r in loaded.events]
    try:
        with db.connect() as conn, conn.transaction():
            conn.execute("INSERT INTO cockpit_sessions (name, header, created) VALUES (%s, %s::jsonb, %s)"
                         " ON CONFLICT (name) DO NOTHING",
                         (name, jsonfmt.dumps({**header, "session": name}), header.get("created")))
            (last, theirs) = conn.execute("SELECT last_seq, header FROM cockpit_sessions WHERE name = %s"
                                          " FOR UPDATE", (name,)).fetchone()
            if str(_header_from_db(theirs).get("created")) != str(header.get("created")):
                raise DatabaseError(f"the journal database already holds another session named"
                                    f" {name} (created {_header_from_db(theirs).get('created')})")
            present = {row[0] for row in conn.execute(
                "SELECT id FROM cockpit_events WHERE id = ANY(%s)", ([r["id"] for r in records],))}
            missing = [r for r in records if r["id"] not in present]
            if missing:
                moved = {r["seq"]: last + n for n, r in enumerate(missing, start=1)}
                stamped = [{**r, "seq": moved[r["seq"]]} for r in _renumber(missing, moved)]
                _insert_rows(conn, name, stamped)
                conn.execute("UPDATE cockpit_sessions SET last_seq = %s, updated = now() WHERE name = %s",
                             (stamped[-1]["seq"], name))
                conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, name))
    except psycopg.OperationalError as exc:
        raise db.unreachable(exc) from None
    except psycopg.Error as exc:
        raise refused(db, exc) from None
    return name, len(missing)


def session_bytes(header: dict[str, Any], records: list[dict[str, Any]]) -> bytes:
    """A session file holding ``records`` (numbered 1, 2, 3… as the database numbers them)."""
    head = {"format": rec.FORMAT, **{k: v for k, v in header.items() if k != "format"}}
    text = "[cockpit]\n" + "\n".join(toml_table_lines(head)) + "\n"
    return text.encode("utf-8") + b"".join(event_block(r) for r in records)


def snapshot(db: Database, name: str) -> Path:
    """A file of the database session as it is now, for commands that only read (report,
    replay, web); offline, this host's newest copy of it."""
    folder = user_data_dir() / "journals" / db.folder_key / "snapshots"
    try:
        header, records = pull(db, name)
    except Unreachable:
        newest = newest_local(local_folder(db, name))
        if newest is None:
            raise
        return newest
    make_folders(folder)
    return replace_private(folder / f"{name}.toml", session_bytes(header, records))


def pull(db: Database, spec: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A database session's header and records, as a session file holds them."""
    name = resolve_name(db, spec)
    journal = PgJournal(db, name)
    try:
        with db.connect() as conn:
            return journal._fetch_all(conn)
    except psycopg.OperationalError as exc:
        raise db.unreachable(exc) from None
    except psycopg.Error as exc:
        raise refused(db, exc) from None
