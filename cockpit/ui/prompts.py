"""Small modal questions: one line of text, a choice from a list, a yes/no confirmation.

Every prompt dismisses with its answer (``None`` when cancelled with Escape), so callers chain
them in a worker with ``await app.push_screen_wait(...)``. Titles and options are rendered as
plain ``Text``: user-supplied words never go through markup.

Text is typed in an :class:`EntryField`, here and in the entry bar (:mod:`cockpit.ui.entry_bar`),
so an answer is edited the same way wherever it is typed: with ``multiline``, ctrl+j (or
shift+enter, where the terminal tells it apart) ends a line, which then shows above the field,
and ↑ in an empty field takes the line above back to edit; ctrl+q while words are typed asks
before they are lost.

Prompts are see-through: the cockpit stays visible, dimmed, behind them, so health and the
timeline can be watched while typing. A prompt never lets a keystroke fall through to the
cockpit's hotkeys by closing unexpectedly: a required answer keeps the prompt open on an empty
Enter, and the choice lists stop at their ends instead of wrapping around.
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option


PROMPT_CSS = """
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
.prompt-hint.-needed { color: $text-warning; text-style: bold; }
.prompt-box OptionList { height: auto; max-height: 16; border: none; padding: 0; }
.prompt-buttons { height: auto; align-horizontal: right; margin-top: 1; }
.prompt-buttons Button { margin-left: 2; min-width: 10; }
"""

SEE_THROUGH = 0.4
"""How much the prompt's backdrop covers the cockpit: enough to set the question apart, little
enough to keep reading the panes behind it."""

Answer = TypeVar("Answer")


class PromptScreen(ModalScreen[Answer]):
    """A centred question over the cockpit, which stays visible behind it.

    The backdrop is set on the widget itself because the app's stylesheet gives every Screen an
    opaque background, and an app rule always outweighs a widget's DEFAULT_CSS.
    """

    DEFAULT_CSS = "PromptScreen { align: center middle; }\n" + PROMPT_CSS

    def on_mount(self) -> None:
        self._set_backdrop()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._set_backdrop())

    def _set_backdrop(self) -> None:
        if self.app.ansi_color:  # the terminal's own colours: nothing to blend with
            self.styles.background = Color(0, 0, 0, 0)
            return
        backdrop = Color.parse(self.app.theme_variables.get("background", "black"))
        self.styles.background = backdrop.with_alpha(SEE_THROUGH)


class EntryField(Vertical):
    """The typed lines (``#prompt-lines``) above the one-line field (``#prompt-input``)."""

    DEFAULT_CSS = """
    EntryField { width: 100%; height: auto; }
    EntryField #prompt-lines { width: 100%; height: auto; }
    """

    BINDINGS = [
        Binding("ctrl+q", "quit", "quit", show=False, priority=True),
        Binding("ctrl+j,shift+enter", "new_line", "new line", show=False),
        Binding("up", "edit_line_above", "edit the line above", show=False),
    ]

    def __init__(self, *, value: str = "", placeholder: str = "", multiline: bool = False,
                 compact: bool = False) -> None:
        """``compact``: the field without its frame, one row high (in the entry bar)."""
        super().__init__()
        self.compact = compact
        self.value = value
        """The prefilled answer: a start, not words typed (quitting does not ask for it)."""
        self.placeholder = placeholder
        self.multiline = multiline
        self.lines: list[str] = []
        """The lines ended with ctrl+j, above the field."""
        self._lines_shown = ""

    def compose(self) -> ComposeResult:
        if self.multiline:
            lines = Label(Text(), id="prompt-lines")
            lines.display = False
            yield lines
        # A prefilled value ("bob: ", the title to edit) is a start, not a thing to replace: the
        # cursor waits at its end and the first key typed adds to it.
        yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input",
                    select_on_focus=False, compact=self.compact)

    @property
    def input(self) -> Input:
        return self.query_one("#prompt-input", Input)

    def start(self, *, value: str = "", placeholder: str = "") -> None:
        """Empty again, for the next answer (the entry bar is one field reused)."""
        self.value, self.placeholder = value, placeholder
        self.lines.clear()
        if self.multiline:
            self._show_lines()
        field = self.input
        field.placeholder = placeholder
        field.value = value
        field.cursor_position = len(value)

    def continue_typing(self, text: str) -> None:
        """``text`` typed before the field could open, at the cursor: the next key adds to it
        (nothing is selected), and quitting asks first, as for anything typed here."""
        field = self.input
        field.focus()
        field.insert_text_at_cursor(text)

    @property
    def typed(self) -> str:
        """Everything typed: the lines above the field, then the field."""
        return "\n".join([*self.lines, self.input.value])

    @property
    def holds_typed_text(self) -> bool:
        """True when quitting now would lose words the user typed (not just the prefilled value)."""
        typed = self.typed.strip()
        return bool(typed) and typed != self.value.strip()

    def action_new_line(self) -> None:
        """ctrl+j: the field's text becomes a line above it; the field is free for the next."""
        if not self.multiline:
            return
        field = self.input
        self.lines.append(field.value.rstrip())
        field.value = ""
        self._show_lines()

    def action_edit_line_above(self) -> None:
        """↑ in an empty field: the line above comes back into it, to edit."""
        field = self.input
        if not self.multiline or not self.lines or field.value:
            return
        field.value = self.lines.pop()
        field.cursor_position = len(field.value)
        self._show_lines()

    def _show_lines(self) -> None:
        """The lines above the field; nothing is laid out again when they are as shown (a field
        started afresh with none, the usual case)."""
        text = "\n".join(self.lines)
        if text == self._lines_shown:
            return
        self._lines_shown = text
        shown = self.query_one("#prompt-lines", Label)
        shown.update(Text(text))
        shown.display = bool(self.lines)

    def action_quit(self) -> None:
        """ctrl+q: quit at once when nothing typed would be lost, else ask first."""
        if not self.holds_typed_text:
            self.app.exit()
            return
        def answered(discard: bool | None) -> None:
            if discard:
                self.app.exit()
            else:
                self.input.focus()

        self.app.push_screen(ConfirmPrompt("Discard what you typed and quit? (y / n)"), answered)


class TextPrompt(PromptScreen[str | None]):
    """Ask for one line of text. Enter answers, Escape cancels.

    Without ``required`` an empty Enter cancels (a note nobody wrote loses nothing). With it the
    prompt stays open and says ``need`` ("a reason is needed"), so the next keys typed land in
    the field rather than on the cockpit's hotkeys. With ``multiline`` the answer may span
    several lines (:class:`EntryField`).
    """

    BINDINGS = [Binding("escape", "cancel", "cancel", show=False)]

    def __init__(self, title: str, *, placeholder: str = "", value: str = "",
                 required: bool = False, need: str = "a reason", multiline: bool = False) -> None:
        super().__init__()
        self.prompt_title = title
        self.placeholder = placeholder
        self.value = value
        self.required = required
        self.need = need
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(Text(self.prompt_title), classes="prompt-title")
            yield EntryField(value=self.value, placeholder=self.placeholder,
                             multiline=self.multiline)
            yield Label(Text(typing_hint(self.multiline)), classes="prompt-hint", id="prompt-hint")

    @property
    def field(self) -> EntryField:
        return self.query_one(EntryField)

    def continue_typing(self, text: str) -> None:
        self.field.continue_typing(text)

    @property
    def typed(self) -> str:
        return self.field.typed

    @property
    def holds_typed_text(self) -> bool:
        return self.field.holds_typed_text

    def on_input_changed(self, event: Input.Changed) -> None:
        hint = self.query_one("#prompt-hint", Label)
        if hint.has_class("-needed") and event.value.strip():
            hint.remove_class("-needed")
            hint.update(Text(typing_hint(self.multiline)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = self.typed.strip()
        if not text and self.required:
            hint = self.query_one("#prompt-hint", Label)
            hint.update(Text(f"{self.need[:1].upper()}{self.need[1:]} is needed "
                             "· type it, then Enter · Esc to cancel"))
            hint.add_class("-needed")
            self.app.bell()
            return
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def typing_hint(multiline: bool) -> str:
    """The keys of a text answer, said under it."""
    if multiline:
        return "Enter to save · ctrl+j new line · Esc to cancel"
    return "Enter to save · Esc to cancel"


class ChoiceList(OptionList):
    """An option list that stops at its first and last option instead of wrapping around, so
    holding Down never lands, unnoticed, back on the first choice."""

    def action_cursor_down(self) -> None:
        if self.highlighted is None or self.highlighted < self.option_count - 1:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.highlighted is None or self.highlighted > 0:
            super().action_cursor_up()


class ChoicePrompt(PromptScreen[str | None]):
    """Pick one of ``options`` (value, label). Arrows move, Enter picks, Escape cancels."""

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
            yield ChoiceList(*(Option(Text(label), id=value) for value, label in self.options),
                             id="prompt-options")
            yield Label(Text("↑↓ to move · Enter to choose · Esc to cancel"), classes="prompt-hint")

    def on_mount(self) -> None:
        options = self.query_one(ChoiceList)
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


class ConfirmPrompt(PromptScreen[bool]):
    """A yes/no question; the safe answer (No) has the focus, ``y`` and ``n`` answer directly."""

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
