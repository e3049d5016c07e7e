"""The live monitor inside the cockpit, against a real HTTP server on 127.0.0.1.

The app polls only while it holds the session's poller lease; when the seat holding it lets go,
this one takes over. Health changes reach the Health pane and the session file.
"""

from __future__ import annotations



from cockpit.seats import PollerLease
from cockpit.session import Session
from cockpit.settings import Config, EndpointConfig
from cockpit.ui.app import CockpitApp
from cockpit.ui.panes.health import EndpointDetail
from tests.waiting import until_said as until


async def test_monitor_runs_under_the_lease_and_records_changes(server, make_session, config, clock):
    url, answer = server
    endpoint = EndpointConfig(name="payments-api", url=url, service="payments", interval="100ms",
                              timeout="1s", down_after=2, up_after=1)
    config = config.model_copy(update={"endpoints": (endpoint,)})
    session = make_session(config=config)
    other_seat = PollerLease(session.path)
    assert other_seat.try_acquire()

    app = CockpitApp(session, config=config, clock=clock, poll=True)
    async with app.run_test(size=(160, 48)) as pilot:
        health = app.query_one("#health")

        def first_row() -> str:
            return health.rows.rows[0].text.plain if health.rows.rows else ""

        await until(pilot, "the monitor to be built (in the background)",
                    lambda: app.incident.monitor is not None)
        await pilot.pause(0.3)  # three of its intervals, had it polled
        assert not app.incident.seat.polling and app.incident.monitor.probes_made == 0  # the other seat polls
        other_seat.release()
        await until(pilot, "this seat to take over and see it up", lambda: first_row().startswith("▲ UP"))
        answer["status"] = 503
        await until(pilot, "the endpoint to go down", lambda: first_row().startswith("▼ DOWN"))
        assert "1 down" in health.heading
        app.incident.tick()  # hand the monitor's live view to the pane
        await pilot.press("5", "home", "enter")
        assert isinstance(app.screen, EndpointDetail)
        detail = str(app.screen.query_one("#endpoint-detail").render())
        assert "last status     503" in detail and "down after 2 failures" in detail
    changes = [(e.from_, e.to) for e in Session.open(session.path).events if e.kind == "health.changed"]
    assert changes[:2] == [("unknown", "up"), ("up", "down")]


async def test_reopened_without_its_config_it_still_polls_what_it_watched(server, make_session,
                                                                          config, clock):
    """An incident opened later, on a machine without the original config, polls the endpoints
    the session recorded, with their own conditions, and never shows old states as live."""
    url, answer = server
    endpoint = EndpointConfig(name="payments-api", url=url, interval="100ms", timeout="1s",
                              conditions=["[STATUS] == 200", "[BODY].status == ok"], down_after=1)
    session = make_session(config=config.model_copy(update={"endpoints": (endpoint,)}))
    session.close()
    answer["status"] = 503
    reopened = Session.open(session.path)
    bare = Config(people=config.people)  # this machine's config knows no endpoints
    app = CockpitApp(reopened, config=bare, clock=clock, poll=True)
    async with app.run_test(size=(160, 48)) as pilot:
        health = app.query_one("#health")
        await until(pilot, "the recorded endpoint to be polled and seen down",
                    lambda: bool(health.rows.rows) and health.rows.rows[0].text.plain.startswith("▼ DOWN"))
    detail = [e.detail for e in Session.open(session.path).events if e.kind == "health.changed"]
    assert detail and "503" in detail[0]


def test_health_from_the_file_says_when_it_went_stale(make_session, clock):
    from datetime import timedelta

    from cockpit.domain import events as ev
    from cockpit.ui.panes.health import stale_note

    session = make_session()
    session.record(ev.HealthChanged(endpoint="payments-api", **{"from": "unknown"}, to="up"))
    endpoints = list(session.state.endpoints.values())
    assert stale_note(endpoints, clock.now() + timedelta(seconds=60)) == ""
    note = stale_note(endpoints, clock.now() + timedelta(minutes=7))
    assert "STALE" in note and "7m ago" in note and "no seat is polling" in note
