"""The scenario runner: a drill session with the fleet's endpoints, injects on time, health for real."""

from __future__ import annotations

import asyncio
import socket

import pytest

from cockpit.domain import events as ev
from cockpit.drill.runner import DrillError, DrillRunner
from cockpit.session import Session
from cockpit.settings import Config, load_protocol
from tests.drill.conftest import scenario_of

STORY = scenario_of(
    {"name": "payments-api", "service": "payments", "interval": "200ms", "timeout": "500ms",
     "phases": [{"at": "0s", "behaviour": "healthy"},
                {"at": "5s", "behaviour": "erroring", "status": 503}]},
    {"name": "search", "interval": "200ms", "phases": [{"at": "0s", "behaviour": "healthy"}]},
    injects=({"at": "2s", "text": "A customer tweets that checkout is broken"},
             {"at": "4s", "text": "bob joins the bridge", "join": "bob"},
             {"at": "6s", "text": "bob goes off shift", "member": "bob", "status": "off"}),
    ends_at="8s", severity="SEV1", protocol="server-failure", incident_title="Payments down")


def start(runner: DrillRunner, tmp_path) -> Session:
    config = Config()
    return runner.start(config=config, protocol=load_protocol(runner.scenario.scenario.protocol, config),
                        path=tmp_path / "drill.toml", handle="alice")


def test_runner_declares_a_drill_session_with_the_fleet_endpoints(tmp_path):
    with DrillRunner(STORY, speed=20) as runner:
        session = start(runner, tmp_path)
        assert session.drill and session.header["scenario"] == "test"
        configured, declared = session.events[0], session.events[1]
        assert isinstance(configured, ev.SessionConfigured) and configured.protocol == "server-failure"
        assert [e.url for e in configured.endpoints] == [e.url for e in runner.endpoints]
        assert all(e.url.startswith("http://127.0.0.1:") for e in configured.endpoints)
        assert isinstance(declared, ev.IncidentDeclared)
        assert (declared.title, declared.severity) == ("Payments down", "SEV1")
        session.close()


def test_runner_records_injects_and_roster_changes_at_scenario_time(tmp_path):
    with DrillRunner(STORY, speed=10) as runner:
        start(runner, tmp_path).close()
        assert runner.ended.wait(5), "the story ends at 8 s scenario time, 0.8 s real"
    recorded = Session.open(tmp_path / "drill.toml").events
    drill = [e for e in recorded if e.by == "drill"]
    assert [type(e) for e in drill] == [ev.DrillInject, ev.DrillInject, ev.MemberJoined,
                                        ev.DrillInject, ev.MemberStatusChanged]
    assert drill[0].text == "A customer tweets that checkout is broken"
    assert (drill[2].handle, drill[2].status) == ("bob", "engaged")
    assert (drill[4].handle, drill[4].status) == ("bob", "off")
    tweet, joined, off = (runner.scenario_time(e.at) for e in (drill[0], drill[1], drill[3]))
    assert 1.9 <= tweet < 4 and 3.9 <= joined < 6 and 5.9 <= off < 8
    assert Session.open(tmp_path / "drill.toml").state.members["bob"].status == "off"


async def test_monitor_on_the_fleet_records_the_outage(tmp_path):
    with DrillRunner(STORY, speed=10) as runner:
        session = start(runner, tmp_path)
        went_down = asyncio.Event()

        def record(event: ev.Event) -> None:
            session.record(event)
            if isinstance(event, ev.HealthChanged) and event.to == "down":
                went_down.set()

        monitor = runner.monitor(record)
        polling = asyncio.create_task(monitor.run())
        await asyncio.wait_for(went_down.wait(), 5)
        monitor.stop()
        await asyncio.wait_for(polling, 3)
        changes = [e for e in session.events if isinstance(e, ev.HealthChanged)]
        payments = [c for c in changes if c.endpoint == "payments-api"]
        assert payments[0].to == "up" and payments[-1].to == "down"
        assert "503" in payments[-1].detail
        assert ("search", "unknown", "up") in {(c.endpoint, c.from_, c.to) for c in changes}
        session.close()


def test_stopping_closes_every_port_and_the_stage_thread(tmp_path):
    with DrillRunner(STORY, speed=10) as runner:
        start(runner, tmp_path).close()
        ports = [int(e.url.split(":")[2].split("/")[0]) for e in runner.endpoints]
        stage = runner._thread
    assert stage is not None and not stage.is_alive()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1)


def test_a_port_in_use_is_a_clear_drill_error(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    scenario = scenario_of({"name": "svc", "port": 0, "phases": [{"at": "0s", "behaviour": "healthy"}]},
                           base_port=busy.getsockname()[1])
    try:
        with DrillRunner(scenario) as runner, \
                pytest.raises(DrillError, match="cannot serve the simulated fleet"):
            start(runner, tmp_path)
    finally:
        busy.close()
    assert not (tmp_path / "drill.toml").exists()
