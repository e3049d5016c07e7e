"""Health: what do the systems say?

One row per endpoint, worst first: the state as a symbol and a word (▲ UP ◆ DEGRADED ▼ DOWN
? UNKNOWN), the latency or the failure, a small latency sparkline and since when. Live, the
sparkline comes from the monitor's snapshot (``set_live``); in a replay, from the
``health.summary`` points folded into the state. Enter opens the endpoint's detail. Endpoint
text (details, bodies) is shown literally, escape sequences removed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.domain.durations import format_clock
from cockpit.domain.state import EndpointStatus, IncidentState
from cockpit.text import printable
from cockpit.ui.panes.rows import LazyRows, Pane, Row, RowList, cells

if TYPE_CHECKING:  # the monitor's module (and httpx) load only where something polls
    from cockpit.health.tracker import EndpointView

STATE_LABELS = {"up": "▲ UP", "degraded": "◆ DEGRADED", "down": "▼ DOWN", "unknown": "? UNKNOWN"}
STATE_TONES = {"up": "good", "degraded": "warn", "down": "bad", "unknown": "dim"}
STATE_ORDER = {"down": 0, "degraded": 1, "unknown": 2, "up": 3}
BARS = "▁▂▃▄▅▆▇█"
SPARK_POINTS = 12


def sparkline(values: Sequence[float | None], width: int = SPARK_POINTS) -> str:
    """The last ``width`` latencies as bars scaled to their own maximum; ``×`` for a failed probe."""
    recent = list(values)[-width:]
    known = [v for v in recent if v is not None]
    if not known:
        return " " * width
    top = max(known) or 1.0
    out = "".join("×" if v is None else BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1)))]
                  for v in recent)
    return out.rjust(width)


def latencies(endpoint: EndpointStatus, live: EndpointView | None) -> list[float | None]:
    if live is not None:
        return list(live.latencies)
    return [point.p50_ms for point in endpoint.history]


def latency_text(endpoint: EndpointStatus, live: EndpointView | None) -> str:
    """The last latency when the endpoint answers, else the failure in a few words."""
    if endpoint.state == "down" and endpoint.detail:
        return printable(endpoint.detail, one_line=True)
    latency = live.latency_ms if live is not None else None
    if latency is None and endpoint.history:
        latency = endpoint.history[-1].p50_ms
    if latency is not None:
        return f"{latency:.0f} ms"
    return printable(endpoint.detail, one_line=True) or "no probe yet"


FRESH_FOR = timedelta(seconds=150)
"""A polling seat records a summary every minute: older news means nobody is polling."""


def stale_note(endpoints: Sequence[EndpointStatus], now: datetime) -> str:
    """When no seat is polling, the states shown are only the last ones recorded: say so."""
    moments = [m for e in endpoints for m in (e.since, e.history[-1].at if e.history else None) if m]
    newest = max(moments, default=None)
    if newest is None:
        return " · ⚠ not polled yet"
    age = now - newest
    if age <= FRESH_FOR:
        return ""
    return f" · ⚠ STALE: last news {format_clock(age.total_seconds())} ago, no seat is polling"


class HealthPane(Pane):
    TITLE = "Health"

    def __init__(self, *, watch_freshness: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.live: Mapping[str, EndpointView] = {}
        self.state = IncidentState()
        self.watch_freshness = watch_freshness
        """Live seats say when the file's health news has gone stale; a replay shows the past."""

    def set_live(self, snapshot: Mapping[str, EndpointView]) -> None:
        """The monitor's per-endpoint views: latency history and last probe for the detail view."""
        self.live = snapshot

    def show(self, state: IncidentState, now: datetime) -> None:
        self.last_shown = (state, now)
        self.state = state
        endpoints = sorted(state.endpoints.values(), key=lambda e: (STATE_ORDER.get(e.state, 2), e.name))
        counts = {s: sum(1 for e in endpoints if e.state == s) for s in STATE_ORDER}
        title = f"Health · {len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''}"
        for state_name in ("down", "degraded", "unknown"):
            if counts[state_name]:
                title += f" · {counts[state_name]} {state_name}"
        if self.watch_freshness and not self.live and endpoints:
            title += stale_note(endpoints, now)
        self.set_title(title)
        self.rows.set_rows(self.render_rows(endpoints, now))

    def render_rows(self, endpoints: list[EndpointStatus], now: datetime) -> Sequence[Row]:
        if not self.state.endpoints:
            return [Row(Text("No endpoints in this session's config.", style=self.tone("dim")))]
        return LazyRows(endpoints, self.render_row)

    def render_row(self, endpoint: EndpointStatus) -> Row:
        width = self.width
        spark = SPARK_POINTS if width >= 64 else 0
        since_width = 12
        name_width = min(24, max(10, width // 4))
        detail_width = max(6, width - 12 - name_width - (spark + 2 if spark else 0) - since_width - 2)
        live = self.live.get(endpoint.name)
        line = Text()
        line.append(cells(STATE_LABELS.get(endpoint.state, endpoint.state), 12),
                    style=self.tone(STATE_TONES.get(endpoint.state, "")))
        line.append(cells(printable(endpoint.name, one_line=True), name_width))
        line.append(" " + cells(latency_text(endpoint, live), detail_width - 1))
        if spark:
            line.append("  " + sparkline(latencies(endpoint, live)), style=self.tone("dim"))
        since = f"since {endpoint.since:%H:%M}" if endpoint.since else ""
        if live is not None and live.flapping:
            since = "FLAPPING"
        line.append("  " + cells(since, since_width), style=self.tone("dim"))
        return Row(line, key=endpoint.name)

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        endpoint = self.state.endpoints.get(event.key)
        if endpoint is not None:
            self.app.push_screen(EndpointDetail(endpoint, self.live.get(endpoint.name)))


def detail_text(endpoint: EndpointStatus, live: EndpointView | None) -> Text:
    """Everything known about one endpoint, as plain text (nothing from it is markup)."""
    out = Text()

    def field(label: str, value: object) -> None:
        if value in (None, ""):
            return
        out.append(f"{label:<16}", style="dim")
        out.append(printable(str(value), one_line=True) + "\n")

    field("state", STATE_LABELS.get(endpoint.state, endpoint.state))
    field("since", f"{endpoint.since:%Y-%m-%d %H:%M:%S} UTC" if endpoint.since else "")
    field("service", endpoint.service)
    field("url", endpoint.url)
    field("last detail", endpoint.detail)
    field("state changes", endpoint.changes)
    if live is not None:
        field("last status", live.status)
        field("last latency", f"{live.latency_ms:.0f} ms" if live.latency_ms is not None else None)
        field("last probe", f"{live.last_outcome}: {live.detail}" if live.last_outcome else live.detail)
        field("probes made", live.probes)
        field("in a row", f"{live.consecutive_failures} failed, {live.consecutive_passes} passed")
        field("flapping", "yes" if live.flapping else None)
        t = live.thresholds
        field("thresholds", f"down after {t.down_after} failures, up after {t.up_after} passes, "
                            f"degraded at {t.degraded_ratio:.0%} of {t.window}, unknown after "
                            f"{t.stale_after:g} s without an answer")
        if live.body_excerpt:
            out.append("\nbody (first bytes, control characters removed)\n", style="dim")
            out.append(printable(live.body_excerpt))
    elif endpoint.history:
        point = endpoint.history[-1]
        field("last window", f"p50 {point.p50_ms} ms, p95 {point.p95_ms} ms, ok {point.ok_ratio}")
    return out


class EndpointDetail(ModalScreen[None]):
    """The detail of one endpoint: last error, status, body excerpt, thresholds. Esc closes."""

    BINDINGS = [Binding("escape,enter,q", "close", "close", show=False)]
    DEFAULT_CSS = """
    EndpointDetail { align: center middle; background: $background 60%; }
    EndpointDetail > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1; }
    EndpointDetail .detail-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, endpoint: EndpointStatus, live: EndpointView | None = None) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.live = live

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = Text(printable(self.endpoint.name, one_line=True))
            yield Static(detail_text(self.endpoint, self.live), id="endpoint-detail")
            yield Static(Text("Esc to close"), classes="detail-hint")

    def action_close(self) -> None:
        self.dismiss(None)
