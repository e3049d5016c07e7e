"""Calm mode: a quiet screen with the pacer, the clock, the next step and the three questions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.app import App
from textual.widgets import Static

from cockpit.domain import events as ev
from cockpit.session import Session
from cockpit.settings import Config
from cockpit.ui.app import CockpitApp
from cockpit.ui.attention import Attention
from cockpit.ui.calm_mode import QUESTIONS, CalmScreen, most_urgent_step
from cockpit.ui.pacer import STILL, BreathingPacer, pacer_text
from cockpit.ui.themes import register_themes


def line(screen: CalmScreen, widget_id: str) -> str:
    return str(screen.query_one(widget_id, Static).render())


def calm(app: App) -> CalmScreen:
    assert isinstance(app.screen, CalmScreen), f"calm mode is not open: {app.screen!r}"
    return app.screen


async def test_c_opens_calm_mode_and_escape_returns(make_session, clock):
    session = make_session()
    clock.advance(minutes=7, seconds=5)
    app = CockpitApp(session, config=Config())
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        await pilot.press("c")
        screen = calm(app)
        assert line(screen, "#calm-clock") == "T+00:07:05  ·  next update LATE 2m"
        step = line(screen, "#calm-step")
        assert step == ("Next step  ! LATE 4m  Name one incident commander and say it out loud"
                        " on the bridge (Incident Commander, unassigned)")
        shown = [str(w.render()) for w in screen.query(".calm-question")]
        assert shown == list(QUESTIONS)
        assert str(screen.query_one(BreathingPacer).render()) == pacer_text(0)
        await pilot.press("escape")
        assert app.screen is main


async def test_calm_mode_follows_the_clock_and_the_state(make_session, clock):
    session = make_session()
    app = CockpitApp(session, config=Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        screen = calm(app)
        pacer = screen.query_one(BreathingPacer)
        assert str(pacer.render()) == pacer_text(0)
        session.record(ev.UpdatePosted(text="first", audience="external",
                                       next_update_at=clock.now() + timedelta(minutes=3)))
        clock.advance(seconds=30)
        await pilot.pause(1.1)  # the screen redraws on its own one-second tick
        assert line(screen, "#calm-clock") == "T+00:00:30  ·  next update in 3m"
        assert "Post the first external status update" not in line(screen, "#calm-step")
        assert str(pacer.render()) != pacer_text(0)


async def test_low_bandwidth_pacer_is_still(make_session):
    app = CockpitApp(make_session(), config=Config(), low_bandwidth=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        pacer = calm(app).query_one(BreathingPacer)
        assert str(pacer.render()) == STILL
        assert not pacer.animated


def test_pacer_counts_four_seconds_per_phase():
    lines = [pacer_text(tick) for tick in range(16)]
    assert lines[0] == "breathe in  ▰▱▱▱"
    assert lines[3] == "breathe in  ▰▰▰▰"
    assert lines[4] == "hold        ▰▱▱▱"
    assert lines[8] == "breathe out ▰▱▱▱"
    assert lines[12] == "hold        ▰▱▱▱"
    assert pacer_text(16) == lines[0]
    assert len({len(text) for text in lines}) == 1  # same width: updates never relayout


def test_most_urgent_step_is_the_latest_then_the_soonest(make_session, clock):
    session = make_session()
    views = session.state.step_views(clock.now() + timedelta(minutes=1))
    assert most_urgent_step(views).step.id == "assign-commander"  # due at 3m, nothing late yet
    views = session.state.step_views(clock.now() + timedelta(minutes=12))
    assert most_urgent_step(views).step.id == "assign-commander"  # late by 9m: the latest
    session.record(ev.StepDone(step="assign-commander"))
    views = session.state.step_views(clock.now() + timedelta(minutes=12))
    assert most_urgent_step(views).step.id in ("open-bridge", "first-external-update")


async def test_resolved_incident_stops_the_clock(make_session, clock):
    session = make_session()
    clock.advance(minutes=5)
    session.record(ev.StatusChanged(status="resolved"))
    clock.advance(minutes=30)
    app = CockpitApp(session, config=Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        assert line(calm(app), "#calm-clock") == "T+00:05:00  ·  resolved"


# -- how it looks ---------------------------------------------------------------------------


class Host(App[None]):
    """Calm mode on its own, without the cockpit's reminders drawn over it."""

    def __init__(self, session: Session, theme: str, attention: Attention | None = None) -> None:
        super().__init__()
        self.session = session
        self.chosen_theme = theme
        self.attention = attention

    async def on_mount(self) -> None:
        register_themes(self)
        self.theme = self.chosen_theme
        await self.push_screen(CalmScreen(self.session, self.attention))
        self.screen.query_one(BreathingPacer).hold()  # a tick mid-screenshot would change it


@pytest.mark.parametrize(("theme", "size"), [
    ("calm", (80, 24)), ("high-contrast", (80, 24)), ("calm", (160, 48)),
], ids=["calm-80x24", "high-contrast-80x24", "calm-160x48"])
def test_calm_mode_snapshot(snap_compare, make_session, clock, theme, size):
    session = make_session()
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    clock.advance(minutes=42, seconds=13)
    assert snap_compare(Host(session, theme), terminal_size=size)


def test_calm_mode_breakthrough_snapshot(snap_compare, make_session, clock):
    """A new outage breaks through as one line over the calm screen, in words and colour."""
    session = make_session()
    session.record(ev.RoleAssigned(role="commander", handle="alice"))
    attention = Attention()
    attention.observe(session.state, clock.now())
    clock.advance(minutes=42, seconds=13)
    session.record(ev.HealthChanged(endpoint="payments-api", from_="up", to="down",
                                    detail="timeout after 2.0s"))
    session.record(ev.AlertFiring(fingerprint="f1", alertname="PaymentsErrorRate", severity="critical"))
    attention.observe(session.state, clock.now())
    assert snap_compare(Host(session, "calm", attention), terminal_size=(80, 24))
