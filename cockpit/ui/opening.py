"""The first frame: the cockpit's layout, drawn before the incident is read.

Opening an incident loads the core (pydantic event and config models, the fold of the whole
session), which costs more than Textual itself. Someone who types ``cockpit open`` at 3 a.m.
should see the cockpit at once, so ``CockpitApp`` shows this screen first: the header saying
which session is opening, the six titled panes (or the tabs at 80×24) exactly where the incident
screen puts them, in the chosen theme. It imports nothing but Textual and the pane frame; the
incident screen replaces it as soon as the session is read, and the panes fill in place.

The layout rules live here, once, for both screens: ``set_layout`` gives a screen ``-wide`` (all
six panes), ``-narrow`` (one pane with tabs) or ``-tiny`` (too small), ``cockpit.tcss`` draws
each, and ``GRID`` is the order both screens place their panes in.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Static

from cockpit.text import printable
from cockpit.ui.panes.rows import PaneFrame, TickingText

PANES = (("impact", "Impact"), ("protocol", "Protocol"), ("team", "Team"), ("calm", "Calm"),
         ("health", "Health"), ("timeline", "Timeline"))
"""The panes in key order: ``1`` shows Impact … ``6`` Timeline (contract)."""
GRID = ("impact", "protocol", "team", "health", "calm", "timeline")
"""The order the wide grid of ``cockpit.tcss`` places them in: Health left of Calm."""
WIDE = (120, 36)
"""From this size on, all six panes show at once."""
SMALLEST = (80, 24)
KEYS_WIDE = ("n note  d decision  a action  h hypothesis  s severity  t status  u update  "
             "c calm  1-6 panes  ? help  ^p commands  ^q quit")
KEYS_NARROW = "n note d decision a action h hyp. s sev t status u update c calm ? help ^p ^q"
TOO_SMALL = Text("The terminal is too small for the cockpit.\nMake it at least 80 columns by 24 rows.")


def layout_class(width: int, height: int) -> str:
    """``-wide``, ``-narrow`` or ``-tiny``: the screen class that picks the layout."""
    if width < SMALLEST[0] or height < SMALLEST[1]:
        return "-tiny"
    return "-wide" if width >= WIDE[0] and height >= WIDE[1] else "-narrow"


def set_layout(screen: Screen[object], width: int, height: int) -> None:
    """Give ``screen`` the layout class for a terminal of ``width`` × ``height``."""
    chosen = layout_class(width, height)
    for name in ("-wide", "-narrow", "-tiny"):
        screen.set_class(name == chosen, name)


def tabs_line(active: str) -> Text:
    """``[1 Impact]  2 Protocol  3 Team …`` with the shown pane reversed."""
    line = Text()
    for index, (name, title) in enumerate(PANES, 1):
        if name == active:
            line.append(f"[{index} {title}]", style=Style(reverse=True, bold=True))
        else:
            line.append(f" {index} {title} ")
        line.append(" ")
    return line


def keys_line(width: int) -> Text:
    keys = KEYS_WIDE if width >= len(KEYS_WIDE) + 2 else KEYS_NARROW
    return Text(keys, style=Style(dim=True))


class OpeningScreen(Screen[None]):
    """The empty cockpit, titled with the session being opened."""

    DEFAULT_CSS = """
    OpeningScreen #header { height: 1; width: 1fr; background: $panel; padding: 0 1; color: $text-muted; }
    /* the incident's header takes two lines when it does not fit on one, as at 80 columns */
    OpeningScreen.-narrow #header { height: 2; }
    """

    def __init__(self, opening: str) -> None:
        """``opening`` names what is being read, e.g. the session file's name."""
        super().__init__()
        self.opening = opening

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Opening {printable(self.opening, one_line=True)}…"), id="header")
        yield TickingText(id="tabs")
        with Container(id="panes"):
            titles = dict(PANES)
            for name in GRID:
                pane = PaneFrame(id=name, classes="-active" if name == "impact" else None)
                pane.border_title = Text(titles[name])
                yield pane
        yield TickingText(id="strip")
        yield TickingText(id="keys")
        yield Static(TOO_SMALL, id="too-small")

    def on_mount(self) -> None:
        self.query_one("#tabs", TickingText).set_text(tabs_line("impact"))
        self.on_resize()

    def on_resize(self, event: object = None) -> None:
        set_layout(self, self.app.size.width, self.app.size.height)
        self.query_one("#keys", TickingText).set_text(keys_line(self.app.size.width))
