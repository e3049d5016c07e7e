"""The cockpit application: the first frame at once, then the incident.

``CockpitApp`` is given either a session that is already open (a drill, ``cockpit new``, tests)
or an ``opener`` that reads one (``cockpit open``). With an opener, the first frame is the
``OpeningScreen``: the layout, in the chosen theme, from Textual alone. Right after it is painted
the app runs the opener, which imports the core and folds the session, and shows the
``IncidentScreen``, which fills the same places. A failure to open (no such session, a bad
config) ends the app and is reported by the command line once the terminal is back.

Keys pressed before the incident is on screen are held, not acted on: a letter meant for a note
must never become a command. The incident screen then takes what they meant (an entry begun
with ``n``, ``d``, ``a`` or ``h`` opens with its text filled in) and says what it did not use.
ctrl+q still quits at once while the session is read.

This module must stay light: it imports Textual and the opening screen only (a test guards it).
Everything about the incident (its keys, its events, its timers) lives in ``IncidentScreen``; the
app keeps what belongs to the process: the theme, the palette, quitting without losing typed
text, and ending as ctrl+q does when the terminal hangs up.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES

from cockpit.ui.commands import CockpitCommands, CockpitThemes, save_screenshot
from cockpit.ui.driver import QuietTerminal
from cockpit.ui.opening import OpeningScreen

if TYPE_CHECKING:
    from cockpit.session import Session
    from cockpit.ui.incident import IncidentScreen

ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
"""What ends a seat without a key: its terminal hung up (the SSH link dropped, the tmux session
was killed) or the system asks it to stop (a shutdown, ``kill``)."""

Opener = Callable[["CockpitApp"], "IncidentScreen | Awaitable[IncidentScreen]"]
"""Reads the incident and builds its screen; raises what the command line reports. It may leave
``notes_for_exit`` on the app: the terminal is the app's until it ends. An async opener reads in
another thread (``cockpit.ui.launch``), so keys (ctrl+q) answer while a big session loads."""


class CockpitApp(QuietTerminal, App[int]):
    """One incident on screen, from the first frame to ctrl+q."""

    TITLE = "Cockpit"
    CSS_PATH = "cockpit.tcss"
    COMMANDS = {CockpitCommands}
    """The cockpit's commands first, then Textual's system commands (one provider keeps that order)."""
    SCREENSHOT_DELAY = 0.1
    """Seconds between choosing "Screenshot" and taking it: the palette is gone from the picture."""
    BINDINGS = [Binding("ctrl+q", "quit", "quit", priority=True)]

    def __init__(self, session: Session | None = None, *, opener: Opener | None = None,
                 opening: str = "the incident", low_bandwidth: bool = False, **options: Any) -> None:
        """Give ``session`` (and ``IncidentScreen``'s ``options``: config, monitor, poll, drill,
        clock) or ``opener``; ``opening`` names what the opener reads, for the first frame."""
        super().__init__()
        if (session is None) == (opener is None):
            raise TypeError("CockpitApp needs either a session or an opener")
        self._session, self._options = session, options
        self._opener = opener
        self._opening = opening
        self.low_bandwidth = low_bandwidth
        self.incident: IncidentScreen | None = None
        """The incident's screen once it is open."""
        self.open_error: Exception | None = None
        """Why the incident could not be opened; the command line reports it."""
        self.notes_for_exit: list[str] = []
        """What to say on stderr once the terminal is back (Textual holds it until then)."""
        self.cockpit_themes: list[str] = []
        """The cockpit's own themes, registered from files: the only ones the palette offers."""
        self.ends_on_signals = False
        """Set by the command line (``cockpit.ui.launch``): the ``ENDING_SIGNALS`` end the seat
        as ctrl+q does. Off in tests, whose event loop is the test runner's."""
        self.ended_by: str | None = None
        """The signal that ended the seat (``SIGHUP``), when one did."""
        self.last_copy: Any = None
        """The last text sent to the clipboard (``cockpit.ui.clipboard.Copied``), to save instead."""
        self._held_keys: list[events.Key] | None = None if opener is None else []
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
        from cockpit.ui.themes import opening_theme, remembered_theme

        theme = opening_theme()
        if theme is not None:
            self.register_theme(theme)
            self.theme = theme.name
        elif (remembered := remembered_theme()) in BUILTIN_THEMES:
            self.theme = remembered  # type: ignore[assignment]

    def on_mount(self) -> None:
        if self.ends_on_signals:
            loop = asyncio.get_running_loop()
            for signum in ENDING_SIGNALS:
                loop.add_signal_handler(signum, self._end_by_signal, signum)
        if self.incident is None:
            self.call_after_refresh(self._open)
        else:
            self._use_themes()

    def _end_by_signal(self, signum: int) -> None:
        """Leave as at ctrl+q (polling stopped, the goodbye recorded, the lease let go), without
        asking about words typed in the entry bar: no one is there to answer. The command line
        then rescues what is still waiting to be written and keeps the checkpoint."""
        self.ended_by = signal.Signals(signum).name
        self.exit(return_code=128 + signum)

    async def on_event(self, event: events.Event) -> None:
        """Hold every key but ctrl+q until the incident is on screen."""
        if self._held_keys is not None and isinstance(event, events.Key) and event.key != "ctrl+q":
            self._held_keys.append(events.Key(event.key, event.character))
            return
        await super().on_event(event)

    def _open(self) -> None:
        self.run_worker(self._read_and_show(), group="opening")

    async def _read_and_show(self) -> None:
        """After the first frame: read the incident and show it in place of the layout. A worker,
        so the app's own messages (ctrl+q, a resize) go on while an async opener reads."""
        try:
            incident = self._opener(self)  # type: ignore[misc]
            if inspect.isawaitable(incident):
                incident = await incident
        except Exception as exc:  # noqa: BLE001 - reported by the command line, terminal restored
            self.open_error = exc
            self.exit(return_code=2)
            return
        self.incident = incident
        self._use_themes()
        self._show(incident)

    @work(group="opening")
    async def _show(self, incident: IncidentScreen) -> None:
        """The incident in place of the layout, then the keys held meanwhile: when they began
        an entry its prompt opens first, keys still held, and gets all of its text at once."""
        await self._take_pending_input()
        held = self._held_keys if self._held_keys is not None else []  # the list still filling
        await self.push_screen(incident)  # the layout stays below it, never shown again
        prompt = incident.open_typed_entry(held[0].key) if held else None
        await self._take_pending_input()  # what was typed while the prompt opened, too
        self._held_keys = None
        incident.resume_typing([(key.key, key.character) for key in held], prompt)

    async def _take_pending_input(self) -> None:
        """Let keys pressed while the session was read reach the app, to be held with the rest.

        The terminal's thread handed them to the event loop while it was busy: one turn of the
        loop posts them, the next puts them in the app's queue; a callback queued after that
        runs once the app has taken them all."""
        for _ in range(2):
            await asyncio.sleep(0)
        taken = asyncio.Event()
        self.call_later(taken.set)
        await taken.wait()

    def _use_themes(self) -> None:
        """Every usable theme registered and the preferred one applied; a choice made later (from
        the palette) is remembered, not the one applied here, except on a read-only seat."""
        from cockpit.ui.themes import preferred_theme, register_themes

        config = self.incident.config  # type: ignore[union-attr]
        self.cockpit_themes = register_themes(self, config)
        self.theme = preferred_theme(self.cockpit_themes, config)
        if self.incident.session.read_only:  # type: ignore[union-attr]
            return  # a read-only seat (a wall tab) writes none of the user's files
        self.call_later(self._remember_later_choices)  # after this change has been announced

    def _remember_later_choices(self) -> None:
        from cockpit.ui.themes import remember_theme

        self.theme_changed_signal.subscribe(self, lambda theme: remember_theme(theme.name))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, with a screenshot that is saved where the cockpit says."""
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                command = command._replace(help="Save an SVG of the screen in the cockpit's data folder",
                                           callback=self.action_screenshot)
            yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Save the screen as SVG once the palette is gone; the toast says where it went."""
        self.set_timer(self.SCREENSHOT_DELAY, lambda: save_screenshot(self))

    def action_save_copy(self) -> None:
        """The last copied text in a file: a copy the terminal may never have taken."""
        from cockpit.ui.clipboard import save_last_copy

        save_last_copy(self)

    def search_themes(self) -> None:
        """The theme list holds the cockpit's own themes only."""
        self.push_screen(CommandPalette(providers=[CockpitThemes], placeholder="Search for themes…"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+q steps aside while a prompt holds typed text: that prompt's own ctrl+q asks first."""
        if action == "quit" and getattr(self.screen, "holds_typed_text", False):
            return False
        return super().check_action(action, parameters)
