"""One timeline entry in full: the timeline shows one line per event and cuts long ones with "…".

Enter or space on a timeline row opens this read-only view: when, who, what kind, and the whole
text wrapped to the width, scrolling when it is longer than the screen. ``c`` sends the entry (its
heading and its text) to the terminal's clipboard and says where it went; ``w`` saves it to a
file (:mod:`cockpit.ui.clipboard`). A text written over
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


def entry_heading(event: Event) -> Text:
    """``2026-11-27 04:31:40 UTC · alice · note.added (decision)``"""
    kind = event.kind + (f" ({event.tag})" if isinstance(getattr(event, "tag", None), str) else "")
    who = printable(event.by, one_line=True) or "?"
    return Text(f"{event.at:%Y-%m-%d %H:%M:%S} UTC · {who} · {kind}", style="bold")


def entry_body(event: Event, steps: Mapping[str, str] | None = None) -> Text:
    """What the entry says, whole; then the text as written when it runs over several lines."""
    body = Text(printable(describe(event, steps), one_line=True))
    written = getattr(event, "text", None)
    if isinstance(written, str) and "\n" in written.strip():
        body.append("\n\nAs written:\n", style="bold")
        body.append(printable(written.strip()))
    return body


class EntryDetail(PromptScreen[None]):
    """A read-only view of one timeline entry; Escape or Enter closes it.

    The heading and the way out sit outside the scrolling text, so a very long entry on a small
    terminal never pushes them off the screen.
    """

    DEFAULT_CSS = """
    EntryDetail .prompt-box { width: 100; border-subtitle-color: $text-muted; }
    EntryDetail #entry-heading { width: 100%; margin-bottom: 1; }
    EntryDetail VerticalScroll { height: auto; max-height: 70vh; }
    """
    BINDINGS = [
        Binding("escape,enter,space", "close", "close", show=False),
        Binding("c", "copy", "copy", show=False),
        Binding("w", "save", "save to a file", show=False),
    ]

    def __init__(self, event: Event, steps: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.event = event
        self.steps = steps

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box") as box:
            box.border_subtitle = Text("c copy · w save to a file · Esc or Enter to close · ↑↓ to scroll")
            yield Label(entry_heading(self.event), id="entry-heading")
            with VerticalScroll():
                yield Static(entry_body(self.event, self.steps), id="entry-text")

    def as_text(self) -> str:
        """The entry as plain text: its heading line, then what it says (as written when longer)."""
        return f"{entry_heading(self.event).plain}\n{entry_body(self.event, self.steps).plain}"

    def action_copy(self) -> None:
        from cockpit.ui.clipboard import copy_text

        where = copy_text(self.app, self.as_text(), "timeline entry")
        self.app.notify(f"The timeline entry was {where}.", title="Copy", markup=False, timeout=12)

    def action_save(self) -> None:
        from cockpit.ui.clipboard import save_and_say

        save_and_say(self.app, self.as_text(), "timeline entry")

    def action_close(self) -> None:
        self.dismiss(None)
