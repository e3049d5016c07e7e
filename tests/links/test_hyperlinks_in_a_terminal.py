"""The bytes a real terminal receives: the incident's links as OSC 8 hyperlinks, and nothing of a
hostile link that a tampered session file carries.

``cockpit open`` runs in a pseudo-terminal (160×48, xterm-256color) and every byte it writes is
read: a terminal that knows OSC 8 gets ``ESC ] 8 ; id=… ; URL ESC \\`` around the label; the URL
itself is written as text too. tmux 3.3 (the e2e tests' terminal) drops OSC 8, which is the case
of a terminal without hyperlinks: the URL is still on screen (tests/links/test_links_in_tmux.py).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from cockpit.domain import events as ev

BRIDGE = "https://meet.example.com/checkout-incident"
DEADLINE = 60.0
HYPERLINK = re.compile(rb"\x1b\]8;id=[^;\x1b\x07]*;(?P<url>[^\x1b\x07]*)\x1b\\")


class Pty:
    """A program in a pseudo-terminal, every byte it writes kept."""

    def __init__(self, argv: list[str], size: tuple[int, int] = (160, 48)) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env |= {"TERM": "xterm-256color", "LANG": "C.UTF-8", "COLORTERM": "truecolor"}
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        start_new_session=True)
        os.close(slave)
        self.output = b""

    def read_until(self, found, what: str, timeout: float = DEADLINE) -> None:
        deadline = time.monotonic() + timeout
        while not found(self.output):
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise AssertionError(f"no {what} in {len(self.output)} bytes: {self.output[-2000:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:  # the program closed the terminal
                    continue

    def press_until(self, key: bytes, found, what: str) -> None:
        """Press ``key`` until ``found``, again every 2 s: the first key after the incident shows
        may land before the screen takes keys (tests/terminal.py says why)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            os.write(self.master, key)
            try:
                self.read_until(found, what, timeout=2.0)
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise

    def close(self) -> None:
        try:
            os.write(self.master, b"\x11")  # ctrl+q
            self.process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def test_links_reach_the_terminal_as_osc8_and_a_hostile_one_never_does(make_session, tmp_path: Path):
    session = make_session()
    session.record(ev.LinkAdded(url=BRIDGE, label="War room", link_kind="bridge"))
    with session.path.open("a") as file:  # another tool's append: an escape that would end OSC 8
        file.write('\n[[events]]\nseq = 90\nat = 2026-11-27T04:10:30.000Z\nby = "mallory"\n'
                   'kind = "link.added"\nlink_kind = "bridge"\nlabel = "Real bridge"\n'
                   'url = "https://x.example/\\u001b\\\\\\u001b]8;;https://evil.example/\\u0007"\n')
    terminal = Pty([sys.executable, "-m", "cockpit", "open", str(session.path), "--as", "alice"])
    try:
        terminal.read_until(lambda out: b"War room" in out and b"link.added" in out, "incident on screen")
        terminal.read_until(lambda out: any(m["url"] == BRIDGE.encode() for m in HYPERLINK.finditer(out)),
                            "hyperlink to the bridge")
        # the links list: label and URL, both hyperlinks
        terminal.press_until(b"l", lambda out: b"Links \xc2\xb7 1" in out, "the links list")
        terminal.read_until(lambda out: sum(m["url"] == BRIDGE.encode() for m in HYPERLINK.finditer(out)) >= 4,
                            "the list's hyperlinks")
    finally:
        terminal.close()
    urls = {m["url"] for m in HYPERLINK.finditer(terminal.output)}
    assert urls <= {BRIDGE.encode(), b""}  # only the one real link; b"" closes a hyperlink
    assert b"\x1b]8;;https://evil" not in terminal.output  # the planted escape never reached it
