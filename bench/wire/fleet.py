"""Health endpoints for bench/terminal.py, served by the drill fleet in a process of their own.

``python bench/wire/fleet.py drill`` serves the services of the ``checkout-outage`` drill, all of them
healthy (with their usual answer times); ``python bench/wire/fleet.py 200`` serves 200 services polled
every second. Each service is a real HTTP server on 127.0.0.1 (``cockpit.drill.fleet``). The first
line printed is the endpoints as JSON, for the session that polls them; the servers run until
stdin closes, and the last line printed is how many requests they answered (proof of polling).

A process apart from the bench: answering 200 requests a second must not steal the time of the
thread that timestamps what the terminal receives.
"""

from __future__ import annotations

import asyncio
import json
import sys
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cockpit.drill.fleet import Fleet, ScenarioClock  # noqa: E402
from cockpit.drill.scenario import Phase, Scenario, ScenarioInfo, ServiceSpec, find_scenario  # noqa: E402

PER_SCENARIO = 50
"""A scenario holds at most 50 services: a larger fleet is several scenarios side by side."""


def healthy_scenarios(which: str) -> list[Scenario]:
    healthy = (Phase(at=timedelta(0), behaviour="healthy"),)
    if which == "drill":
        drill = find_scenario("checkout-outage")
        services = [s.model_copy(update={"phases": healthy}) for s in drill.services]
        return [drill.model_copy(update={"services": tuple(services), "injects": ()})]
    count = int(which)
    services = [ServiceSpec(name=f"svc-{i:03d}", service=f"svc-{i:03d}", phases=healthy,
                            interval=timedelta(seconds=1)) for i in range(count)]
    info = ScenarioInfo(name="bench-fleet", title="bench", incident_title="bench")
    return [Scenario(scenario=info, services=tuple(services[i:i + PER_SCENARIO]))
            for i in range(0, count, PER_SCENARIO)]


async def serve(which: str) -> None:
    async with AsyncExitStack() as stack:
        clock = ScenarioClock()
        fleets = [await stack.enter_async_context(Fleet(s, clock=clock)) for s in healthy_scenarios(which)]
        endpoints = [e.model_dump(mode="json") for fleet in fleets for e in fleet.endpoints()]
        print(json.dumps(endpoints), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        print(sum(s.requests_in_phase for fleet in fleets for s in fleet.services.values()), flush=True)


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
