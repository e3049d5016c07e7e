"""One timeline entry in full: the timeline shows one line per event and cuts long ones with "…".

Enter or space on a timeline row opens this read-only view: when, who, what kind, and the whole
text wrapped to the width, scrolling when it is longer than the screen. A text written over
several lines (a posted status update) is also shown as written. Everything is plain ``Text``
after ``printable``: words from people and endpoints never act as markup or escape sequences.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from cockpit.domain.events import Event
from cockpit.text import printable
from cockpit.ui.panes.describe import describe
from cockpit.ui.prompts import PromptScreen


def entry_text(event: Event, steps: Mapping[str, str] | None = None) -> Text:
    """The whole entry as plain text: a heading line, then what it says, then the text as written
    when it runs over several lines."""
    kind = event.kind + (f" ({event.tag})" if isinstance(getattr(event, "tag", None), str) else "")
    shown = Text()
    shown.append(f"{event.at:%Y-%m-%d %H:%M:%S} UTC · {printable(event.by, one_line=True) or '?'}"
                  f" · {kind}\n\n", style="bold")
    shown.append(printable(describe(event, steps), one_line=True))
    written = getattr(event, "text", None)
    if isinstance(written, str) and "\n" in written.strip():
        shown.append("\n\nAs written:\n", style="bold")
        shown.append(printable(written.strip()))
    return shown


class EntryDetail(PromptScreen[None]):
    """A read-only view of one timeline entry; Escape or Enter closes it."""

    DEFAULT_CSS = """
    EntryDetail .prompt-box { width: 100; }
    EntryDetail VerticalScroll { height: auto; max-height: 30; }
    """
    BINDINGS = [Binding("escape,enter,space", "close", "close", show=False)]

    def __init__(self, event: Event, steps: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.event = event
        self.steps = steps

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            with VerticalScroll():
                yield Static(entry_text(self.event, self.steps), id="entry-text")
            yield Label(Text("Esc or Enter to close · ↑↓ to scroll"), classes="prompt-hint")

    def action_close(self) -> None:
        self.dismiss(None)
