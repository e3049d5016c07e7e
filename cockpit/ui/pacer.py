"""A box-breathing pacer: breathe in 4, hold 4, breathe out 4, hold 4.

Slow, even breathing steadies the person who has to make the calls. The pacer is drawn as one
short line of text changed once a second (``breathe in  ▰▰▱▱``): no animation frames, no
relayout, cheap over SSH. With ``animate=False`` (``--low-bandwidth``) it shows a still
instruction instead and never ticks.
"""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Static

PHASES = ("breathe in", "hold", "breathe out", "hold")
COUNT = 4
STILL = "box breathing: in 4 · hold 4 · out 4 · hold 4"


def pacer_text(tick: int) -> str:
    """The line shown ``tick`` seconds into the cycle: the phase, then one bar per second."""
    phase = PHASES[(tick // COUNT) % len(PHASES)]
    filled = tick % COUNT + 1
    return f"{phase:<11} {'▰' * filled}{'▱' * (COUNT - filled)}"


class BreathingPacer(Static):
    """Box breathing 4-4-4-4, one text update per second."""

    DEFAULT_CSS = """
    BreathingPacer {
        width: auto;
        height: 1;
        color: $text-muted;
    }
    """

    def __init__(self, *, animate: bool = True, id: str | None = None, classes: str | None = None) -> None:
        self.animated = animate
        self.tick = 0
        self._timer: Timer | None = None
        super().__init__(pacer_text(0) if animate else STILL, id=id, classes=classes, markup=False)

    def on_mount(self) -> None:
        if self.animated:
            self._timer = self.set_interval(1.0, self.advance)

    def hold(self) -> None:
        """Stop on the current line: for still screenshots, where a tick would change the picture."""
        if self._timer is not None:
            self._timer.stop()

    def advance(self) -> None:
        """One second on: the next bar, or the next phase."""
        self.tick = (self.tick + 1) % (COUNT * len(PHASES))
        self.update(pacer_text(self.tick), layout=False)  # every line has the same width
