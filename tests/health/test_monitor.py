"""The monitor polling real loopback servers: cadence, damping, events, secrets, scale."""

from __future__ import annotations

import asyncio
import functools
import random
from datetime import timedelta

import pytest

from cockpit.domain.events import HealthChanged, HealthSummary
from cockpit.health import monitor as monitor_module
from cockpit.health.conditions import ConditionError
from cockpit.health.lanes import Lanes
from cockpit.health.monitor import Monitor
from cockpit.health.probe import Outcome

SECRET = "s3cr3t-token-value-9f8e7d"


@pytest.fixture
def monitor_lanes_never_slow(monkeypatch):
    """The monitor's lanes with no check ever moving to the slow lane."""
    monkeypatch.setattr(monitor_module, "Lanes", functools.partial(Lanes, slow_after=3600))


class Running:
    """A monitor running in the background of a test; events are kept, the loop stays free."""

    def __init__(self, endpoints, **options) -> None:
        self.events: list = []
        self.monitor = Monitor(endpoints, self.record, **options)
        self.task: asyncio.Task | None = None
        self.on_change = None

    def record(self, event) -> None:
        self.events.append(event)
        if self.on_change and isinstance(event, HealthChanged):
            self.on_change(event)

    def changes(self, endpoint: str | None = None) -> list[tuple[str, str]]:
        return [(e.from_, e.to) for e in self.events
                if isinstance(e, HealthChanged) and endpoint in (None, e.endpoint)]

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(self.monitor.run())
        return self

    async def __aexit__(self, *exc) -> None:
        self.monitor.stop()
        await asyncio.wait_for(self.task, 30)

    def record_schedule(self) -> dict[str, list[float]]:
        """When each endpoint's checks were due (loop time), as the cadence scheduled them: what
        the cadence decides, whatever a busy machine does to when they really start."""
        due: dict[str, list[float]] = {}
        check_at = self.monitor._check

        async def scheduled(check, client, scheduled=None):
            due.setdefault(check.endpoint.name, []).append(scheduled)
            await check_at(check, client, scheduled=scheduled)

        self.monitor._check = scheduled
        return due


async def test_a_hanging_server_goes_down_after_three_timeouts(fleet, wait_until):
    endpoint = fleet.endpoint("api", "/switch", interval="100ms", timeout="150ms")
    failures_when_down = []
    async with Running([endpoint]) as run:
        run.on_change = lambda e: e.to == "down" and failures_when_down.append(
            run.monitor.snapshot()["api"].consecutive_failures)
        await wait_until(lambda: run.changes() == [("unknown", "up")], what="up")
        fleet.mode = "hang"
        await wait_until(lambda: failures_when_down, what="down")
    assert failures_when_down == [3]
    assert run.changes() == [("unknown", "up"), ("up", "degraded"), ("degraded", "down")]
    down = [e for e in run.events if isinstance(e, HealthChanged)][-1]
    assert down.detail == "timeout after 150ms" and down.by == "health"
    assert run.monitor.transitions[-1] == down


async def test_recovery_after_two_good_checks(fleet, wait_until):
    fleet.mode = "fail"
    async with Running([fleet.endpoint("api", "/switch", interval="100ms")]) as run:
        await wait_until(lambda: run.changes() == [("unknown", "down")], what="down")
        fleet.mode = "ok"
        await wait_until(lambda: run.changes()[-1] == ("down", "up"), what="back up")
        view = run.monitor.snapshot()["api"]
    assert view.consecutive_passes >= 2 and view.status == 200 and view.since is not None


async def test_error_never_counts_as_down_and_silence_becomes_unknown(fleet, wait_until, monkeypatch):
    monkeypatch.setenv("CHECK_TOKEN", SECRET)
    endpoint = fleet.endpoint("api", "/echo-auth", interval="100ms", timeout="100ms",
                              headers={"Authorization": "env:CHECK_TOKEN"})
    async with Running([endpoint]) as run:
        await wait_until(lambda: run.changes() == [("unknown", "up")], what="up")
        monkeypatch.delenv("CHECK_TOKEN")  # every check is now an ERROR: the prober cannot tell
        await wait_until(lambda: len(run.changes()) == 2, what="unknown")
    assert run.changes() == [("unknown", "up"), ("up", "unknown")]
    detail = run.monitor.transitions[-1].detail
    assert detail.startswith("no conclusive check for ") and "$CHECK_TOKEN is not set" in detail
    assert run.monitor.snapshot()["api"].last_outcome is Outcome.ERROR


async def test_a_secret_never_reaches_events_snapshot_or_the_session_file(
        fleet, wait_until, monkeypatch, make_session, tmp_path):
    monkeypatch.setenv("CHECK_TOKEN", f"Bearer {SECRET}")
    session = make_session()
    endpoint = fleet.endpoint("api", "/echo-auth", interval="100ms",
                              headers={"Authorization": "env:CHECK_TOKEN"},
                              conditions=["[BODY] == all good"])
    monitor = Monitor([endpoint], session.record, summary_every=timedelta(milliseconds=300))
    task = asyncio.create_task(monitor.run())
    await wait_until(lambda: any(e.kind == "health.summary" for e in session.events), what="summary")
    monitor.stop()
    await task
    assert fleet.authorization and all(SECRET in sent for sent in fleet.authorization)
    recorded = (tmp_path / "incident.toml").read_text()
    assert "health.changed" in recorded and "***" in recorded
    shown = [recorded, repr(monitor.snapshot()), repr(session.events)]
    assert not any(SECRET[:8] in text for text in shown)


async def test_summaries_carry_percentiles_ratio_and_state(fleet, wait_until):
    endpoints = [fleet.endpoint("fast", "/ok", interval="100ms"),
                 fleet.endpoint("broken", "/status/500", interval="100ms")]
    async with Running(endpoints, summary_every=timedelta(milliseconds=400)) as run:
        await wait_until(lambda: any(isinstance(e, HealthSummary) for e in run.events), what="summary")
    summary = next(e for e in run.events if isinstance(e, HealthSummary))
    fast, broken = summary.endpoints["fast"], summary.endpoints["broken"]
    assert (fast.state, fast.ok_ratio, broken.state, broken.ok_ratio) == ("up", 1.0, "down", 0.0)
    assert 0 < fast.p50_ms <= fast.p95_ms < 1000


async def test_cadence_is_start_to_start_and_missed_ticks_are_dropped(fleet, wait_until):
    """Read from the schedule, not from a stopwatch: a busy machine may start a check late, or
    drop a tick it ran past (that is the design), but every start is due on the grid of the
    first one, and a 450 ms check never has the two ticks it overran caught up."""
    endpoints = [fleet.endpoint("quick", "/ok", interval="200ms"),
                 fleet.endpoint("slow", "/slow/450", interval="200ms", timeout="2s")]
    run = Running(endpoints, rng=random.Random(7))
    due = run.record_schedule()
    async with run:
        await wait_until(lambda: len(due.get("quick", [])) >= 6 and len(due.get("slow", [])) >= 3,
                         what="six quick and three slow checks")
    for name, times in due.items():
        ticks = [(t - times[0]) / 0.2 for t in times]
        assert all(abs(tick - round(tick)) < 1e-6 for tick in ticks), (name, ticks)  # start to start
        steps = [round(b - a) for a, b in zip(ticks, ticks[1:])]
        assert min(steps) >= (3 if name == "slow" else 1), (name, steps)  # no catching up


async def test_checks_in_flight_are_capped(fleet, wait_until, monitor_lanes_never_slow):
    """The quick lane's cap. A busy machine can stretch a 100 ms check past the quarter second
    after which it would rightly move to the slow lane (and free its quick place), so here no
    check counts as slow: that lane has tests of its own (tests/checks/test_fairness.py)."""
    endpoints = [fleet.endpoint(f"svc-{i}", "/slow/100", interval="100ms") for i in range(12)]
    async with Running(endpoints, max_in_flight=3) as run:
        await wait_until(lambda: run.monitor.probes_made >= 24, what="24 checks")
    assert fleet.peak_in_flight == 3
    assert max(run.monitor.start_lags_ms) > 50  # waiting for a slot is start lag, not latency
    assert all(v.latency_ms < 1000 for v in run.monitor.snapshot().values())


async def test_first_checks_are_spread_over_the_interval(fleet, wait_until):
    endpoints = [fleet.endpoint(f"svc-{i}", "/count", interval="1s") for i in range(20)]
    run = Running(endpoints, rng=random.Random(1))
    due = run.record_schedule()
    async with run:
        await wait_until(lambda: len(due) == 20, what="every endpoint's first check")
    first = sorted(times[0] for times in due.values())
    early = sum(t < first[0] + 0.4 for t in first)
    assert 2 <= early <= 16  # about 40% of them in the first 0.4 s of the interval, not all at once
    assert first[-1] - first[0] < 1  # and all of them within the first interval


async def test_two_hundred_healthy_endpoints_for_ten_rounds_never_fail(fleet, wait_until):
    endpoints = [fleet.endpoint(f"svc-{i:03}", "/ok", interval="200ms", timeout="2s")
                 for i in range(200)]
    async with Running(endpoints) as run:
        await wait_until(lambda: all(v.probes >= 10 for v in run.monitor.snapshot().values()),
                         timeout=30, what="ten rounds")
    views = run.monitor.snapshot().values()
    assert all(v.state == "up" and v.consecutive_failures == 0 for v in views)
    assert all(v.consecutive_passes == v.probes for v in views)  # not one FAIL or ERROR
    assert sorted(set(run.changes())) == [("unknown", "up")]


async def test_escape_sequences_never_reach_events_or_snapshot(fleet, wait_until):
    endpoint = fleet.endpoint("api", "/hostile", interval="100ms", conditions=["[BODY] == calm"])
    async with Running([endpoint]) as run:
        await wait_until(lambda: run.changes(), what="a change")
    view = run.monitor.snapshot()["api"]
    for text in (run.monitor.transitions[0].detail, view.detail, view.body_excerpt):
        assert "red alert" in text and not any(ch in text for ch in "\x1b\x07\x9b")


def test_a_bad_condition_is_refused_before_anything_runs(fleet):
    with pytest.raises(ConditionError, match="endpoint 'api', degraded_when #1"):
        Monitor([fleet.endpoint("api", "/ok", degraded_when=["[RESPONSE_TIME] < soon"])], print)


async def test_stopping_closes_cleanly_while_checks_hang(fleet, wait_until):
    """The checks hang for a minute; stopping (which waits 30 s at most) ends them at once."""
    run = Running([fleet.endpoint("api", "/hang", interval="100ms", timeout="60s")])
    due = run.record_schedule()
    async with run:
        await wait_until(lambda: due, what="a check under way")
    assert run.task.done() and not run.task.cancelled()
    assert run.monitor.probes_made == 0  # ended by stopping, none by its timeout
