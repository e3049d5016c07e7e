"""The command palette (ctrl+p): every action of the cockpit, found by typing a few letters.

Each command names what it does in the words a lead would search for, and runs the same action
as its key, so the palette and the keys can never disagree. The palette speaks the cockpit's
language: its own commands come first; Textual's system commands (theme, keys, screenshot…) come
after them, each marked ``System ·``; a search ranks a title whose words begin with what was typed
above a loose match, so "resolve" finds "Resolve the incident" first; the theme list holds only
the cockpit's own themes (``themes/`` and the user's, see :mod:`cockpit.ui.themes`); a screenshot
is saved in the user's data folder (created 0700 if needed; the current folder when it cannot be)
and the toast says where.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Add a note", "n · what you see or hear", "note('note')"),
    ("Record a decision", "d", "note('decision')"),
    ("Record an action (follow-up)", "a", "note('action')"),
    ("Record a hypothesis", "h", "note('hypothesis')"),
    ("Set the severity", "s · asks for a reason when lowering", "severity"),
    ("Change the status", "t · investigating, identified, monitoring, resolved", "status"),
    ("Resolve the incident", "asks for confirmation", "resolve"),
    ("Retitle the incident", "", "retitle"),
    ("Post a status update", "u · composer", "update"),
    ("Calm mode", "c · breathe, the clock, the next step", "calm"),
    ("Help: every key", "?", "help"),
    ("Show Impact", "1", "show_pane('impact')"),
    ("Show Protocol", "2", "show_pane('protocol')"),
    ("Show Team", "3", "show_pane('team')"),
    ("Show Calm", "4", "show_pane('calm')"),
    ("Show Health", "5", "show_pane('health')"),
    ("Show Timeline", "6", "show_pane('timeline')"),
    ("Mark a protocol step done", "Enter on a step in Protocol", "step('done')"),
    ("Skip a protocol step (with a reason)", "x in Protocol", "step('skip')"),
    ("Reopen a protocol step", "r in Protocol", "step('reopen')"),
    ("Add another protocol", "p in Protocol", "pane('protocol', 'add_protocol')"),
    ("Add a person to the team", "+ in Team", "pane('team', 'add_person')"),
    ("Assign a role", "r in Team", "pane('team', 'assign_role')"),
    ("Hand over a role (with a briefing)", "o in Team", "pane('team', 'hand_over')"),
    ("Start an ask-timer", "k in Team · bob: check replica lag, back in 10 min", "pane('team', 'ask')"),
    ("Acknowledge an ask-timer", "Enter on the ask in Team", "acknowledge_ask"),
    ("Page a person or a role", "p in Team · PagerDuty, Opsgenie or the paging command", "pane('team', 'page')"),
    ("Links: bridge, channel, tickets, dashboards", "l · open, copy, add a link", "links"),
    ("Mark a key moment", "m · impact started, detected, mitigated, service restored", "mark_moment"),
    ("Update an action item", "i · owner, type, priority, due, ticket, status", "action_item"),
    ("Filter the timeline", "f in Timeline", "pane('timeline', 'filter')"),
    ("Save the copied text to a file", "what was last sent to the clipboard, in case it did not arrive",
     "app.save_copy"),
    ("Quit", "ctrl+q", "app.quit"),
)
"""(title, help, action) — the action runs on the incident screen, like its key binding, from
whichever screen the palette was opened on (calm mode, help, a prompt)."""


SYSTEM = "System · "
"""How Textual's own commands are marked, below the cockpit's."""
SYSTEM_WEIGHT = 0.5
"""A system command's search score is scaled by this: a cockpit command that matches as well ranks first."""


def search_score(query: str, title: str, loose: float) -> float:
    """``loose`` (the fuzzy score) raised when a word of ``title`` begins with ``query``, most
    when the title does: typing "resolve" puts "Resolve the incident" above "Change the status
    (… resolved)"."""
    wanted = query.strip().lower()
    if not wanted:
        return loose
    words = title.lower().split()
    if title.lower().startswith(wanted):
        return 3 + loose
    if any(word.startswith(wanted) for word in words):
        return 2 + loose
    return loose


class CockpitCommands(Provider):
    """Every cockpit action for Textual's command palette, then the system commands, apart."""

    def _commands(self) -> Iterator[tuple[str, str, str]]:
        incident = getattr(self.app, "incident", None)
        if incident is None:
            return
        read_only = incident.session.read_only
        for title, help_text, action in COMMANDS:
            if read_only and not (action.startswith(("show_pane", "help", "calm", "app.quit",
                                                     "app.save_copy", "pane('timeline'"))):
                continue
            yield title, help_text, action

    def _system(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        """Textual's commands for this screen, but for the ones the cockpit has its own of."""
        own = {title for title, _, _ in COMMANDS}
        for command in self.app.get_system_commands(self.screen):
            if command.title not in own and command.discover:
                yield SYSTEM + command.title, command.help, command.callback

    def _runner(self, action: str):  # noqa: ANN202 - a zero-argument callback
        async def run() -> None:
            await self.app.incident.run_action(action)  # type: ignore[attr-defined]

        return run

    async def discover(self) -> Hits:
        for title, help_text, action in self._commands():
            yield DiscoveryHit(title, self._runner(action), help=help_text)
        for title, help_text, callback in self._system():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = matcher.match(f"{title} {help_text}")
            if score > 0:
                yield Hit(search_score(query, title, score), matcher.highlight(title),
                          self._runner(action), help=help_text)
        for title, help_text, callback in self._system():
            name = title.removeprefix(SYSTEM)
            score = matcher.match(name)
            if score > 0:
                yield Hit(search_score(query, name, score) * SYSTEM_WEIGHT, matcher.highlight(title),
                          callback, help=help_text)


class CockpitThemes(Provider):
    """The theme list: the cockpit's own themes only (bundled and the user's), by name."""

    def _themes(self) -> list[str]:
        return sorted(getattr(self.app, "cockpit_themes", ()))

    def _chooser(self, name: str) -> Callable[[], None]:
        def choose() -> None:
            self.app.theme = name

        return choose

    async def discover(self) -> Hits:
        for name in self._themes():
            yield DiscoveryHit(name, self._chooser(name))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name in self._themes():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._chooser(name))


def screenshot_folder() -> Path:
    """Where screenshots go: ``screenshots`` in the user's data folder, made 0700 when missing;
    the current folder when that cannot be made."""
    from cockpit.files import make_folders
    from cockpit.paths import user_data_dir

    folder = user_data_dir() / "screenshots"
    try:
        make_folders(folder)
    except OSError:
        return Path.cwd()
    return folder if os.access(folder, os.W_OK) else Path.cwd()


def save_screenshot(app: App[object]) -> Path | None:
    """An SVG of the screen in :func:`screenshot_folder` (0600, never over another file); the
    toast says where it went, or why it could not."""
    from datetime import datetime, timezone

    from cockpit.files import create_private

    folder = screenshot_folder()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    target = folder / f"cockpit-{stamp}.svg"
    try:
        create_private(target, app.export_screenshot().encode("utf-8"))
    except OSError as exc:
        app.notify(f"The screenshot could not be saved in {folder}: {exc.strerror or exc}",
                   title="Screenshot", severity="error", markup=False)
        return None
    app.notify(f"Screenshot saved to {target}", title="Screenshot", markup=False, timeout=10)
    return target
