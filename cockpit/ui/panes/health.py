"""Health: what do the systems say?

First what is firing (one row per alert, the critical first: its severity as a word, its name,
its summary, for how long), then one row per endpoint, worst first: the state as a symbol and a
word (▲ UP ◆ DEGRADED ▼ DOWN ? UNKNOWN), the latency or the failure, a small latency sparkline
and since when (or FLAPPING).

Every figure comes from the record, so every seat, and a replay, show the same pane for the
same events: the latency is the p50 of the last ``health.summary`` and the sparkline the p50s of
the summaries before it; FLAPPING is the tracker's rule applied to the recorded
``health.changed`` events (``EndpointStatus.flapping``). Only the endpoint detail adds, in the seat
that polls, what the monitor saw last (status, body, counters): the rows never do. Enter opens
the detail of the row. Endpoint and alert text is shown literally, escape sequences removed.
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

from cockpit.domain.durations import to_the_minute
from cockpit.domain.state import Alert, EndpointStatus, IncidentState
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


def latencies(endpoint: EndpointStatus) -> list[float | None]:
    """The recorded p50 of each summary window (None for a window without an answer)."""
    return [point.p50_ms for point in endpoint.history]


def format_ms(ms: float) -> str:
    """Whole milliseconds, or seconds to a tenth from one second: a p50 changes once a summary,
    and never by a flickering decimal."""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def latency_text(endpoint: EndpointStatus) -> str:
    """The last recorded latency while the endpoint is up; why it is not, in a few words, while it
    is down or degraded (a p50 from the last summary would contradict the reason)."""
    if endpoint.state in ("down", "degraded") and endpoint.detail:
        return printable(endpoint.detail, one_line=True)
    latency = endpoint.history[-1].p50_ms if endpoint.history else None
    if latency is not None:
        return format_ms(latency)
    return printable(endpoint.detail, one_line=True) or (
        "no answer in the last window" if endpoint.history else "no summary yet")


def firing_for(alert: Alert, now: datetime) -> str:
    """``for 12m``, ``for 1h05m``: to the minute, so an alert's row does not change every second."""
    minutes = int(alert.duration(now).total_seconds() // 60)
    if minutes < 1:
        return "for <1m"
    hours, minutes = divmod(minutes, 60)
    return f"for {hours}h{minutes:02d}m" if hours else f"for {minutes}m"


def alert_label(alert: Alert) -> str:
    """The severity as a word with a symbol: ``‼ CRITICAL``, ``! WARNING``, ``! FIRING``."""
    word = printable(alert.severity, one_line=True).upper() or "FIRING"
    return f"{'‼' if alert.critical else '!'} {word}"


def health_title(state: IncidentState, endpoints: Sequence[EndpointStatus]) -> str:
    """``Health · 8 endpoints · 1 down · 2 firing (1 critical)``."""
    title = f"Health · {len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''}"
    for state_name in ("down", "degraded", "unknown"):
        count = sum(1 for e in endpoints if e.state == state_name)
        if count:
            title += f" · {count} {state_name}"
    firing = state.firing_alerts()
    if firing:
        critical = sum(1 for a in firing if a.critical)
        title += f" · {len(firing)} firing" + (f" ({critical} critical)" if critical else "")
    return title


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
    return f" · ⚠ STALE: last news {to_the_minute(age.total_seconds())} ago, no seat is polling"


class HealthPane(Pane):
    TITLE = "Health"

    def __init__(self, *, watch_freshness: bool = False, sparklines: bool = True,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.sparklines = sparklines
        """False over a slow link (``--low-bandwidth``): the latency figure stays, its history goes."""
        self.live: Mapping[str, EndpointView] = {}
        self.state = IncidentState()
        self.now: datetime | None = None
        self.watch_freshness = watch_freshness
        """Live seats say when the file's health news has gone stale; a replay shows the past."""

    def set_live(self, snapshot: Mapping[str, EndpointView]) -> None:
        """The monitor's per-endpoint views, for the detail view of the seat that polls."""
        self.live = snapshot

    def show(self, state: IncidentState, now: datetime) -> None:
        self.last_shown = (state, now)
        self.state, self.now = state, now
        endpoints = self._retitle(state, now)
        self.rows.set_rows(self.render_rows(endpoints, now))

    def drawn_from(self, state: IncidentState) -> tuple[object, ...]:
        """The endpoints and the alerts; the title's staleness moves on the tick."""
        return state.endpoints, state.alerts

    def tick(self, state: IncidentState, now: datetime) -> None:
        """The title's "STALE: last news 2:05 ago" moves by the second; the rows (firing for
        12m) by the minute."""
        self._retitle(state, now)

    def _retitle(self, state: IncidentState, now: datetime) -> list[EndpointStatus]:
        """Set the title for ``state`` at ``now``; the endpoints in the order the rows show them."""
        endpoints = sorted(state.endpoints.values(), key=lambda e: (STATE_ORDER.get(e.state, 2), e.name))
        title = health_title(state, endpoints)
        if self.watch_freshness and not self.live and endpoints:
            title += stale_note(endpoints, now)
        self.set_title(title)
        return endpoints

    def render_rows(self, endpoints: list[EndpointStatus], now: datetime) -> Sequence[Row]:
        firing: list[Alert | EndpointStatus] = list(self.state.firing_alerts())
        if not self.state.endpoints and not firing:
            return [Row(Text("No endpoints in this session's config.", style=self.tone("dim")))]
        return LazyRows(firing + endpoints, self.render_row)  # type: ignore[arg-type]

    def _widths(self) -> tuple[int, int, int]:
        """(name, detail, sparkline) cells for this width: alerts and endpoints share columns."""
        width = self.width
        spark = SPARK_POINTS if width >= 64 and self.sparklines else 0
        name_width = min(24, max(10, width // 4))
        detail_width = max(6, width - 12 - name_width - (spark + 2 if spark else 0) - SINCE_WIDTH - 2)
        return name_width, detail_width, spark

    def render_row(self, item: Alert | EndpointStatus) -> Row:
        if isinstance(item, Alert):
            return self.render_alert(item)
        endpoint = item
        name_width, detail_width, spark = self._widths()
        line = Text()
        line.append(cells(STATE_LABELS.get(endpoint.state, endpoint.state), 12),
                    style=self.tone(STATE_TONES.get(endpoint.state, "")))
        line.append(cells(printable(endpoint.name, one_line=True), name_width))
        line.append(" " + cells(latency_text(endpoint), detail_width - 1))
        if spark:
            line.append("  " + sparkline(latencies(endpoint)), style=self.tone("dim"))
        since = f"since {endpoint.since:%H:%M}" if endpoint.since else ""
        flapping = self.now is not None and endpoint.flapping(self.now)
        line.append("  ")
        line.append(cells("⇅ FLAPPING" if flapping else since, SINCE_WIDTH),
                    style=self.tone("warn") if flapping else self.tone("dim"))
        return Row(line, key=endpoint.name)

    def render_alert(self, alert: Alert) -> Row:
        """``‼ CRITICAL  PaymentsErrors  error rate 12% on /charge  for 12m``."""
        name_width, detail_width, spark = self._widths()
        line = Text()
        line.append(cells(alert_label(alert), 12), style=self.tone("bad" if alert.critical else "warn"))
        line.append(cells(printable(alert.alertname or alert.fingerprint, one_line=True), name_width))
        summary = printable(alert.summary or alert.description, one_line=True)
        line.append(" " + cells(summary, detail_width - 1 + (spark + 2 if spark else 0)))
        line.append("  " + cells(firing_for(alert, self.now or alert.since), SINCE_WIDTH),
                    style=self.tone("dim"))
        return Row(line, key=ALERT_KEY + alert.fingerprint)

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        key = event.key or ""
        if key.startswith(ALERT_KEY):
            alert = self.state.alerts.get(key[len(ALERT_KEY):])
            if alert is not None:
                self.app.push_screen(AlertDetail(alert, self.now or alert.since))
            return
        endpoint = self.state.endpoints.get(key)
        if endpoint is not None:
            flapping = self.now is not None and endpoint.flapping(self.now)
            self.app.push_screen(EndpointDetail(endpoint, self.live.get(endpoint.name), flapping))


SINCE_WIDTH = 12
ALERT_KEY = "alert:"
"""Alert rows' keys: endpoint names are the other rows' keys, and no name begins so."""


class Fields:
    """Label-value lines as plain text (nothing from an endpoint or an alert is markup)."""

    def __init__(self) -> None:
        self.text = Text()

    def add(self, label: str, value: object) -> None:
        if value in (None, ""):
            return
        self.text.append(f"{label:<16}", style="dim")
        self.text.append(printable(str(value), one_line=True) + "\n")


def detail_text(endpoint: EndpointStatus, live: EndpointView | None, flapping: bool = False) -> Text:
    """Everything recorded about one endpoint; in the seat that polls, what the monitor saw last."""
    out = Fields()
    out.add("state", STATE_LABELS.get(endpoint.state, endpoint.state))
    out.add("since", f"{endpoint.since:%Y-%m-%d %H:%M:%S} UTC" if endpoint.since else "")
    out.add("service", endpoint.service)
    out.add("url", endpoint.url)
    out.add("last detail", endpoint.detail)
    out.add("state changes", endpoint.changes)
    out.add("flapping", "yes" if flapping else None)
    if endpoint.history:
        point = endpoint.history[-1]
        out.add("last window", f"{point.at:%H:%M:%S} UTC: p50 {_ms(point.p50_ms)}, "
                               f"p95 {_ms(point.p95_ms)}, ok {_ratio(point.ok_ratio)}")
    if live is not None:
        out.add("last status", live.status)
        out.add("last latency", format_ms(live.latency_ms) if live.latency_ms is not None else None)
        out.add("last probe", f"{live.last_outcome}: {live.detail}" if live.last_outcome else live.detail)
        out.add("probes made", live.probes)
        out.add("in a row", f"{live.consecutive_failures} failed, {live.consecutive_passes} passed")
        t = live.thresholds
        out.add("thresholds", f"down after {t.down_after} failures, up after {t.up_after} passes, "
                              f"degraded at {t.degraded_ratio:.0%} of {t.window}, unknown after "
                              f"{t.stale_after:g} s without an answer")
        if live.body_excerpt:
            out.text.append("\nbody (first bytes, control characters removed)\n", style="dim")
            out.text.append(printable(live.body_excerpt))
    return out.text


def _ms(value: float | None) -> str:
    return format_ms(value) if value is not None else "—"


def _ratio(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "—"


def alert_text(alert: Alert, now: datetime) -> Text:
    """Everything the alert said: its labels, its runbook and where it comes from."""
    out = Fields()
    out.add("severity", alert_label(alert))
    out.add("firing", f"{firing_for(alert, now)}, since {alert.starts_at or alert.since:%Y-%m-%d %H:%M:%S} UTC")
    out.add("summary", alert.summary)
    out.add("description", alert.description)
    out.add("runbook", alert.runbook_url)
    out.add("source", alert.generator_url)
    out.add("times fired", alert.episodes if alert.episodes > 1 else None)
    for name, value in sorted(alert.labels.items()):
        out.add(f"label {name}", value)
    return out.text


class DetailScreen(ModalScreen[None]):
    """The detail of one row, over the screen. Esc closes."""

    BINDINGS = [Binding("escape,enter,q", "close", "close", show=False)]
    DEFAULT_CSS = """
    DetailScreen { align: center middle; background: $background 60%; }
    DetailScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1; }
    DetailScreen .detail-hint { color: $text-muted; margin-top: 1; }
    """
    DETAIL_ID = "detail"

    def __init__(self, title: str, text: Text) -> None:
        super().__init__()
        self.title_text = printable(title, one_line=True)
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = Text(self.title_text)
            yield Static(self.text, id=self.DETAIL_ID)
            yield Static(Text("Esc to close"), classes="detail-hint")

    def action_close(self) -> None:
        self.dismiss(None)


class EndpointDetail(DetailScreen):
    """One endpoint: last error, the last summary window; where it polls, status, body, thresholds."""

    DETAIL_ID = "endpoint-detail"

    def __init__(self, endpoint: EndpointStatus, live: EndpointView | None = None,
                 flapping: bool = False) -> None:
        super().__init__(endpoint.name, detail_text(endpoint, live, flapping))
        self.endpoint = endpoint


class AlertDetail(DetailScreen):
    """One firing alert: summary, description, runbook, labels."""

    DETAIL_ID = "alert-detail"

    def __init__(self, alert: Alert, now: datetime) -> None:
        super().__init__(alert.alertname or alert.fingerprint, alert_text(alert, now))
        self.alert = alert
