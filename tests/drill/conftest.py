"""Fixtures for drill tests: scenarios built in code, fleets served on ephemeral ports."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from cockpit.drill.fleet import Fleet, ScenarioClock
from cockpit.drill.scenario import Phase, Scenario


def scenario_of(*services: dict[str, Any], injects: tuple[dict[str, Any], ...] = (),
                **info: Any) -> Scenario:
    """A scenario from service tables; quiet services (no baseline latency) unless told."""
    return Scenario.model_validate({
        "scenario": {"name": "test", "title": "Test", "incident_title": "Test incident", **info},
        "services": [{"baseline_ms": 0, "jitter_ms": 0, **s} for s in services],
        "injects": list(injects),
    })


def one_service(behaviour: str, **phase: Any) -> Scenario:
    return scenario_of({"name": "svc", "phases": [{"at": "0s", "behaviour": behaviour, **phase}]})


@pytest.fixture
async def serve():
    """``await serve(scenario, speed=…)`` → a started Fleet, closed after the test.

    ``clock_origin_ago`` starts the scenario clock that many real seconds in the past.
    """
    fleets: list[Fleet] = []

    async def start(scenario: Scenario, *, speed: float = 1.0, clock_origin_ago: float = 0.0,
                    **kwargs: Any) -> Fleet:
        clock = ScenarioClock(speed, origin=time.monotonic() - clock_origin_ago)
        fleet = Fleet(scenario, clock=clock, **kwargs)
        await fleet.start()
        fleets.append(fleet)
        return fleet

    yield start
    for fleet in fleets:
        await fleet.close()


class PhaseChanges:
    """What a fleet's ``on_phase`` reported, to be awaited in order."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def listener(self, service: str, phase: Phase) -> None:
        self._queue.put_nowait((service, phase.behaviour))

    async def get(self) -> tuple[str, str]:
        """The next (service, behaviour) change."""
        return await self._queue.get()


@pytest.fixture
def phase_changes() -> PhaseChanges:
    return PhaseChanges()
