"""The help screen (``?``): every key, grouped the way a lead thinks of them, readable at 80×24.

The key list is data (``KEY_GROUPS``) so the screen, the tests and the docs read one source.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Record", (
        ("n", "note"),
        ("d", "decision"),
        ("a", "action (follow-up)"),
        ("h", "hypothesis"),
    )),
    ("Incident", (
        ("s", "set severity"),
        ("u", "status update"),
        ("c", "calm mode"),
        ("ctrl+p", "command palette"),
    )),
    ("Panes", (
        ("1", "Impact"),
        ("2", "Protocol"),
        ("3", "Team"),
        ("4", "Calm"),
        ("5", "Health"),
        ("6", "Timeline"),
    )),
    ("Inside a pane", (
        ("↑ ↓  j k", "move"),
        ("PgUp PgDn", "page"),
        ("Home End", "first / last"),
        ("Enter space", "act on the row"),
    )),
    ("Impact · Protocol · Team", (
        ("Enter", "answer / tick the step / assign"),
        ("space", "same as Enter"),
    )),
    ("Status update", (
        ("ctrl+s", "send: record, copy, post"),
        ("tab", "next field"),
        ("ctrl+r", "retry a failed post"),
        ("esc", "close"),
    )),
    ("Anywhere", (
        ("?", "this help"),
        ("esc", "close a dialog / calm mode"),
        ("ctrl+q", "quit"),
    )),
)


def group_text(title: str, keys: tuple[tuple[str, str], ...]) -> Content:
    width = max(len(key) for key, _ in keys)
    parts: list[str | tuple[str, str]] = [(title, "bold $accent"), "\n"]
    for key, what in keys:
        parts += [(f" {key:<{width}} ", "bold $text"), (f" {what}\n", "$text-muted")]
    return Content.assemble(*parts).rstrip()


class HelpScreen(ModalScreen[None]):
    """The keys, in groups; any of Esc, ``?`` or ``q`` closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen VerticalScroll { height: auto; max-height: 1fr; }
    HelpScreen Grid { grid-size: 2; grid-gutter: 0 2; height: auto; }
    HelpScreen .help-group { height: auto; margin-bottom: 1; }
    HelpScreen .help-hint { color: $text-muted; text-align: right; width: 100%; }
    """

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Help · keys"
            with VerticalScroll(), Grid():
                for title, keys in KEY_GROUPS:
                    yield Static(group_text(title, keys), classes="help-group")
            yield Static("esc close", classes="help-hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
