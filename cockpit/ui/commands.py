"""The command palette (ctrl+p): every action of the cockpit, found by typing a few letters.

Each command names what it does in the words a lead would search for, and runs the same action
as its key, so the palette and the keys can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

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
    ("Filter the timeline", "f in Timeline", "pane('timeline', 'filter')"),
    ("Quit", "ctrl+q", "app.quit"),
)
"""(title, help, action) — the action runs on the incident screen, like its key binding, from
whichever screen the palette was opened on (calm mode, help, a prompt)."""


class CockpitCommands(Provider):
    """Every cockpit action for Textual's command palette, once an incident is open."""

    def _commands(self) -> Iterator[tuple[str, str, str]]:
        incident = getattr(self.app, "incident", None)
        if incident is None:
            return
        read_only = incident.session.read_only
        for title, help_text, action in COMMANDS:
            if read_only and not (action.startswith(("show_pane", "help", "calm", "app.quit",
                                                     "pane('timeline'"))):
                continue
            yield title, help_text, action

    def _runner(self, action: str):  # noqa: ANN202 - a zero-argument callback
        async def run() -> None:
            await self.app.incident.run_action(action)  # type: ignore[attr-defined]

        return run

    async def discover(self) -> Hits:
        for title, help_text, action in self._commands():
            yield DiscoveryHit(title, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = matcher.match(f"{title} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._runner(action), help=help_text)
