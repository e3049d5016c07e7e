"""A real PostgreSQL server on loopback in a temporary folder, for the tests and the benchmark.

Debian's initdb and pg_ctl, a free loopback port, the socket folder inside the temporary folder.
PostgreSQL refuses to run as root, so under root (CI) the server runs as ``nobody`` in a folder
that user owns. The cockpit's tables are made once by ``cockpit db init`` as the superuser, in a
template database; ``new_database`` copies it, reached as a role with only the rights
docs/journals.md lists.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ADMIN = "admin"
SEAT_ROLE = "cockpit_seat"


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    folder: Path
    port: int
    user: str | None
    """The Unix user the server runs as (None: this process's own)."""
    counter: int = 0

    def url(self, database: str, role: str = SEAT_ROLE) -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(command), capture_output=True, text=True, user=self.user,
                              cwd=self.folder, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")
        return done

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(_bin("pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database, ADMIN), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        self.counter += 1
        name = f"t{os.getpid()}_{self.counter}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE cockpit_template")
        return name


@contextmanager
def running() -> Iterator[Server]:
    """A started server with the template database, stopped and removed afterwards; raises
    LookupError when PostgreSQL is not installed."""
    initdb = _bin("initdb")
    if initdb is None:
        raise LookupError("needs PostgreSQL's initdb (Debian package postgresql; .ci/run installs it)")
    user = "nobody" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
    if user:
        shutil.chown(folder, user)
    server = Server(folder, _free_port(), user)
    try:
        server._run(initdb, "-D", str(folder / "data"), "-U", ADMIN, "--auth=trust", "-E", "UTF8",
                    "--no-sync", "--no-instructions")
        server.start()
        try:
            server.sql(f"CREATE ROLE {SEAT_ROLE} LOGIN")
            server.sql("CREATE DATABASE cockpit_template")
            from cockpit.pgjournal import GRANTS, Database, init_schema

            init_schema(Database.parse(server.url("cockpit_template", ADMIN)))
            server.sql(GRANTS.format(role=SEAT_ROLE), "cockpit_template")
            yield server
        finally:
            try:
                server.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
