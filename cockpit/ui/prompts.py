"""Small modal questions: one line of text, a choice from a list, a yes/no confirmation.

Every prompt dismisses with its answer (``None`` when cancelled with Escape), so callers chain
them in a worker with ``await app.push_screen_wait(...)``. Titles and options are rendered as
plain ``Text``: user-supplied words never go through markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

PROMPT_CSS = """
TextPrompt, ChoicePrompt, ConfirmPrompt {
    align: center middle;
    background: $background 60%;
}
.prompt-box {
    width: 72;
    max-width: 100%;
    height: auto;
    max-height: 90%;
    border: round $primary;
    background: $surface;
    padding: 0 1;
}
.prompt-title { width: 100%; margin-bottom: 1; text-style: bold; }
.prompt-hint { width: 100%; color: $text-muted; margin-top: 1; }
.prompt-box OptionList { height: auto; max-height: 16; border: none; padding: 0; }
.prompt-buttons { height: auto; align-horizontal: right; margin-top: 1; }
.prompt-buttons Button { margin-left: 2; min-width: 10; }
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text. Enter answers (empty counts as cancel), Escape cancels."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, title: str, *, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.prompt_title = title
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(Text(self.prompt_title), classes="prompt-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label(Text("Enter to save · Esc to cancel"), classes="prompt-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoicePrompt(ModalScreen[str | None]):
    """Pick one of ``options`` (value, label). Arrows move, Enter picks, Escape cancels."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, title: str, options: list[tuple[str, str]], *,
                 selected: str | None = None) -> None:
        super().__init__()
        self.prompt_title = title
        self.options = options
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(Text(self.prompt_title), classes="prompt-title")
            yield OptionList(*(Option(Text(label), id=value) for value, label in self.options),
                             id="prompt-options")
            yield Label(Text("↑↓ to move · Enter to choose · Esc to cancel"), classes="prompt-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for value, _ in self.options]
        if self.selected in values:
            options.highlighted = values.index(self.selected)
        elif values:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmPrompt(ModalScreen[bool]):
    """A yes/no question; the safe answer (No) has the focus, ``y`` and ``n`` answer directly."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [
        Binding("escape,n", "answer(False)", "no", show=False),
        Binding("y", "answer(True)", "yes", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(Text(self.question), classes="prompt-title")
            with Horizontal(classes="prompt-buttons"):
                yield Button("No", id="no")
                yield Button("Yes", id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
