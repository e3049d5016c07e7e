"""The start screen (``cockpit`` with no arguments): get into an incident in seconds.

The title field has the focus: type a title, pick a severity (the config's default is
preselected), press Enter, and the incident is declared. Below it: resume one of the recent
open sessions, start a drill from a bundled or user scenario, or replay a past session.

``StartApp().run()`` returns what the person chose, one of these small frozen dataclasses, or
None when they quit; ``cockpit.ui.launch.run_start`` acts on it:

- ``DeclareIncident(title: str, severity: str)`` — create a session and open the cockpit;
- ``ResumeSession(path: Path)`` — open that session file and join it;
- ``StartDrill(scenario: str)`` — run the named scenario (a name for ``settings.find_named``);
- ``ReplaySession(path: Path)`` — open that session file in replay.

The app only chooses; it creates and opens nothing itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.content import Content
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from cockpit.domain.vocabulary import SEVERITIES
from cockpit.settings import Config, ConfigError, available, read_toml
from cockpit.listing import list_sessions
from cockpit.text import printable
from cockpit.ui.driver import QuietTerminal
from cockpit.ui.themes import preferred_theme, register_themes

RECENT = 8
"""How many sessions each list offers: the start screen is for the recent ones."""


@dataclass(frozen=True, slots=True)
class DeclareIncident:
    title: str
    severity: str


@dataclass(frozen=True, slots=True)
class ResumeSession:
    path: Path


@dataclass(frozen=True, slots=True)
class StartDrill:
    scenario: str


@dataclass(frozen=True, slots=True)
class ReplaySession:
    path: Path


StartChoice = DeclareIncident | ResumeSession | StartDrill | ReplaySession


def session_label(row: dict[str, Any]) -> Content:
    """``SEV2 · 11-27 04:10`` over the title (shown literally, DRILL marked): two lines each."""
    when = (row.get("declared_at") or "")[5:16].replace("T", " ")
    parts: list[str | tuple[str, str]] = [(row.get("severity") or "----", "bold")]
    if when:
        parts.append((f" · {when}", "$foreground-muted"))
    parts.append("\n")
    if row.get("drill"):
        parts.append(("DRILL ", "$text-warning"))
    parts.append(printable(row.get("title") or "(untitled)", one_line=True))
    return Content.assemble(*parts)


def scenario_label(name: str, path: Path) -> Content:
    """The scenario's name over its one-line title, read from ``[scenario] title``."""
    try:
        info = read_toml(path)[0].get("scenario", {})
        title = info.get("title", "") if isinstance(info, dict) else ""
    except ConfigError as exc:
        title = f"(cannot read it: {exc})"
    parts: list[str | tuple[str, str]] = [(printable(name, one_line=True), "bold")]
    if isinstance(title, str) and title:
        parts += ["\n", (printable(title, one_line=True), "$foreground-muted")]
    return Content.assemble(*parts)


def _readable(row: dict[str, Any]) -> bool:
    return row.get("severity") is not None


class StartApp(QuietTerminal, App[StartChoice | None]):
    """Declare, resume, drill or replay: the one question asked when cockpit starts bare."""

    TITLE = "Cockpit"
    BINDINGS = [Binding("ctrl+q", "quit", "quit", priority=True),
                Binding("f2", "insights", "insights across incidents")]
    CSS = """
    Screen { padding: 0 1; }
    #start-title { color: $text-muted; height: 1; margin-bottom: 1; }
    .start-box { border: round $primary; border-title-color: $text; height: auto; padding: 0 1; }
    #start-declare Input { margin-bottom: 1; }
    #start-severity { width: 12; }
    .start-label { width: 10; color: $text-muted; }
    .start-row { height: 1; }
    #start-message { height: 1; color: $text-muted; }
    #start-message.error { color: $text-error; }
    #start-lists { height: 1fr; }
    #start-lists .start-box { width: 1fr; height: 1fr; }
    #start-lists OptionList { border: none; height: 1fr; padding: 0; background: $surface; }
    """

    def __init__(self, config: Config | None = None) -> None:
        super().__init__()
        self.config = config or Config()
        rows = [row for row in list_sessions() if _readable(row)]
        self.open_sessions = [row for row in rows if row["status"] != "resolved"][:RECENT]
        self.past_sessions = rows[:RECENT]
        self.scenarios = sorted(available("scenarios", self.config).items())

    def compose(self) -> ComposeResult:
        yield Static("Cockpit · declare an incident, or pick up where you were", id="start-title")
        with Vertical(id="start-declare", classes="start-box") as box:
            box.border_title = "Declare a new incident"
            yield Input(placeholder="What is wrong? e.g. Checkout API returning 500s", id="start-name",
                        compact=True)
            with Horizontal(classes="start-row"):
                yield Static("Severity", classes="start-label")
                yield Select([(s, s) for s in SEVERITIES], id="start-severity", compact=True,
                             value=self.config.incident.default_severity, allow_blank=False)
            yield Static("Enter declares. When unsure, pick the higher severity.", id="start-message",
                         markup=False)
        with Horizontal(id="start-lists"):
            yield self._box("Resume an incident", "start-resume", [
                Option(session_label(row), id=row["path"]) for row in self.open_sessions
            ], "no open incidents")
            yield self._box("Start a drill", "start-drill", [
                Option(scenario_label(name, path), id=name) for name, path in self.scenarios
            ], "no scenarios found")
            yield self._box("Replay a session", "start-replay", [
                Option(session_label(row), id=row["path"]) for row in self.past_sessions
            ], "no saved sessions")
        yield Footer()

    @staticmethod
    def _box(title: str, list_id: str, options: list[Option], empty: str) -> Vertical:
        listing = OptionList(*(options or [Option(empty, disabled=True)]), id=list_id)
        box = Vertical(listing, classes="start-box")
        box.border_title = title
        return box

    def on_mount(self) -> None:
        self.theme = preferred_theme(register_themes(self, self.config), self.config)
        self.query_one("#start-name", Input).focus()

    def action_insights(self) -> None:
        """Figures across every saved incident and drill, with charts (cockpit.ui.insights)."""
        from cockpit.ui.insights import InsightsScreen

        self.push_screen(InsightsScreen(self.config))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Insights across incidents", "Figures and charts over the saved incidents"
                            " and drills", self.action_insights)

    @on(Input.Submitted, "#start-name")
    def _declare(self, event: Input.Submitted) -> None:
        title = printable(event.value, one_line=True).strip()
        if not title:
            message = self.query_one("#start-message", Static)
            message.update("An incident needs a title: say what is wrong, in a few words.")
            message.add_class("error")
            return
        severity = str(self.query_one("#start-severity", Select).value)
        self.exit(DeclareIncident(title, severity))

    @on(OptionList.OptionSelected, "#start-resume")
    def _resume(self, event: OptionList.OptionSelected) -> None:
        self.exit(ResumeSession(Path(event.option.id or "")))

    @on(OptionList.OptionSelected, "#start-drill")
    def _drill(self, event: OptionList.OptionSelected) -> None:
        self.exit(StartDrill(event.option.id or ""))

    @on(OptionList.OptionSelected, "#start-replay")
    def _replay(self, event: OptionList.OptionSelected) -> None:
        self.exit(ReplaySession(Path(event.option.id or "")))
