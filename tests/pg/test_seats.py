"""Seats in separate processes on one PostgreSQL journal: concurrent appends, a seat cut off by
the server stopping that keeps recording and syncs, and the poller lease changing hands."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from cockpit.domain.clock import SystemClock
from cockpit.pgjournal import Database
from cockpit.session import new_incident
from cockpit.settings import Config, load_protocol
from cockpit.journals import DatabaseTarget

pytestmark = pytest.mark.xdist_group("pg")
WORKER = Path(__file__).with_name("pg_worker.py")
DEADLINE = float(os.environ.get("PG_TEST_DEADLINE", 60))


class Worker:
    """One ``pg_worker.py`` process; ``expect`` waits for a line it prints (never for a time)."""

    def __init__(self, mode: str, url: str, name: str, handle: str, *args: str, log: Path) -> None:
        self.log = log / f"{handle}-{mode}-{time.monotonic_ns()}.stderr"
        root = str(Path(__file__).parents[2])
        with open(self.log, "wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, str(WORKER), mode, url, name, handle, *args], cwd=root,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                env={**os.environ, "PYTHONPATH": root})
        self.lines: list[str] = []
        self._used: set[int] = set()
        self._partial = b""

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, *, saying: str = "") -> str:
        """The first line not taken yet that starts with ``prefix`` (and holds ``saying``); the
        deadline only ends a test that hangs."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + DEADLINE
        while True:
            for index, line in enumerate(self.lines):
                if index not in self._used and line.startswith(prefix) and saying in line:
                    self._used.add(index)
                    return line
            left = deadline - time.monotonic()
            ready = select.select([self.proc.stdout], [], [], max(left, 0))[0] if left > 0 else []
            chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                break
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self.lines += [raw.decode() for raw in complete]
        raise AssertionError(f"no line {prefix!r}; printed {self.lines[-6:]};"
                             f" stderr {self.log.read_text()[-1500:]}")

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def declared(url: str, title: str = "Payments failing") -> str:
    config = Config()
    session = new_incident(config=config, protocol=load_protocol("major-incident", config),
                           title=title, severity="SEV2", path=DatabaseTarget(Database.parse(url)),
                           clock=SystemClock(), handle="lead")
    session.close()
    return session.name


def rows(url: str, name: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT seq, kind, coalesce(record->>'text', '') FROM cockpit_events"
                            " WHERE session = %s ORDER BY seq", (name,)).fetchall()


def test_seats_on_several_processes_append_at_once(pg_url, tmp_path):
    name = declared(pg_url)
    writers = [Worker("write", pg_url, name, f"seat{i}", "25", log=tmp_path) for i in range(4)]
    acknowledged = []
    try:
        for writer in writers:
            writer.expect("done")
            acknowledged += [line.split(" ", 2) for line in writer.lines if line.startswith("recorded")]
    finally:
        for writer in writers:
            writer.end()
    found = rows(pg_url, name)
    assert [seq for seq, _, _ in found] == list(range(1, len(found) + 1))  # contiguous
    notes = [text for _, kind, text in found if kind == "note.added"]
    assert sorted(notes) == sorted(text for _, _, text in acknowledged)  # each once, none lost
    assert len(notes) == 100
    by_seq = {seq: text for seq, _, text in found}
    assert all(by_seq[int(seq)] == text for _, seq, text in acknowledged)


def test_a_seat_cut_off_keeps_recording_and_syncs(pg_server, pg_url, tmp_path):
    name = declared(pg_url)
    cut = Worker("seat", pg_url, name, "bob", log=tmp_path)
    lead = Worker("seat", pg_url, name, "alice", log=tmp_path)
    try:
        cut.expect("ready")
        lead.expect("ready")
        cut.send("note before the cut")
        cut.expect("recorded")
        lead.expect("seen before the cut")
        pg_server.stop()
        try:
            for n in range(3):
                cut.send(f"note offline {n}")
                assert cut.expect("recorded").split(" ", 2)[1] != "-"  # acknowledged: on local disk
            cut.expect("notice", saying="offline: cannot reach the journal database")
            time.sleep(LATE_AFTER)  # the notes must be old when they arrive, to be "late"
        finally:
            pg_server.start()
        for n in range(3):
            lead.expect(f"seen offline {n}")
        assert "by bob arrived late" in lead.expect("notice", saying="arrived late")
        cut.expect("notice", saying="back online: 3 entries recorded offline")
        cut.send("texts")
        lead.send("texts")
        mine = json.loads(cut.expect("texts ").split(" ", 1)[1])
        theirs = json.loads(lead.expect("texts ").split(" ", 1)[1])
        assert mine == theirs
        assert mine.count("offline 0") == 1
    finally:
        cut.end()
        lead.end()
    notes = [text for _, kind, text in rows(pg_url, name) if kind == "note.added"]
    assert notes == ["before the cut", "offline 0", "offline 1", "offline 2"]


LATE_AFTER = 5.5
"""More than ``cockpit.pgjournal.LATE_SECONDS``: the wait is the thing under test here."""


def test_a_polling_seat_killed_hands_the_lease_on(pg_url, tmp_path):
    name = declared(pg_url)
    first = Worker("lease", pg_url, name, "one", log=tmp_path)
    second = None
    try:
        first.expect("held")
        second = Worker("lease", pg_url, name, "two", log=tmp_path)
        second.expect("waiting")
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait()
        second.expect("held")
    finally:
        first.end()
        if second is not None:
            second.end()
