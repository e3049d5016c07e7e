"""The help screen (``?``): every key, grouped the way a lead thinks of them, readable at 80×24.

The key list is data (``KEY_GROUPS``) so the screen, the tests and the docs read one source.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

Group = tuple[str, tuple[tuple[str, str], ...]]

HELP_COLUMNS: tuple[tuple[Group, ...], ...] = (
    (
        ("Record", (
            ("n", "note"),
            ("d", "decision"),
            ("a", "action (follow-up)"),
            ("h", "hypothesis"),
        )),
        ("Incident", (
            ("s", "severity"),
            ("t", "status · resolve"),
            ("u", "status update"),
            ("c", "calm mode"),
            ("l", "links · copy · add"),
        )),
        ("Panes", (
            ("1–6", "show a pane"),
            ("↑ ↓", "move"),
            ("PgUp/Dn", "page"),
            ("Home/End", "first · last"),
            ("Enter", "act on the row"),
            ("space", "act on the row"),
        )),
    ),
    (
        ("Impact", (
            ("Enter", "answer a field"),
        )),
        ("Protocol", (
            ("Enter", "mark done"),
            ("x", "skip + reason"),
            ("r", "reopen"),
            ("p", "add a protocol"),
        )),
        ("Team", (
            ("Enter", "status·role·ask"),
            ("+", "add a person"),
            ("r", "assign a role"),
            ("o", "hand over"),
            ("k", "ask-timer"),
            ("p", "page person·role"),
        )),
        ("Health", (
            ("Enter", "endpoint detail"),
        )),
    ),
    (
        ("Timeline", (
            ("f", "filter"),
        )),
        ("Postmortem", (
            ("m", "mark key moment"),
            ("i", "action item"),
        )),
        ("Status update", (
            ("ctrl+s", "send"),
            ("ctrl+w", "save to a file"),
            ("tab", "next field"),
        )),
        ("Anywhere", (
            ("?", "this help"),
            ("ctrl+p", "command palette"),
            ("esc", "close · back"),
            ("ctrl+q", "quit"),
        )),
    ),
)
"""The keys of docs/screen.md, then each pane's own, then the dialogs', in three columns for 80×24."""
KEY_GROUPS: tuple[Group, ...] = tuple(group for column in HELP_COLUMNS for group in column)
PANE_NAMES = "1 Impact · 2 Protocol · 3 Team · 4 Calm · 5 Health · 6 Timeline"


def group_text(title: str, keys: tuple[tuple[str, str], ...]) -> Content:
    width = max(len(key) for key, _ in keys)
    parts: list[str | tuple[str, str]] = [(title, "bold $text-primary"), "\n"]
    for key, what in keys:
        parts += [(f"{key:<{width}}  ", "bold $foreground"), f"{what}\n"]
    return Content.assemble(*parts).rstrip()


class HelpScreen(ModalScreen[None]):
    """The keys, in groups; any of Esc, ``?`` or ``q`` closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen VerticalScroll { height: auto; max-height: 1fr; }
    HelpScreen Horizontal { height: auto; }
    HelpScreen .help-column { width: 1fr; height: auto; margin-right: 2; }
    HelpScreen .help-column.-last { margin-right: 0; }
    HelpScreen .help-group { height: auto; margin-bottom: 1; }
    HelpScreen .help-panes { color: $text-muted; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Help · keys"
            box.border_subtitle = "esc close"
            yield Static(PANE_NAMES, classes="help-panes", markup=False)
            with VerticalScroll(), Horizontal():
                for index, column in enumerate(HELP_COLUMNS):
                    last = " -last" if index == len(HELP_COLUMNS) - 1 else ""
                    with Vertical(classes="help-column" + last):
                        for title, keys in column:
                            yield Static(group_text(title, keys), classes="help-group")

    def action_close(self) -> None:
        self.dismiss(None)
