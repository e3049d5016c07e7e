"""The terminal driver: Textual's Linux driver, with a keyboard thread that sleeps until a key.

Textual's driver reads the keyboard on a thread that wakes ten times a second, to notice that it
should stop and to time out a lone Escape. A seat left open for hours wakes 36,000 times an hour
for nothing: about 1.6 ms of CPU a second on this project's machines, as much as the screen's
own once-a-second tick, for every seat a team keeps open over SSH. This driver's thread waits on
the terminal and on a wake pipe: it wakes for a key, for the Escape timeout only while the
parser holds the start of a sequence, and when the driver stops reading (quitting, suspending).

The parser's deadline is read from Textual's parser (``_timeout_time``): Textual is pinned to
one version (pyproject.toml), and tests/ui/test_driver.py drives a lone Escape, a key sequence
cut in two, a resize and a quit through a real pseudo-terminal.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

READ_SIZE = 4096


class QuietLinuxDriver(LinuxDriver):
    """``LinuxDriver`` whose keyboard thread blocks until there is something to do."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def disable_input(self) -> None:
        """Wake the keyboard thread before Textual waits for it to end."""
        try:
            os.write(self._wake_write, b"!")
        except OSError:  # the pipe is full: the thread is being woken already
            pass
        super().disable_input()
        _drain(self._wake_read)

    def close(self) -> None:
        super().close()
        for end in (self._wake_read, self._wake_write):
            try:
                os.close(end)
            except OSError:
                pass

    def run_input_thread(self) -> None:
        """Read keys until woken to stop: the select waits without a timeout unless the parser
        holds a partial sequence (a lone Escape becomes the Escape key once its delay is up)."""
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        selector = selectors.DefaultSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_read, selectors.EVENT_READ)
        reading = True
        try:
            while True:
                ready = {key.fd for key, _ in selector.select(_wait(parser))}
                if self._wake_read in ready:
                    break
                if self.fileno in ready:
                    data = decode(os.read(self.fileno, READ_SIZE))
                    if data:
                        for message in parser.feed(data):
                            self.process_message(message)
                    elif reading:  # end of input (a pipe): nothing more will come
                        selector.unregister(self.fileno)
                        reading = False
                for message in parser.tick():
                    self.process_message(message)
        finally:
            selector.close()
            try:
                for _ in parser.feed(""):
                    pass
            except Exception:  # noqa: BLE001 - a partial sequence at exit is dropped, as Textual does
                pass


def _wait(parser: XTermParser) -> float | None:
    """Seconds until the parser's pending sequence times out; None when it holds none."""
    deadline = parser._timeout_time  # noqa: SLF001 - see the module's docstring
    return None if deadline is None else max(deadline - get_time(), 0.0)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, READ_SIZE):
            pass
    except OSError:  # empty (EAGAIN) or closed
        pass


class QuietTerminal:
    """Mixed into the cockpit's apps (before ``App``): the quiet driver in place of Textual's
    Linux driver; any other (a web seat's, one named by TEXTUAL_DRIVER) as it is."""

    def get_driver_class(self) -> type[Driver]:
        default: type[Driver] = super().get_driver_class()  # type: ignore[misc]
        return QuietLinuxDriver if default is LinuxDriver else default
