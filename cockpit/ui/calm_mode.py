"""Calm mode (``c``): a quiet full screen for the moment the lead needs to think.

Only what steadies and points forward: the breathing pacer, the incident clock and the next
update, the single most urgent protocol step, and the three size-up questions. Everything else
is hidden until Esc, except what the lead must not miss: a new DOWN, a firing alert, a LATE step
or an expired ask breaks through as one line at the top (``cockpit.ui.attention``), and leaving
calm mode counts as having seen it. The screen reads the session's state and clock itself and
changes a few lines of text once a second, never the layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from cockpit.domain.durations import incident_clock, to_the_minute
from cockpit.domain.protocol import StepView
from cockpit.domain.roster import roster_warnings
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import ROLE_TITLES
from cockpit.session import Session
from cockpit.text import printable
from cockpit.ui.attention import Attention, breakthrough
from cockpit.ui.pacer import BreathingPacer

QUESTIONS = ("What's happening?", "How did we get here?", "What's the immediate impact?")
NUDGE = "Nobody carries an incident alone: ask for support, or hand over."


def most_urgent_step(views: Iterable[StepView]) -> StepView | None:
    """The open step to do next: the latest one first, then the soonest due, then runbook order."""
    open_views = [v for v in views if v.is_open]
    if not open_views:
        return None
    late = [v for v in open_views if v.overdue is not None]
    if late:
        return max(late, key=lambda v: v.overdue)  # type: ignore[arg-type, return-value]
    timed = [v for v in open_views if v.due_at is not None]
    if timed:
        return min(timed, key=lambda v: v.due_at)  # type: ignore[arg-type, return-value]
    return open_views[0]


def clock_line(state: IncidentState, now: datetime, *, to_the_second: bool = True) -> Content:
    """``T+00:42:13 · next update in 7m`` (or ``LATE``), the two times that matter. Without
    ``to_the_second`` (the Calm pane, under the header's ticking clock) ``T+42m``."""
    elapsed = state.elapsed(now)  # on the incident's clock: it stops at the resolution
    if elapsed is None:
        return Content("not declared yet")
    seconds = elapsed.total_seconds()
    clock = incident_clock(seconds) if to_the_second else to_the_minute(seconds)
    parts: list[str | tuple[str, str]] = [(f"T+{clock}", "bold")]
    due = state.next_update_due(now)
    if state.resolved_at is not None:
        parts.append("  ·  resolved")
    elif due is not None:
        left = (due - now).total_seconds()
        parts.append("  ·  ")
        parts.append(f"next update in {to_the_minute(left, left=True)}" if left >= 0
                     else (f"next update LATE {to_the_minute(-left)}", "bold $error"))
    return Content.assemble(*parts)


def step_line(state: IncidentState, now: datetime) -> Content:
    """The most urgent open step, how late or how soon, and who owns it. Once resolved, the
    step left to do, without a deadline: the clocks stopped."""
    view = most_urgent_step(state.step_views(now))
    parts: list[str | tuple[str, str]] = [("Next step  ", "$foreground-muted")]
    if view is None:
        return Content.assemble(*parts, "nothing open in the protocol")
    if view.stopped:
        pass
    elif view.overdue is not None:
        parts.append((f"! LATE {to_the_minute(view.overdue.total_seconds())}  ", "bold $error"))
    elif view.due_in is not None:
        parts.append(f"due in {to_the_minute(view.due_in.total_seconds(), left=True)}  ")
    parts.append(printable(view.step.text, one_line=True))
    if view.step.owner:
        holders = state.holders(view.step.owner)
        owner = ROLE_TITLES.get(view.step.owner, view.step.owner)
        who = f" ({owner}: {', '.join(holders)})" if holders else f" ({owner}, unassigned)"
        parts.append((" " + printable(who, one_line=True), "$foreground-muted"))
    return Content.assemble(*parts)


def nudge_line(state: IncidentState, now: datetime, handle: str) -> str:
    """The generic nudge, or the roster warning about this seat's own person when there is one."""
    own = [w for w in roster_warnings(state, now) if w.handle == handle]
    return printable(own[0].text, one_line=True) if own else NUDGE


class CalmScreen(Screen[None]):
    """Breathe, look at the clock, see the next step, ask the three questions. Esc returns."""

    BINDINGS = [
        Binding("escape", "leave", "back"),
        Binding("c", "leave", "back", show=False),
    ]
    DEFAULT_CSS = """
    CalmScreen {
        align: center middle;
        background: $background;
    }
    CalmScreen > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        padding: 1 2;
    }
    CalmScreen .calm-title { color: $text-muted; width: 100%; text-align: center; }
    CalmScreen #calm-alert { width: 100%; height: 1; margin-bottom: 1; text-align: center;
                             color: $error; text-style: bold; }
    CalmScreen #calm-clock { width: 100%; text-align: center; height: 1; margin-bottom: 1; }
    CalmScreen Center { height: 1; margin-bottom: 1; }
    CalmScreen #calm-step { height: 3; margin-bottom: 1; }
    CalmScreen .calm-question { color: $foreground; text-style: bold; padding-left: 4; }
    CalmScreen #calm-nudge { color: $text-muted; margin-top: 1; height: 2; }
    CalmScreen .calm-hint { color: $text-muted; width: 100%; text-align: center; margin-top: 1; }
    """

    def __init__(self, session: Session, attention: Attention | None = None, *,
                 low_bandwidth: bool = False) -> None:
        """``attention``: the incident screen's, whose unseen signals break through.
        ``low_bandwidth`` (``[ui] low_bandwidth``; the command-line flag is the app's): the pacer
        is still."""
        super().__init__()
        self.session = session
        self.low_bandwidth = low_bandwidth
        self.attention = attention
        self._shown_alert: list[tuple[object, ...]] = []
        self._shown: dict[str, tuple[str, tuple[object, ...]]] = {}
        """What each ticking line shows (words, styles): a line unchanged is not sent again."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="calm-alert", markup=False)
            yield Static("Calm", classes="calm-title")
            yield Static(id="calm-clock")
            with Center():
                yield BreathingPacer(animate=not (self.low_bandwidth
                                                  or getattr(self.app, "low_bandwidth", False)))
            yield Static(id="calm-step")
            for question in QUESTIONS:
                yield Static(question, classes="calm-question", markup=False)
            yield Static(id="calm-nudge", markup=False)
            yield Static("esc back", classes="calm-hint", markup=False)

    def on_mount(self) -> None:
        self.show_now()
        self.set_interval(1.0, self.show_now)

    def show_now(self) -> None:
        """Redraw the ticking lines from the session: text only, the layout never moves, and
        only the lines that changed (a resolved incident's stopped clock sends nothing)."""
        session = self.session
        state, now = session.state, session.now()
        self._put("calm-clock", clock_line(state, now))
        self._put("calm-step", step_line(state, now))
        self._put("calm-nudge", nudge_line(state, now, session.handle))
        unseen = self.attention.unseen if self.attention is not None else []
        self._shown_alert = [s.key for s in unseen]
        alert = self.query_one("#calm-alert", Static)
        line = Text(breakthrough(unseen))
        # one line, whatever it says; before the first layout, the column's width (72 less padding)
        width = alert.size.width or min(68, self.app.size.width - 4)
        line.truncate(max(width, 10), overflow="ellipsis")
        self._put("calm-alert", line)

    def _put(self, name: str, content: str | Text | Content) -> None:
        shown = ((content, ()) if isinstance(content, str)  # Content's == compares words only
                 else (content.plain, tuple(content.spans)))
        if self._shown.get(name) != shown:
            self._shown[name] = shown
            self.query_one(f"#{name}", Static).update(content, layout=False)

    def action_leave(self) -> None:
        """Back to the cockpit; what broke through here has been seen."""
        if self.attention is not None:
            self.attention.seen(keys=self._shown_alert)
        self.dismiss(None)
