"""The cockpit application: the first frame at once, then the incident.

``CockpitApp`` is given either a session that is already open (a drill, ``cockpit new``, tests)
or an ``opener`` that reads one (``cockpit open``). With an opener, the first frame is the
``OpeningScreen``: the layout, in the chosen theme, from Textual alone. Right after it is painted
the app runs the opener, which imports the core and folds the session, and switches to the
``IncidentScreen``, which fills the same places. A failure to open (no such session, a bad
config) ends the app and is reported by the command line once the terminal is back.

This module must stay light: it imports Textual and the opening screen only (a test guards it).
Everything about the incident (its keys, its events, its timers) lives in ``IncidentScreen``; the
app keeps what belongs to the process: the theme, and quitting without losing typed text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from cockpit.ui.opening import OpeningScreen

if TYPE_CHECKING:
    from cockpit.session import Session
    from cockpit.ui.incident import IncidentScreen

Opener = Callable[[], "IncidentScreen"]
"""Reads the incident and builds its screen; raises what the command line reports."""


class CockpitApp(App[int]):
    """One incident on screen, from the first frame to ctrl+q."""

    TITLE = "Cockpit"
    CSS_PATH = "cockpit.tcss"
    BINDINGS = [Binding("ctrl+q", "quit", "quit", priority=True)]

    def __init__(self, session: Session | None = None, *, opener: Opener | None = None,
                 opening: str = "the incident", low_bandwidth: bool = False, **options: Any) -> None:
        """Give ``session`` (and ``IncidentScreen``'s ``options``: config, monitor, poll, drill,
        clock) or ``opener``; ``opening`` names what the opener reads, for the first frame."""
        super().__init__()
        if (session is None) == (opener is None):
            raise TypeError("CockpitApp needs a session or an opener, not both")
        self._session, self._options = session, options
        self._opener = opener
        self._opening = opening
        self.low_bandwidth = low_bandwidth
        self.incident: IncidentScreen | None = None
        """The incident's screen once it is open."""
        self.open_error: Exception | None = None
        """Why the incident could not be opened; the command line reports it."""
        if low_bandwidth:
            self.animation_level = "none"
        if opener is not None:  # set before the first frame is styled: styling twice costs more
            self._use_opening_theme()

    def get_default_screen(self) -> Screen[Any]:
        """A session in hand is shown at once (its core is loaded already); else the layout."""
        if self._session is not None:
            from cockpit.ui.incident import IncidentScreen

            self.incident = IncidentScreen(self._session, **self._options)
            return self.incident
        return OpeningScreen(self._opening)

    def _use_opening_theme(self) -> None:
        from cockpit.ui.themes import opening_theme

        theme = opening_theme()
        if theme is not None:
            self.register_theme(theme)
            self.theme = theme.name

    def on_mount(self) -> None:
        if self.incident is None:
            self.call_after_refresh(self._open)
        else:
            self._use_themes()

    def _open(self) -> None:
        """After the first frame: read the incident and show it in place of the layout."""
        try:
            incident = self._opener()  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - reported by the command line, terminal restored
            self.open_error = exc
            self.exit(return_code=2)
            return
        self.incident = incident
        self._use_themes()
        self._show(incident)

    @work(group="opening")
    async def _show(self, incident: IncidentScreen) -> None:
        """The incident over the layout, then the keys pressed meanwhile, in order.

        Keys typed while the session was read wait in the event loop; letting it settle first
        hands them to the opening screen, which keeps them. Each is replayed once the previous
        one is handled: ``n`` must have opened its prompt before the note's letters arrive.
        """
        from textual._wait import wait_for_idle  # Pilot's settle; Textual is pinned exactly

        await wait_for_idle(0)
        opening = self.screen
        await self.push_screen(incident)  # the layout stays below, never shown again
        for key in opening.typed_ahead if isinstance(opening, OpeningScreen) else ():
            await wait_for_idle(0)
            self.post_message(events.Key(key.key, key.character))

    def _use_themes(self) -> None:
        """Every usable theme registered, the preferred one applied, and a later choice remembered."""
        from cockpit.ui.themes import preferred_theme, register_themes, remember_theme

        config = self.incident.config  # type: ignore[union-attr]
        self.theme = preferred_theme(register_themes(self, config), config)
        self.theme_changed_signal.subscribe(self, lambda theme: remember_theme(theme.name))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+q steps aside while a prompt holds typed text: that prompt's own ctrl+q asks first."""
        if action == "quit" and getattr(self.screen, "holds_typed_text", False):
            return False
        return super().check_action(action, parameters)

