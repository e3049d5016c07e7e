"""Every seat sees the same health: the seat that polls a real server on 127.0.0.1, a seat that
only reads the file, and a replay of it show the same Health pane for the same events, latency,
sparkline and FLAPPING included."""

from __future__ import annotations

from datetime import timedelta


from cockpit.domain import events as ev
from cockpit.health.monitor import Monitor
from cockpit.session import Session
from cockpit.settings import Config, EndpointConfig
from cockpit.ui.app import CockpitApp
from cockpit.ui.replay import ReplayApp, SavedSession
from tests.waiting import until_said as until

SIZE = (160, 48)


def pane(app) -> tuple[str, list[str]]:
    health = app.screen.query_one("#health")
    return health.heading, [r.text.plain for r in health.rows.rows]


def kinds(session: Session, kind: str) -> list[ev.Event]:
    return [e for e in session.events if e.kind == kind]


async def test_a_seat_that_does_not_poll_and_a_replay_see_what_the_polling_seat_sees(
        server, make_session, config, clock):
    url, answer = server
    endpoint = EndpointConfig(name="payments-api", url=url, service="payments", interval="100ms",
                              timeout="1s", down_after=1, up_after=1, flap_changes=2)
    config = config.model_copy(update={"endpoints": (endpoint,)})
    session = make_session(config=config)

    def monitor_for(record):
        return Monitor([endpoint], record, clock=clock, summary_every=timedelta(milliseconds=200))

    polling = CockpitApp(session, config=config, clock=clock, monitor_for=monitor_for)
    async with polling.run_test(size=SIZE) as pilot:
        def summaries() -> int:
            return len(kinds(session, "health.summary"))

        await until(pilot, "two summaries of the endpoint up",
                    lambda: summaries() >= 2 and session.state.endpoints["payments-api"].state == "up")
        answer["status"] = 503
        await until(pilot, "the outage", lambda: session.state.endpoints["payments-api"].state == "down")
        answer["status"] = 200
        await until(pilot, "the recovery", lambda: session.state.endpoints["payments-api"].state == "up")
        seen = summaries()
        await until(pilot, "a summary after it", lambda: summaries() > seen + 1)
        polling.incident.monitor.stop()
        await until(pilot, "the monitor to stop", lambda: polling.incident.seat._polling.done())
        polling.incident.tick()
        await pilot.pause()
        polled = pane(polling)
    title, rows = polled
    assert "▲ UP" in rows[0] and "⇅ FLAPPING" in rows[0] and " ms" in rows[0], rows

    reader = CockpitApp(Session.open(session.path), config=Config(people=config.people), clock=clock)
    async with reader.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not reader.incident.seat.polling
        assert pane(reader) == polled


async def test_a_replay_at_the_end_shows_the_pane_a_seat_shows(make_session, config, clock):
    flappy = config.endpoints[0].model_copy(update={"flap_changes": 3})
    config = config.model_copy(update={"endpoints": (flappy, config.endpoints[1])})
    session = make_session(config=config)  # records the endpoints with their flap rule
    session.record(ev.HealthChanged(endpoint="checkout-api", from_="unknown", to="up"))
    for step, (state, p50) in enumerate([("up", 41.0), ("down", None), ("up", 1234.0)]):
        clock.advance(seconds=40)
        before = "unknown" if step == 0 else ("down" if state == "up" else "up")
        session.record(ev.HealthChanged(endpoint="payments-api", from_=before, to=state,
                                        detail="HTTP 503" if state == "down" else ""))
        clock.advance(seconds=20)
        session.record(ev.HealthSummary(endpoints={
            "payments-api": ev.EndpointWindow(p50_ms=p50, p95_ms=p50, ok_ratio=1.0 if p50 else 0.0,
                                              state=state),
            "checkout-api": ev.EndpointWindow(p50_ms=80.4 + step, p95_ms=120.0, ok_ratio=1.0, state="up")}))
    for before, after in (("up", "down"), ("down", "up")):
        clock.advance(seconds=20)
        session.record(ev.HealthChanged(endpoint="payments-api", from_=before, to=after))
    seat = CockpitApp(Session.open(session.path), config=config, clock=clock)
    async with seat.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = pane(seat)
    assert shown[1][0].startswith("▲ UP        checkout-api") and "82 ms" in shown[1][0]
    assert "1.2 s" in shown[1][1] and "⇅ FLAPPING" in shown[1][1]
    replay = ReplayApp(SavedSession.read(session.path, clock=clock, handle="dan"), config=config)
    async with replay.run_test(size=SIZE) as pilot:
        await pilot.press("end", "5")
        await pilot.pause()
        assert pane(replay)[1] == shown[1]


async def test_flapping_is_read_from_the_recorded_changes_and_ends_with_its_window(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=SIZE) as pilot:
        session = app.incident.session
        session.record(ev.HealthChanged(endpoint="payments-api", from_="unknown", to="up"))
        for step in range(5):  # four flaps are fewer than the six of the default rule
            clock.advance(seconds=30)
            session.record(ev.HealthChanged(endpoint="payments-api", from_="up" if step % 2 else "down",
                                            to="down" if step % 2 else "up"))
        app.incident.tick()
        await pilot.pause()

        def first_row() -> str:
            return next(r.text.plain for r in app.query_one("#health").rows.rows
                        if "payments-api" in r.text.plain)

        assert "FLAPPING" not in first_row()
        clock.advance(seconds=30)
        session.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down"))
        clock.advance(seconds=30)
        session.record(ev.HealthChanged(endpoint="payments-api", from_="down", to="up"))
        await until(pilot, "the sixth change to mark it", lambda: "⇅ FLAPPING" in first_row())
        clock.advance(minutes=5)
        app.incident.tick()
        await until(pilot, "the window to pass", lambda: "FLAPPING" not in first_row())
