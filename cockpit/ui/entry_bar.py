"""The entry bar: n, d, a and h type a timeline entry at the foot of the incident screen.

Entries are what a lead types most, often over SSH on a bad link. A see-through modal prompt
made Textual repaint the whole tinted screen behind it, twice, for every entry (26.6 KB and
about 110 ms from key to prompt at 160×48); the bar is a widget of the incident screen, drawn on
a layer of its own over the bottom rows, so opening it sends its three lines and closing it
the rows it covered, and the panes keep ticking and showing other seats' entries while the
person types. Prompts that ask something of the lead (a reason, a choice) stay modal.

The bar is one field reused: it is mounted hidden with the screen and opened by the entry keys,
each with its title and placeholder. It keeps the keyboard while open: Tab does not wander into
the panes behind it, and the panes' hotkeys never see a letter typed here.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from cockpit.ui.keyboard import BorrowsKeyboard
from cockpit.ui.prompts import EntryField, typing_hint


class EntryBar(BorrowsKeyboard, Vertical):
    """A one-field bar over the foot of the screen; Enter posts :class:`EntryBar.Saved`. It borrows
    the keyboard: the pane it came from stays lit (``cockpit.ui.keyboard``)."""

    DEFAULT_CSS = """
    EntryBar {
        layer: entry;
        dock: bottom;
        visibility: hidden;
        width: 100%;
        height: auto;
        max-height: 60%;
        padding: 0 1;
        background: $surface;
        border: round $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "cancel", show=False),
        Binding("tab,shift+tab", "stay", show=False),
    ]

    class Saved(Message):
        """What was typed, to record as an entry of ``tag``."""

        def __init__(self, tag: str, text: str) -> None:
            super().__init__()
            self.tag = tag
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.tag = ""
        self.is_open = False
        self._focused_before: Widget | None = None

    def compose(self) -> ComposeResult:
        yield EntryField(multiline=True, compact=True)

    @property
    def field(self) -> EntryField:
        return self.query_one(EntryField)

    @property
    def holds_typed_text(self) -> bool:
        return self.is_open and self.field.holds_typed_text

    def open(self, tag: str, title: str, placeholder: str) -> None:
        """Ready for an entry of ``tag``; an open bar keeps what was typed in it."""
        if not self.is_open:
            self.tag = tag
            self.border_title = Text(title)
            self.border_subtitle = Text(typing_hint(multiline=True))
            self.field.start(placeholder=placeholder)
            self._focused_before = self.screen.focused
            self._show(True)
        self.screen.set_focus(self.field.input)  # at once, not queued: one frame shows it all

    def continue_typing(self, text: str) -> None:
        self.field.continue_typing(text)

    def close(self) -> None:
        """Hidden again; the keyboard goes back to the pane it came from."""
        self._show(False)
        before, self._focused_before = self._focused_before, None
        if before is not None and before.is_attached:
            self.screen.set_focus(before)

    def _show(self, shown: bool) -> None:
        """Shown or hidden through the bar's own style, not a class: a class would have the
        stylesheet matched again over the bar's widgets, a price paid on every key that opens it.
        Hidden, the bar keeps its place and its size on its own layer (docked there, it takes no
        room from the panes): opening it changes no layout, and one frame draws its rows."""
        self.is_open = shown
        self.styles.visibility = "visible" if shown else "hidden"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the entry, when anything was typed (an empty Enter closes, losing nothing)."""
        event.stop()
        text, tag = self.field.typed.strip(), self.tag
        self.close()
        if text:
            self.post_message(self.Saved(tag, text))

    def action_cancel(self) -> None:
        self.close()

    def action_stay(self) -> None:
        """Tab: the keyboard stays in the bar."""
