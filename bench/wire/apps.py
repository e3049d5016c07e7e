"""The references for bench/terminal.py: the least a Textual app can do, run in the same pty.

``python bench/wire/apps.py modal`` shows one line that never changes and, on ``n``, a modal with a
one-line Input (Escape closes it): the floor for "a key opens a prompt" and for "nothing changes,
nothing is sent". ``python bench/wire/apps.py clock`` shows one Static updated every second: the
floor for a screen with one ticking clock.
"""

from __future__ import annotations

import sys
import time

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Static

STILL_TEXT = "minimal reference app"
PLACEHOLDER = "what you see or hear"
MODAL_MARK = PLACEHOLDER[1:]
"""The placeholder as the terminal receives it: the cursor sits on its first letter, drawn apart."""


class NotePrompt(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", show=False)]
    DEFAULT_CSS = "NotePrompt { align: center middle; } NotePrompt Input { width: 72; }"

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER)


class Still(App[None]):
    BINDINGS = [Binding("n", "note")]

    def compose(self) -> ComposeResult:
        yield Static(STILL_TEXT)

    def action_note(self) -> None:
        self.push_screen(NotePrompt())


class Clock(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(STILL_TEXT, id="clock")

    def on_mount(self) -> None:
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        self.query_one("#clock", Static).update(f"{STILL_TEXT} {time.strftime('%H:%M:%S')}")


if __name__ == "__main__":
    {"modal": Still, "clock": Clock}[sys.argv[1]]().run()
