"""Seat processes for the multi-seat tests: real interpreters on one session file."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("seat_worker.py")


class SeatProcess:
    """One ``seat_worker.py`` process; ``expect`` waits for a line it prints, with a deadline.

    ``prefix`` goes before the interpreter, e.g. ``setpriv`` to run the seat as another user;
    ``python`` and ``worker`` are then an interpreter and a copy of the worker that user can reach.
    """

    def __init__(self, mode: str, session: Path, handle: str, *args: str, log_dir: Path,
                 prefix: Sequence[str] = (), python: str = sys.executable, worker: Path = WORKER,
                 **popen: object) -> None:
        self.handle = handle
        self.log = log_dir / f"{handle}-{mode}-{time.monotonic_ns()}.stderr"
        with open(self.log, "wb") as stderr:
            self.proc = subprocess.Popen(
                [*prefix, python, str(worker), mode, str(session), handle, *args],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, **popen)
        self.lines: list[str] = []
        self._buffer = b""
        self._read = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, timeout: float = 60.0) -> str:
        """The next line (not returned before) starting with ``prefix``."""
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self._read, len(self.lines)):
                if self.lines[index].startswith(prefix):
                    self._read = index + 1
                    return self.lines[index]
            left = deadline - time.monotonic()
            if left <= 0 or not self._pump(left):
                raise AssertionError(f"{self.handle}: no line starting {prefix!r} within {timeout}s;"
                                     f" printed {self.lines[-5:]}; stderr: {self.stderr()[-800:]}")

    def drain(self) -> list[str]:
        """Every line printed, after the process has ended (a killed one included)."""
        assert self.proc.stdout is not None
        self.proc.wait(timeout=30)
        self._split(self.proc.stdout.read())
        return self.lines

    def _pump(self, timeout: float) -> bool:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        readable, _, _ = select.select([fd], [], [], timeout)
        if not readable:
            return False
        data = os.read(fd, 65536)
        if not data:
            return False
        self._split(data)
        return True

    def _split(self, data: bytes) -> None:
        self._buffer += data
        *complete, self._buffer = self._buffer.split(b"\n")
        self.lines.extend(line.decode() for line in complete)

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                stream.close()


@pytest.fixture
def seats(tmp_path: Path):
    """Start seat processes; every one still running is killed when the test ends."""
    started: list[SeatProcess] = []
    log_dir = tmp_path / "seat-logs"
    log_dir.mkdir()

    def start(mode: str, session: Path, handle: str, *args: str, prefix: Sequence[str] = (),
              **popen: object) -> SeatProcess:
        seat = SeatProcess(mode, session, handle, *args, log_dir=log_dir, prefix=prefix, **popen)
        started.append(seat)
        return seat

    yield start
    for seat in started:
        seat.stop()


@pytest.fixture
def session_file(make_session) -> Path:
    """A declared incident on disk (3 events), closed, for the seat processes to share."""
    session = make_session()
    session.close()
    return session.path
