"""Attention: what the lead must not miss rings once, shows in the header at every width, breaks
through calm mode, and goes once seen; the size-up hears what the monitoring says."""

from __future__ import annotations


from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.ui.app import CockpitApp
from cockpit.ui.calm_mode import CalmScreen
from tests.waiting import until_said as until

LONG_TITLE = ("Checkout API returning 500s for EU customers after the 04:05 deploy of the payments "
              "client and the replica failover")


def count_bells(app: CockpitApp) -> list[int]:
    rung: list[int] = []
    app.bell = lambda: rung.append(1)  # type: ignore[method-assign]
    return rung


def header(app: CockpitApp) -> str:
    return app.incident.query_one("#header").text


def payments_down(**kwargs) -> ev.HealthChanged:
    return ev.HealthChanged(endpoint="payments-api", from_="up", to="down",
                            detail="timeout after 2.0s", **kwargs)


def critical_alert(**kwargs) -> ev.AlertFiring:
    return ev.AlertFiring(fingerprint="f1", alertname="PaymentsErrorRate", severity="critical",
                          summary="error rate 12% on /charge", **kwargs)


async def test_a_new_down_and_a_new_alert_ring_once_and_show_in_the_header(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=(160, 48)) as pilot:
        rung = count_bells(app)
        session = app.incident.session
        assert "▼" not in header(app)
        session.record(payments_down())  # as another seat would: the file, then the fold
        session.record(critical_alert())
        await until(pilot, "the header to say it", lambda: "▼ 1 down · 1 firing" in header(app))
        assert rung == [1]  # one look saw both: one bell
        messages = [n.message for n in app._notifications]
        assert any("payments-api DOWN: timeout after 2.0s" in m for m in messages)
        assert any("PaymentsErrorRate firing (critical): error rate 12% on /charge" in m for m in messages)
        for _ in range(3):
            app.incident.tick()  # still down, still firing: nothing new
        await pilot.pause()
        assert rung == [1]
        text = header(app)
        assert "\n" not in text  # one line at 160 columns
        for fact in ("SEV2 major", "! ▼ 1 down · 1 firing", "INVESTIGATING", "T+00:00:00", "IC "):
            assert fact in text, (fact, text)
        clock.advance(seconds=20)
        session.record(ev.HealthChanged(endpoint="payments-api", from_="down", to="up"))
        clock.advance(seconds=20)
        session.record(payments_down())  # down again: a new DOWN
        await until(pilot, "the second outage to ring", lambda: len(rung) == 2)


async def test_the_header_keeps_every_fact_and_cuts_only_the_title(make_session, config, clock):
    session = make_session(config=config, title=LONG_TITLE)
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    session.record(payments_down())
    session.record(critical_alert())
    clock.advance(minutes=3, seconds=7)
    for size in ((80, 24), (120, 36), (160, 48), (240, 60)):
        app = CockpitApp(Session.open(session.path), config=config, clock=clock)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            text = header(app)
            lines = text.split("\n")
            assert len(lines) == (2 if size[0] < 160 else 1), (size, text)
            for fact in ("SEV2 major", "▼ 1 down · 1 firing", "INVESTIGATING", "T+00:03:07", "IC alice"):
                assert fact in text, (size, fact, text)
            if size[0] <= 160:
                assert "…" in lines[0] and LONG_TITLE not in text  # the title is what gets cut
            else:
                assert LONG_TITLE in text
            assert max(len(line) for line in lines) <= size[0] - 2, (size, text)


async def test_opening_mid_outage_shows_it_without_ringing_and_the_notice_goes_once_seen(
        make_session, config, clock):
    session = make_session(config=config)
    session.record(payments_down())
    app = CockpitApp(Session.open(session.path), config=config, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        rung = count_bells(app)
        await pilot.pause()
        assert "! ▼ 1 down" in header(app)  # not seen yet: marked
        assert rung == [] and not any("DOWN" in n.message for n in app._notifications)
        await pilot.press("2")  # another pane: still not seen
        assert "! ▼ 1 down" in header(app)
        await pilot.press("5")  # the Health pane: seen
        await pilot.pause()
        assert "▼ 1 down" in header(app) and "!" not in header(app)
        assert rung == []


async def test_a_new_outage_breaks_through_calm_mode_and_leaving_it_is_seeing_it(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=(80, 24)) as pilot:
        rung = count_bells(app)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CalmScreen)

        def alert_line() -> str:
            return str(screen.query_one("#calm-alert").render())

        assert alert_line() == ""
        app.incident.session.record(payments_down())
        await until(pilot, "the outage to break through",
                    lambda: alert_line().startswith("▼ payments-api DOWN: timeout after 2.0s"))
        assert rung == [1]
        await pilot.press("escape")
        await pilot.pause()
        assert "▼ 1 down" in header(app) and "!" not in header(app)
        await pilot.press("c")
        await pilot.pause()
        assert str(app.screen.query_one("#calm-alert").render()) == ""  # seen: calm is calm again


async def test_late_steps_and_expired_asks_ring_too_and_the_bell_can_be_off(cockpit, config, clock):
    app = cockpit()
    async with app.run_test(size=(160, 48)) as pilot:
        rung = count_bells(app)
        app.incident.session.record(ev.AskStarted(handle="bob", task="check replica lag", minutes=2))
        clock.advance(minutes=4)  # the commander step is late and the ask is up
        app.incident.tick()
        await pilot.pause()
        assert rung == [1]
        assert "! 1 late · 1 ask due" in header(app)  # "!": not seen yet
        app.incident.tick()
        assert rung == [1]

    quiet = config.model_copy(update={"ui": config.ui.model_copy(update={"bell": False})})
    app = CockpitApp(app.incident.session, config=quiet, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        rung = count_bells(app)
        app.incident.session.record(payments_down())
        await until(pilot, "the toast", lambda: any("DOWN" in n.message for n in app._notifications))
        assert rung == []


async def test_health_shows_what_fires_and_the_severity_hears_it(cockpit, clock):
    app = cockpit()
    async with app.run_test(size=(160, 48)) as pilot:
        session = app.incident.session
        session.record(ev.AlertFiring(fingerprint="w1", alertname="DiskFilling", severity="warning",
                                      summary="/var at 91%"))
        session.record(critical_alert())
        session.record(payments_down())
        session.record(ev.ImpactAssessed(field="customer_facing", value="yes"))
        clock.advance(minutes=12)
        app.incident.tick()
        await pilot.pause()
        health = app.query_one("#health")
        assert health.heading.startswith("Health · 2 endpoints · 1 down · 1 unknown · 2 firing (1 critical)")
        rows = [r.text.plain for r in health.rows.rows]
        assert rows[0].startswith("‼ CRITICAL  PaymentsErrorRate")  # critical first
        assert "error rate 12% on /charge" in rows[0] and rows[0].rstrip().endswith("for 12m")
        assert rows[1].startswith("! WARNING   DiskFilling") and "/var at 91%" in rows[1]
        assert rows[2].startswith("▼ DOWN      payments-api")
        impact = [r.text.plain for r in app.query_one("#impact").rows.rows]
        assert any(line.startswith("suggested") and "SEV2 major" in line for line in impact)
        assert any("payments DOWN, customer facing" in line for line in impact)
        assert any("critical alert PaymentsErrorRate firing" in line for line in impact)
