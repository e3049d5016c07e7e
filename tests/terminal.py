"""Real terminals for the end-to-end tests: named windows of a private tmux server.

A test starts the real program in one (``cockpit``), types and presses keys as a person would,
and reads the screen with ``capture-pane``. Every wait polls the screen, or a condition such as
an exit-code file, against a deadline: nothing sleeps blindly. The programs run with the test's
isolated folders (``XDG_*``, ``COCKPIT_USER``) and without pytest's ``COLUMNS``/``LINES``, which
Textual would take as the terminal's size instead of tmux's.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ISOLATED = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "COCKPIT_USER")


def program_env(**extra: str) -> str:
    """``env …`` that runs a program with the test's folders, a 256-colour terminal and UTF-8."""
    values = {k: os.environ[k] for k in ISOLATED if k in os.environ}
    values |= {"TERM": "xterm-256color", "LANG": "C.UTF-8", **extra}
    return "env -u COLUMNS -u LINES " + " ".join(f"{k}={shlex.quote(v)}" for k, v in values.items())


class Terminals:
    """A private tmux server; each window is a terminal named by the test."""

    def __init__(self) -> None:
        self.socket = f"cockpit-test-{os.getpid()}-{time.monotonic_ns()}"

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              timeout=60, check=True)
        return done.stdout

    def start(self, name: str, command: str, size: tuple[int, int] = (160, 48)) -> None:
        """Run ``command`` (a shell command line) in a new terminal of ``size`` columns × rows."""
        self.run("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), command)

    def cockpit(self, name: str, *args: str, cwd: Path | None = None,
                exit_file: Path | None = None) -> None:
        """``cockpit ARGS`` in a new terminal; with ``exit_file``, its exit code is written there
        and the terminal stays open afterwards, for the screen to be read."""
        command = f"{program_env()} {shlex.join([sys.executable, '-m', 'cockpit', *args])}"
        if cwd is not None:
            command = f"cd {shlex.quote(str(cwd))} && {command}"
        if exit_file is not None:
            command += f"; echo $? > {shlex.quote(str(exit_file))}; sleep 60"
        self.start(name, command)

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str) -> None:
        """tmux key names: ``Enter``, ``C-q``, ``Home``, or single characters."""
        self.run("send-keys", "-t", name, *keys)

    def type(self, name: str, text: str) -> None:
        """``text`` typed literally (``[bold]`` stays ``[bold]``)."""
        self.run("send-keys", "-t", name, "-l", text)

    def enter(self, name: str, text: str) -> None:
        self.type(name, text)
        self.keys(name, "Enter")

    def resize(self, name: str, width: int, height: int) -> None:
        self.run("resize-window", "-t", name, "-x", str(width), "-y", str(height))

    def wait_for(self, name: str, expected: str | Callable[[str], bool], timeout: float = 30,
                 what: str = "") -> float:
        """Seconds until ``expected`` is on ``name``'s screen (a text, or a test of the screen)."""
        def shown() -> bool:
            screen = self.screen(name)
            return expected in screen if isinstance(expected, str) else expected(screen)

        return self.wait_until(what or repr(expected), shown, timeout, name)

    def press_until(self, name: str, key: str, expected: str, timeout: float = 60,
                    again_after: float = 2.0) -> float:
        """Press ``key`` until ``expected`` is on ``name``'s screen, pressing it again each
        ``again_after`` seconds, for a key that is harmless when repeated (a pane, a refused
        entry). The first key after ``cockpit open`` needs this: the incident is on screen a
        moment before the keys held while it opened are dealt with, and a key pressed then is
        not used (the app says so), however long the test waited for the screen."""
        deadline = time.monotonic() + timeout
        while True:
            self.keys(name, key)
            left = deadline - time.monotonic()
            try:
                return self.wait_for(name, expected, timeout=max(min(again_after, left), 0.1))
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise

    def wait_until(self, what: str, check: Callable[[], bool], timeout: float = 30,
                   name: str | None = None) -> float:
        """Seconds until ``check()`` holds; on timeout, the error shows ``name``'s screen."""
        start = time.monotonic()
        while not check():
            if time.monotonic() - start > timeout:
                screen = f"; {name}'s screen shows:\n{self.screen(name)}" if name else ""
                raise AssertionError(f"timed out after {timeout}s waiting for {what}{screen}")
            time.sleep(0.02)
        return time.monotonic() - start

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
