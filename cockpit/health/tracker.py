"""The state of one endpoint, judged from its checks with damping
(docs/configuration.md, "Health checks").

States are ``unknown``, ``up``, ``degraded`` and ``down``:

* from ``unknown`` the first conclusive check sets the state directly (OK → up, WARN →
  degraded, FAIL → down): someone opening the cockpit mid-outage sees it at once;
* ``down`` after ``down_after`` consecutive FAILs; out of it after ``up_after`` consecutive
  passes (OK or WARN), with the failures of the outage forgotten: up if those were OKs, else
  degraded;
* ``degraded`` on a WARN, or while the FAILs among the last ``window`` checks reach
  ``degraded_ratio`` of the window (so one lost check in ten does not flip anything), and it
  takes ``up_after`` consecutive OKs to leave it;
* ERROR never counts: it changes no counter. When no conclusive check has come for
  ``stale_after`` (default 3 × interval + timeout), the sweep makes the endpoint ``unknown``;
* ``flapping`` is set while ``flap_changes`` changes happened within ``flap_window``.

Times given to the tracker are monotonic seconds (for windows and staleness) and the clock's
datetime (for ``since``), so the logic is plain and testable without a network.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from cockpit.domain.events import EndpointWindow
from cockpit.domain.vocabulary import HealthState
from cockpit.health.probe import Outcome, ProbeResult, format_seconds
from cockpit.settings import EndpointConfig

SPARKLINE_POINTS = 60
_SUMMARY_SAMPLES = 4096


@dataclass(frozen=True, slots=True)
class Thresholds:
    down_after: int
    up_after: int
    degraded_ratio: float
    window: int
    stale_after: float
    flap_changes: int
    flap_window: float

    @classmethod
    def of(cls, endpoint: EndpointConfig) -> Thresholds:
        stale = endpoint.stale_after or 3 * endpoint.interval + endpoint.timeout
        return cls(endpoint.down_after, endpoint.up_after, endpoint.degraded_ratio, endpoint.window,
                   stale.total_seconds(), endpoint.flap_changes, endpoint.flap_window.total_seconds())


@dataclass(frozen=True, slots=True)
class Change:
    from_: HealthState
    to: HealthState
    detail: str


@dataclass(frozen=True, slots=True)
class EndpointView:
    """A read-only picture of one endpoint for the screen and the command line."""

    name: str
    service: str
    url: str
    state: HealthState
    since: datetime | None
    latency_ms: float | None
    status: int | None
    detail: str
    body_excerpt: str
    last_outcome: Outcome | None
    consecutive_failures: int
    consecutive_passes: int
    probes: int
    flapping: bool
    thresholds: Thresholds
    latencies: tuple[float, ...]


class EndpointTracker:
    """Turns the checks of one endpoint into its state; returns a Change when the state moves."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint
        self.thresholds = Thresholds.of(endpoint)
        self.state: HealthState = "unknown"
        self.since: datetime | None = None
        self.probes = 0
        self.failures = 0
        self.passes = 0
        self.oks = 0
        self.flapping = False
        self._last: ProbeResult | None = None
        self._last_conclusive: float | None = None
        self._recent: deque[bool] = deque(maxlen=self.thresholds.window)
        self._changes: deque[float] = deque(maxlen=self.thresholds.flap_changes)
        self._latencies: deque[float] = deque(maxlen=SPARKLINE_POINTS)
        self._summary_ms: deque[float] = deque(maxlen=_SUMMARY_SAMPLES)
        self._summary_checks = 0
        self._summary_passes = 0

    def observe(self, result: ProbeResult, now: float, at: datetime) -> Change | None:
        self.probes += 1
        self._last = result
        if not result.conclusive:
            return None
        self._last_conclusive = now
        failed = result.outcome is Outcome.FAIL
        self._recent.append(failed)
        if failed:
            self.failures, self.passes, self.oks = self.failures + 1, 0, 0
        else:
            self.failures, self.passes = 0, self.passes + 1
            self.oks = self.oks + 1 if result.outcome is Outcome.OK else 0
        if result.total_ms is not None:
            self._latencies.append(result.total_ms)
            self._summary_ms.append(result.total_ms)
        self._summary_checks += 1
        self._summary_passes += not failed
        return self._move(self._target(result.outcome), result.detail, now, at)

    def sweep(self, now: float, at: datetime) -> Change | None:
        """Staleness and the flapping marker, which move with time rather than with checks."""
        self._update_flapping(now)
        if self.state == "unknown" or self._last_conclusive is None:
            return None
        silent = now - self._last_conclusive
        if silent <= self.thresholds.stale_after:
            return None
        why = f": {self._last.detail}" if self._last is not None and self._last.detail else ""
        self.failures = self.passes = self.oks = 0
        self._recent.clear()
        return self._move("unknown", f"no conclusive check for {format_seconds(silent)}{why}", now, at)

    def _target(self, outcome: Outcome) -> HealthState:
        limits = self.thresholds
        if self.state == "unknown":
            return {Outcome.OK: "up", Outcome.WARN: "degraded", Outcome.FAIL: "down"}[outcome]
        if self.failures >= limits.down_after:
            return "down"
        if self.state == "down" and self.passes < limits.up_after:
            return "down"
        if outcome is Outcome.WARN or self.state == "down" and self.oks < limits.up_after:
            return "degraded"
        # Still shaky while a fifth of the last probes failed, a recent outage included
        # (docs/configuration.md, "Health checks")
        if sum(self._recent) >= math.ceil(limits.degraded_ratio * limits.window - 1e-9):
            return "degraded"
        if self.state == "degraded" and self.oks < limits.up_after:
            return "degraded"
        return "up"

    def _move(self, target: HealthState, detail: str, now: float, at: datetime) -> Change | None:
        if target == self.state:
            return None
        change = Change(self.state, target, detail)
        if self.state != "unknown":  # learning the first state is not a flap
            self._changes.append(now)
        self.state, self.since = target, at
        self._update_flapping(now)
        return change

    def _update_flapping(self, now: float) -> None:
        limits = self.thresholds
        self.flapping = (len(self._changes) >= limits.flap_changes
                         and now - self._changes[0] <= limits.flap_window)

    def take_window(self) -> EndpointWindow:
        """The summary since the last call (latency percentiles, share of passing checks)."""
        samples = sorted(self._summary_ms)
        window = EndpointWindow(
            p50_ms=_percentile(samples, 0.50), p95_ms=_percentile(samples, 0.95),
            ok_ratio=(round(self._summary_passes / self._summary_checks, 4)
                      if self._summary_checks else None),
            state=self.state)
        self._summary_ms.clear()
        self._summary_checks = self._summary_passes = 0
        return window

    def view(self) -> EndpointView:
        last = self._last
        return EndpointView(
            name=self.endpoint.name, service=self.endpoint.service or self.endpoint.name,
            url=self.endpoint.url, state=self.state, since=self.since,
            latency_ms=last.total_ms if last else None, status=last.status if last else None,
            detail=last.detail if last else "", body_excerpt=last.body_excerpt if last else "",
            last_outcome=last.outcome if last else None, consecutive_failures=self.failures,
            consecutive_passes=self.passes, probes=self.probes, flapping=self.flapping,
            thresholds=self.thresholds, latencies=tuple(self._latencies))


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted samples, in whole-ish milliseconds."""
    if not ordered:
        return None
    rank = max(1, math.ceil(fraction * len(ordered)))
    return round(ordered[rank - 1], 1)
