"""The damped state machine of one endpoint (DESIGN §5), fed with check results."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cockpit.health.probe import Outcome, ProbeResult
from cockpit.health.tracker import EndpointTracker
from cockpit.settings import EndpointConfig

AT = datetime(2026, 11, 27, 4, 10, tzinfo=timezone.utc)
OK = ProbeResult(Outcome.OK, "status 200", status=200, total_ms=20.0)
WARN = ProbeResult(Outcome.WARN, "response time 812 ms, wanted < 300", status=200, total_ms=812.0)
FAIL = ProbeResult(Outcome.FAIL, "status 503", status=503, total_ms=15.0)
ERROR = ProbeResult(Outcome.ERROR, "no free connection within 2.0s")


class Run:
    """Feeds results one interval apart and keeps the changes."""

    def __init__(self, **fields) -> None:
        self.tracker = EndpointTracker(EndpointConfig(name="api", url="http://127.0.0.1:1/",
                                                      interval="1s", timeout="1s", **fields))
        self.now = 0.0
        self.changes: list[tuple[str, str]] = []

    def feed(self, *results: ProbeResult) -> Run:
        for result in results:
            self.now += 1.0
            change = self.tracker.observe(result, self.now, AT)
            if change:
                self.changes.append((change.from_, change.to))
        return self

    @property
    def state(self) -> str:
        return self.tracker.state


@pytest.mark.parametrize(("first", "state"), [(OK, "up"), (WARN, "degraded"), (FAIL, "down")])
def test_the_first_conclusive_check_sets_the_state_directly(first, state):
    assert Run().feed(first).changes == [("unknown", state)]


def test_error_leaves_unknown_alone():
    run = Run().feed(ERROR, ERROR)
    assert run.state == "unknown" and run.changes == []
    assert run.tracker.view().detail == "no free connection within 2.0s"


def test_down_after_three_consecutive_failures_passing_through_degraded():
    run = Run().feed(OK, FAIL, FAIL)
    assert run.state == "degraded"  # 2 of the last 10 failed
    run.feed(FAIL)
    assert run.changes == [("unknown", "up"), ("up", "degraded"), ("degraded", "down")]
    assert run.tracker.failures == 3


def test_one_lost_check_in_ten_changes_nothing():
    run = Run().feed(OK, OK, FAIL, *[OK] * 9, FAIL, OK)
    assert run.changes == [("unknown", "up")]


def test_error_never_counts_toward_down_nor_breaks_a_run_of_failures():
    run = Run().feed(OK, ERROR, ERROR, ERROR, ERROR, ERROR)
    assert run.state == "up"
    run.feed(FAIL, ERROR, FAIL, ERROR, FAIL)
    assert run.state == "down"


def test_recovery_is_degraded_while_the_outage_is_among_the_last_ten():
    """DESIGN §5: up after two passes, but degraded while a fifth of the last ten probes failed."""
    run = Run().feed(OK, FAIL, FAIL, FAIL, FAIL, OK)
    assert run.state == "down"
    run.feed(OK)
    assert run.changes[-1] == ("down", "degraded")
    run.feed(*[OK] * 6)  # probe 13: failures 4 and 5 still in the window
    assert run.state == "degraded"
    run.feed(OK)  # probe 14: only one failure left among the last ten
    assert run.changes[-1] == ("degraded", "up")


def test_one_outage_is_not_flapping():
    run = Run().feed(OK, WARN, FAIL, FAIL, FAIL, *[OK] * 12)
    assert run.state == "up" and not run.tracker.view().flapping


def test_recovering_to_a_slow_service_is_degraded_until_two_oks():
    run = Run().feed(FAIL, OK, WARN)
    assert run.state == "degraded"
    run.feed(OK, OK)
    assert run.changes == [("unknown", "down"), ("down", "degraded"), ("degraded", "up")]


def test_warn_degrades_at_once_and_two_passes_restore():
    run = Run().feed(OK, WARN)
    assert run.state == "degraded"
    run.feed(OK)
    assert run.state == "degraded"
    run.feed(OK)
    assert run.changes == [("unknown", "up"), ("up", "degraded"), ("degraded", "up")]


def test_degraded_while_a_fifth_of_the_window_failed():
    run = Run().feed(OK, FAIL, OK, FAIL, OK, OK)
    assert run.state == "degraded"
    run.feed(*[OK] * 5)
    assert run.state == "degraded"  # both failures are still among the last ten
    run.feed(OK)
    assert run.state == "up"


def test_thresholds_come_from_the_endpoint():
    run = Run(down_after=1, up_after=3).feed(OK, FAIL)
    assert run.state == "down"
    run.feed(OK, OK)
    assert run.state == "down"
    run.feed(OK)
    assert run.state == "up"


def test_stale_without_a_conclusive_check_becomes_unknown():
    run = Run().feed(OK)  # stale_after = 3 x 1s + 1s
    assert run.tracker.sweep(run.now + 3.9, AT) is None
    run.feed(ERROR, ERROR, ERROR)
    change = run.tracker.sweep(run.now + 1.5, AT)
    assert change and (change.from_, change.to) == ("up", "unknown")
    assert change.detail.startswith("no conclusive check for 4.5s: no free connection")
    run.feed(FAIL)
    assert run.state == "down"  # from unknown, the first conclusive check decides


def test_flapping_marks_many_changes_in_the_window():
    run = Run(flap_changes=4, flap_window="10s", stale_after="1h").feed(OK, WARN, OK, OK, WARN, OK, OK)
    assert run.tracker.view().flapping
    assert not run.tracker.sweep(run.now + 20, AT)
    assert not run.tracker.view().flapping


def test_summary_window_percentiles_and_ratio_then_resets():
    run = Run().feed(OK, OK, OK, FAIL, ERROR)
    window = run.tracker.take_window()
    assert (window.p50_ms, window.p95_ms, window.ok_ratio, window.state) == (20.0, 20.0, 0.75, "up")
    empty = run.tracker.take_window()
    assert (empty.p50_ms, empty.ok_ratio) == (None, None)


def test_view_keeps_a_bounded_sparkline():
    run = Run().feed(*[OK] * 100)
    view = run.tracker.view()
    assert len(view.latencies) == 60 and view.probes == 100 and view.consecutive_passes == 100
