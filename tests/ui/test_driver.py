"""The quiet terminal driver (cockpit.ui.driver) in a real pseudo-terminal.

A small app built like the cockpit's (``QuietTerminal`` before ``App``) writes every key it
receives to a file. The test writes bytes to its terminal as a keyboard does: a key, a lone
Escape (only the parser's timeout can turn it into the Escape key: the thread must wake for it),
an arrow key whose sequence arrives in two writes, and ``q``, which quits (the thread must wake
to let the program end). Between keys the idle program must not wake ten times a second.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

APP = """
import sys
from textual.app import App
from cockpit.ui.driver import QuietTerminal

class Keys(QuietTerminal, App[None]):
    def on_mount(self):
        self.log_file = open(sys.argv[1], "a", buffering=1)
        self.log_file.write(f"driver {type(self._driver).__name__}\\n")

    def on_key(self, event):
        self.log_file.write(event.key + "\\n")
        if event.key == "q":
            self.exit()

Keys().run()
"""

DEADLINE = 60.0


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _drain(terminal: int) -> None:
    """Read what the app wrote to its terminal, so that it never blocks writing its frames."""
    try:
        while os.read(terminal, 65536):
            pass
    except OSError:  # nothing more for now (the terminal is non-blocking)
        pass


def _until(log: Path, line: str, process: subprocess.Popen[bytes], terminal: int) -> None:
    deadline = time.monotonic() + DEADLINE
    while line not in _lines(log):
        _drain(terminal)
        assert process.poll() is None, f"the app ended before {line!r}: {_lines(log)}"
        assert time.monotonic() < deadline, f"never logged {line!r}: {_lines(log)}"
        time.sleep(0.01)


def _wakeups(pid: int) -> int:
    """Every time one of the process's threads was woken (voluntary context switches)."""
    total = 0
    for thread in os.listdir(f"/proc/{pid}/task"):
        status = Path(f"/proc/{pid}/task/{thread}/status").read_text()
        total += int(status.split("voluntary_ctxt_switches:")[1].split()[0])
    return total


def _quiet_second(pid: int, terminal: int) -> bool:
    """Whether, once it has settled, a second goes by with the idle app woken fewer than three
    times. Textual's own driver wakes its keyboard thread ten times every second; on a busy
    machine the app may take a while to finish its first frames, hence the tries."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        _drain(terminal)
        before = _wakeups(pid)
        time.sleep(1.0)  # a second with nothing typed
        if _wakeups(pid) - before < 3:
            return True
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux driver")
def test_keys_escape_split_sequences_and_quit_through_a_real_terminal(tmp_path: Path) -> None:
    log = tmp_path / "keys.log"
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("TEXTUAL_DRIVER", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen([sys.executable, "-c", APP, str(log)], stdin=child, stdout=child,
                               stderr=child, env=env, start_new_session=True)
    os.close(child)
    try:
        os.set_blocking(main, False)
        _until(log, "driver QuietLinuxDriver", process, main)
        os.write(main, b"a")
        _until(log, "a", process, main)

        assert _quiet_second(process.pid, main), "the idle app never stopped waking up"

        os.write(main, b"\x1b")  # a lone Escape: the Escape key once its delay is up
        _until(log, "escape", process, main)
        os.write(main, b"\x1b[")  # the up arrow, cut in two
        os.write(main, b"A")
        _until(log, "up", process, main)
        _drain(main)
        os.write(main, b"q")
        deadline = time.monotonic() + DEADLINE
        while process.poll() is None:  # the keyboard thread woke to let the program end
            assert time.monotonic() < deadline, "the app did not end on q"
            _drain(main)
            time.sleep(0.01)
        assert process.returncode == 0
        assert _lines(log) == ["driver QuietLinuxDriver", "a", "escape", "up", "q"]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
