"""The Insights screen: the figures of ``cockpit insights``, with charts.

Reached with F2 (or the command palette) from the start screen and with ``cockpit insights --ui``.
The document is the one ``cockpit insights`` writes (``cockpit.insights.model``): the screen only
lays it out. It is gathered on a worker thread, so the screen answers keys while a cold run folds
every session; the charts are drawn by plotext in plain characters (no colour: each severity
has its own fill, named in the legend), at the width the screen gives them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from cockpit.domain.durations import human_duration
from cockpit.domain.vocabulary import SEVERITIES
from cockpit.settings import Config
from cockpit.text import printable
from cockpit.ui.driver import QuietTerminal
from cockpit.ui.themes import preferred_theme, register_themes

SEVERITY_FILLS = ("█", "▓", "▒", "░", "·")
"""One fill per severity, SEV1 darkest: the chart never relies on colour."""
CHART_HEIGHT = 14


DRILLS_CHARTED = 24
"""The latest drills the score chart shows: more bars than that do not fit a pane."""


def _figure(width: int) -> Any:
    """plotext's figure, cleared, sized to the widget (not to the process's terminal)."""
    import plotext  # only the screen pays for plotext's import

    plotext.terminal.limit(False, False)
    figure = plotext.figure
    figure.clear()
    figure.plot_size(max(width, 30), CHART_HEIGHT)
    figure.theme("clear")
    return figure


def severity_chart(months: list[dict[str, Any]], width: int) -> str:
    """Incidents per month, stacked by severity, as plain text ``width`` columns wide."""
    figure = _figure(width)
    present = [s for s in SEVERITIES if any(m[s] for m in months)]
    heights = [[m[s] for m in months] for s in present]
    figure.draw(figure.bar([m["month"] for m in months], heights, stacked=True,
                           marker=[SEVERITY_FILLS[SEVERITIES.index(s)] for s in present]))
    legend = "   ".join(f"{SEVERITY_FILLS[SEVERITIES.index(s)] * 2} {s}" for s in present)
    return figure.build().string(colorless=True) + "\n" + legend


def drill_chart(drills: list[dict[str, Any]], width: int) -> str:
    """The latest drills' share of objectives met, oldest first, as plain text."""
    scored = [d for d in drills if d["total"]][-DRILLS_CHARTED:]
    figure = _figure(width)
    numbers = list(range(1, len(scored) + 1))  # by number: two drills on one day stay two points
    figure.draw(figure.signal(numbers, [round(100 * d["met"] / d["total"]) for d in scored], marker="●"))
    first, last = (scored[0]["declared_at"] or "")[:10], (scored[-1]["declared_at"] or "")[:10]
    return (figure.build().string(colorless=True)
            + f"\n● objectives met, % · drills 1–{len(scored)} in order, {first} to {last}")


def _span(seconds: float | None) -> str:
    return human_duration(seconds) if seconds is not None else "—"


def _rows(head: list[str], rows: list[list[str]]) -> str:
    """A plain text table, columns padded to their widest cell."""
    if not rows:
        return "none"
    cells = [head] + rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells)


def text_sections(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The document's tables, as (title, plain text) pairs."""
    times = [[sev, str(f["incidents"]), *(f"{_span(f[n]['median_s'])} / {_span(f[n]['p90_s'])}"
                                         for n in ("detect", "mitigate", "resolve"))]
             for sev, f in doc["times_by_severity"].items()]
    sections = [
        ("Time to detect / mitigate / resolve (median / p90)",
         _rows(["severity", "incidents", "detect", "mitigate", "resolve"], times)),
        ("Steps most often late", _rows(["incidents", "step"], [[str(s["incidents"]), s["text"]]
                                                               for s in doc["steps_late"]])),
        ("Steps most often skipped", _rows(["incidents", "step"], [[str(s["incidents"]), s["text"]]
                                                                  for s in doc["steps_skipped"]])),
        ("Open action items by owner", _rows(["owner", "open", "oldest", "> 30 days"], [
            [a["owner"], str(a["open"]), f"{a['oldest_days']:g} d", str(a["by_age"]["over_30d"])]
            for a in doc["open_actions"]])),
        (f"Responders: hours engaged and at night (22:00–06:00 {doc['timezone']})", _rows(
            ["responder", "incidents", "engaged", "at night", "night share"],
            [[r["handle"], str(r["incidents"]), f"{r['engaged_h']:.1f} h", f"{r['night_h']:.1f} h",
              f"{r['night_share']:.0%}"] for r in doc["responders"]])),
        ("Drills", _rows(["declared", "scenario", "score", "not met"], [
            [(d["declared_at"] or "—")[:16].replace("T", " "), d["scenario"] or "—",
             "—" if d["total"] is None else f"{d['met']}/{d['total']}", "; ".join(d["missed"]) or "—"]
            for d in doc["drills"]])),
    ]
    return [(title, printable(body)) for title, body in sections]


class Chart(Static):
    """A plotext chart drawn at the width it is given, redrawn only when that width changes."""

    DEFAULT_CSS = "Chart { height: auto; margin-bottom: 1; }"

    def __init__(self, draw: Any, data: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._draw = draw
        self._data = data
        self._drawn_at: int | None = None

    def on_resize(self) -> None:
        width = self.content_size.width
        if width and width != self._drawn_at:
            self._drawn_at = width
            self.update(Text(self._draw(self._data, width), no_wrap=True, overflow="crop"))


class InsightsScreen(Screen[None]):
    """Figures across the saved incidents and drills, drills kept apart."""

    BINDINGS = [Binding("escape", "close", "back"), Binding("r", "reload", "reload")]
    DEFAULT_CSS = """
    InsightsScreen { padding: 0 1; }
    #insights-status { height: auto; color: $text-muted; margin-bottom: 1; }
    #insights-body { height: 1fr; }
    .insights-title { text-style: bold; color: $text; }
    .insights-table { margin-bottom: 1; }
    """

    def __init__(self, config: Config | None = None, since: date | None = None, *,
                 standalone: bool = False) -> None:
        super().__init__()
        self.config = config
        self.since = since
        self.standalone = standalone
        """True when the screen is the whole app (``cockpit insights --ui``): back quits."""
        self.document: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Reading the saved sessions…", id="insights-status", markup=False)
        yield VerticalScroll(id="insights-body")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.query_one("#insights-status", Static).update("Reading the saved sessions…")
        self.load()

    def action_close(self) -> None:
        if self.standalone:
            self.app.exit()
        else:
            self.dismiss()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        from cockpit.insights.cli import insights_document

        try:
            doc = insights_document(config=self.config, since=self.since)
            import plotext  # noqa: F401 - imported here, off the event loop, before the charts draw
        except Exception as exc:  # noqa: BLE001 - said on the screen, which stays usable
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.show, doc)

    def _failed(self, problem: str) -> None:
        self.query_one("#insights-status", Static).update(
            Text(printable(f"Could not read the sessions: {problem}", one_line=True)))

    def show(self, doc: dict[str, Any]) -> None:
        self.document = doc
        counts = doc["sessions"]
        since = f" declared since {doc['since']:%Y-%m-%d}" if doc["since"] else ""
        unreadable = f"; {len(counts['unreadable'])} unreadable" if counts["unreadable"] else ""
        self.query_one("#insights-status", Static).update(Text(
            f"Insights · {counts['incidents']} incidents and {counts['drills']} drills{since}"
            f"{unreadable} · drills are counted apart · r reload · escape back"))
        body = self.query_one("#insights-body", VerticalScroll)
        body.remove_children()
        widgets: list[Static] = [Static("Incidents by severity, per month", classes="insights-title")]
        if doc["incidents_by_month"]:
            widgets.append(Chart(severity_chart, doc["incidents_by_month"], id="chart-severity"))
        else:
            widgets.append(Static("no incidents yet", classes="insights-table"))
        widgets.append(Static("Drill scores over time", classes="insights-title"))
        if any(d["total"] for d in doc["drills"]):
            widgets.append(Chart(drill_chart, doc["drills"], id="chart-drills"))
        else:
            widgets.append(Static("no scored drills yet", classes="insights-table"))
        for title, text in text_sections(doc):
            widgets.append(Static(Text(title), classes="insights-title"))
            widgets.append(Static(Text(text, no_wrap=True, overflow="ellipsis"), classes="insights-table"))
        body.mount_all(widgets)


class InsightsApp(QuietTerminal, App[None]):
    """``cockpit insights --ui``: the Insights screen on its own."""

    TITLE = "Cockpit · insights"
    BINDINGS = [Binding("ctrl+q", "quit", "quit", priority=True)]

    def __init__(self, config: Config | None = None, since: date | None = None) -> None:
        super().__init__()
        self.config = config or Config()
        self.since = since

    def on_mount(self) -> None:
        self.theme = preferred_theme(register_themes(self, self.config), self.config)
        self.push_screen(InsightsScreen(self.config, self.since, standalone=True))


def run_insights_screen(*, config: Config | None, since: date | None) -> int:
    InsightsApp(config, since).run()
    return 0
