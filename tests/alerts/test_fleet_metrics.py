"""The drill fleet's ``/metrics``: what a Prometheus scraping it would read, phase by phase."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cockpit.drill.fleet import Fleet, ScenarioClock
from cockpit.drill.scenario import Scenario


def fleet_of(*services: dict[str, Any]) -> Fleet:
    scenario = Scenario.model_validate({
        "scenario": {"name": "test", "title": "Test", "incident_title": "Test incident"},
        "services": [{"baseline_ms": 0, "jitter_ms": 0, **s} for s in services]})
    return Fleet(scenario, clock=ScenarioClock(1.0, origin=time.monotonic()))


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_each_service_reports_its_requests_and_whether_it_fails():
    fleet = fleet_of({"name": "ok", "phases": [{"at": "0s", "behaviour": "healthy"}]},
                     {"name": "broken", "phases": [{"at": "0s", "behaviour": "erroring", "status": 503}]},
                     {"name": "half", "phases": [{"at": "0s", "behaviour": "partial", "fail_ratio": 0.5}]})
    async with fleet, httpx.AsyncClient() as client:
        urls = {name: service.url for name, service in fleet.services.items()}
        for _ in range(4):
            for url in urls.values():
                await client.get(url)
        read = {}
        for name, url in urls.items():
            answer = await client.get(url.replace("/healthz", "/metrics"))
            assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
            read[name] = samples(answer.text)

    assert read["ok"][("drill_requests_total", (("code", "200"), ("service", "ok")))] == 4
    assert read["ok"][("drill_service_up", (("service", "ok"),))] == 1
    assert read["ok"][("drill_service_error_ratio", (("service", "ok"),))] == 0
    assert read["broken"][("drill_requests_total", (("code", "503"), ("service", "broken")))] == 4
    assert read["broken"][("drill_service_up", (("service", "broken"),))] == 0
    assert read["broken"][("drill_service_error_ratio", (("service", "broken"),))] == 1
    assert read["half"][("drill_requests_total", (("code", "200"), ("service", "half")))] == 2
    assert read["half"][("drill_requests_total", (("code", "503"), ("service", "half")))] == 2
    assert read["half"][("drill_service_error_ratio", (("service", "half"),))] == 0.5
    assert not any(name == "drill_requests_total" and dict(labels)["service"] != "ok"
                   for name, labels in read["ok"])  # one service's scrape is about itself only


async def test_the_gauges_follow_the_script_and_a_down_service_fails_its_scrape():
    fleet = fleet_of({"name": "svc", "phases": [{"at": "0s", "behaviour": "healthy"},
                                                 {"at": "2s", "behaviour": "hanging"},
                                                 {"at": "7s", "behaviour": "down"}]})
    # phases long enough that a loaded machine still sees each one (nothing here waits them out)
    async with fleet, httpx.AsyncClient(timeout=5) as client:
        metrics = fleet.services["svc"].url.replace("/healthz", "/metrics")

        async def up() -> float | None:
            try:
                answer = await client.get(metrics)
            except httpx.ConnectError:
                return None
            return samples(answer.text)[("drill_service_up", (("service", "svc"),))]

        assert await up() == 1

        async def changed_to(value: float | None) -> None:
            while await up() != value:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(changed_to(0), 30)  # hanging: health requests wait, metrics answer
        await asyncio.wait_for(changed_to(None), 30)  # down: the scrape itself is refused
