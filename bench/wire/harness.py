"""A program in a pseudo-terminal, every byte it writes to the terminal timestamped on arrival.

This is what an SSH user's terminal (or tmux) sees: the bytes on the wire, not the frames an
app believes it painted. The terminal has a fixed size (TIOCSWINSZ), ``TERM=xterm-256color``,
and is the program's controlling terminal (``setsid --ctty``, as a login shell's would be). It
answers none of the app's queries (synchronised output, the kitty keyboard protocol, in-band
resize), like a plain xterm-compatible terminal, so the app falls back to what works anywhere.

Times are ``time.monotonic()``: CLOCK_MONOTONIC is system-wide on Linux, so they compare
directly with times taken in other processes.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]"         # CSI: cursor, colours, modes
                     rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, clipboard
                     rb"|\x1b[P^_][^\x1b]*\x1b\\"          # DCS, PM, APC strings
                     rb"|\x1b[@-Z\\-_]|\x1b[ -/][@-~]")     # two-byte escapes, charset picks


SCAN_EVERY = 0.002


def visible_text(data: bytes) -> str:
    """The characters written, escape sequences removed: words drawn in one style stay whole,
    so a label's text can be found without emulating the screen."""
    return ESCAPES.sub(b"", data).decode("utf-8", "replace")


def _shows(chunks: list[tuple[float, bytes]], words: list[bytes]) -> bool:
    text = ESCAPES.sub(b"", b"".join(data for _, data in chunks))
    return all(word in text for word in words)


def _completing(chunks: list[tuple[float, bytes]], words: list[bytes]) -> float:
    """The arrival time of the first chunk by which ``chunks`` show every one of ``words``."""
    low, high = 1, len(chunks)  # chunks[:high] shows them all
    while low < high:
        middle = (low + high) // 2
        if _shows(chunks[:middle], words):
            high = middle
        else:
            low = middle + 1
    return chunks[high - 1][0]


@dataclass(frozen=True)
class Answer:
    """What the terminal received for one key: when the first byte came, when the last byte of
    the answer came (then nothing for ``quiet``), and how many bytes it took."""

    first: float
    complete: float
    size: int


class Terminal:
    """``argv`` running in a ``cols``×``rows`` pseudo-terminal; a thread reads and stamps its output."""

    def __init__(self, argv: Sequence[str], *, size: tuple[int, int], env: dict[str, str],
                 cwd: str) -> None:
        cols, rows = size
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.spawned = time.monotonic()
        self.process = subprocess.Popen(["setsid", "--ctty", *argv], stdin=slave, stdout=slave,
                                        stderr=slave, env=env, cwd=cwd, close_fds=True)
        os.close(slave)
        self.chunks: list[tuple[float, bytes]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, name=f"pty {argv[-1]}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the program closed the terminal
                data = b""
            stamped = time.monotonic()
            with self._arrived:
                self.chunks.append((stamped, data))  # b"" marks the end
                self._arrived.notify_all()
            if not data:
                return

    # -- what arrived ------------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the output: what arrives from now on is after it."""
        with self._arrived:
            return len(self.chunks)

    def output(self, since: int = 0, until: int | None = None) -> bytes:
        with self._arrived:
            return b"".join(data for _, data in self.chunks[since:until])

    def bytes_between(self, start: float, end: float) -> int:
        with self._arrived:
            return sum(len(data) for at, data in self.chunks if start <= at < end)

    def wait_for(self, *words: str, since: int = 0, timeout: float = 30.0) -> float | None:
        """The arrival time of the chunk that completed every one of ``words`` in the text
        written since ``since``; None after ``timeout`` or when the program ended first.

        The text is searched outside the lock, at most every ``SCAN_EVERY``, so that the reading
        thread is never kept waiting and its timestamps stay those of arrival; which chunk
        completed the words is found afterwards, by bisection."""
        deadline = time.monotonic() + timeout
        encoded = [w.encode() for w in words]
        seen = 0
        while True:
            with self._arrived:
                if len(self.chunks) - since == seen:
                    self._arrived.wait(max(0.0, deadline - time.monotonic()))
                chunks = self.chunks[since:]
            if len(chunks) > seen:
                seen = len(chunks)
                if _shows(chunks, encoded):
                    return _completing(chunks, encoded)
                if chunks[-1][1] == b"":
                    return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(SCAN_EVERY)  # let a burst of chunks finish arriving before searching again

    def first_byte(self, since: int = 0, timeout: float = 30.0, after: float = 0.0) -> float | None:
        """When the first byte after position ``since`` (and not before the time ``after``) arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for at, data in self.chunks[since:]:
                    if not data:
                        return None
                    if at >= after:
                        return at
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._arrived.wait(left)

    def settle(self, quiet: float, timeout: float = 10.0) -> float | None:
        """Wait until nothing has arrived for ``quiet`` seconds; returns the last arrival time
        before that silence (None when output never paused within ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                last = self.chunks[-1][0] if self.chunks else self.spawned
                now = time.monotonic()
                if now - last >= quiet:
                    return last
                if now >= deadline:
                    return None
                self._arrived.wait(min(quiet - (now - last), deadline - now) + 0.001)

    # -- keys and the end --------------------------------------------------------------------------

    def press(self, keys: str | bytes) -> tuple[float, int]:
        """Type ``keys`` at the terminal; returns when they were sent and the output position."""
        mark = self.mark()
        sent = time.monotonic()
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)
        return sent, mark

    def answer(self, keys: str | bytes, *words: str, quiet: float = 0.03,
               timeout: float = 10.0) -> tuple[float, Answer] | None:
        """Press ``keys`` and wait for the answer showing ``words``, then ``quiet`` without bytes."""
        sent, mark = self.press(keys)
        shown = self.wait_for(*words, since=mark, timeout=timeout)
        if shown is None:
            return None
        last = self.settle(quiet, timeout=timeout)
        first = self.first_byte(mark, timeout=0)
        if last is None or first is None:
            return None
        with self._arrived:
            size = sum(len(d) for at, d in self.chunks[mark:] if at <= last)
        return sent, Answer(first=first, complete=last, size=size)

    def cpu_seconds(self) -> float:
        """CPU time the program's threads have run so far, in nanoseconds from each thread's
        /proc/PID/task/TID/schedstat: /proc/PID/stat counts in clock ticks (10 ms), as coarse
        as what an idle seat uses in three seconds."""
        total = 0
        for thread in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{thread}/schedstat", encoding="ascii") as stat:
                    total += int(stat.read().split()[0])
            except FileNotFoundError:  # a thread that ended meanwhile
                continue
        return total / 1e9

    def close(self) -> None:
        """End the program (SIGTERM, then SIGKILL) and release the terminal."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=2)
        try:
            os.close(self.master)
        except OSError:
            pass
