"""Where the keyboard is: the pane that holds it is lit, and stays lit while the keyboard is lent.

A lead moves between the panes with 1–6 and Tab; the pane that takes the keys has an accent
border and its cursor bar drawn bright (``-current``). The entry bar (n, d, a, h) borrows the
keyboard to type an entry over the foot of the screen, and Escape or Enter gives it back to the
pane it came from: that pane stays lit meanwhile, as it does behind a dialog. Unlit and lit again
around every entry, it was drawn again twice per note: over SSH, a pane's rows sent for nothing,
and on the screen's loop the larger part of the time from ``n`` to the bar on screen.

Textual's ``:focus-within`` cannot say "lent": the panes follow the screen's ``focused``
instead (``FollowsKeyboard``).
"""

from __future__ import annotations

from typing import cast

from textual.widget import Widget


class BorrowsKeyboard:
    """A widget that types on behalf of the pane the keyboard came from (the entry bar)."""


def lent(focused: Widget | None) -> bool:
    """The keyboard is with a borrower (``focused`` or one of its ancestors)."""
    return focused is not None and any(isinstance(node, BorrowsKeyboard)
                                       for node in focused.ancestors_with_self)


def holds(widget: Widget, focused: Widget | None, was_lit: bool) -> bool:
    """Whether ``widget`` is lit once the keyboard is at ``focused``: it is there or within it, or
    it was lit and the keyboard is only lent."""
    if focused is not None and (focused is widget or widget in focused.ancestors):
        return True
    return was_lit and lent(focused)


class FollowsKeyboard:
    """For a widget lit while it holds the keyboard, or lent it: ``lit``, and ``keyboard_moved``
    called when that changes. Textual calls each class's ``on_mount`` in turn: no ``super``."""

    lit = False

    def on_mount(self) -> None:
        widget = cast(Widget, self)
        widget.watch(widget.screen, "focused", self._moved, init=False)
        self._moved(widget.screen.focused)

    def _moved(self, focused: Widget | None) -> None:
        now = holds(cast(Widget, self), focused, self.lit)
        if now != self.lit:
            self.lit = now
            self.keyboard_moved(now)

    def keyboard_moved(self, lit: bool) -> None:
        """The keyboard came here (``lit``) or went elsewhere than a borrower."""
