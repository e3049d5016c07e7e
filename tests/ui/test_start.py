"""The start screen: declare in seconds, or resume, drill or replay."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select, Static
from textual.widgets._select import SelectOverlay

from cockpit.domain import events as ev
from cockpit.paths import sessions_dir
from cockpit.settings import Config, IncidentSettings
from cockpit.ui.start import (
    DeclareIncident, ReplaySession, ResumeSession, StartApp, StartDrill,
)
from tests.waiting import until


@pytest.fixture
def saved(make_session, clock):
    """Two saved sessions: one still open, one resolved."""
    sessions_dir().mkdir(parents=True)
    open_one = make_session(title="Login slow in EU [b]x[/b]",
                            path=sessions_dir() / "2026-11-27-0410-login-slow.toml")
    clock.advance(minutes=1)
    closed = make_session(title="Old outage", path=sessions_dir() / "2026-11-26-0900-old-outage.toml")
    closed.record(ev.StatusChanged(status="resolved"))
    return open_one.path, closed.path


def option_texts(app: StartApp, list_id: str) -> list[str]:
    listing = app.query_one(list_id, OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_type_a_title_and_enter_declares():
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.focused is app.query_one("#start-name", Input)
        await pilot.press(*"Checkout 500s", "enter")
    assert app.return_value == DeclareIncident("Checkout 500s", "SEV2")


async def test_severity_can_be_raised_before_declaring():
    app = StartApp(Config(incident=IncidentSettings(default_severity="SEV3")))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.query_one(Select).value == "SEV3"
        await pilot.press(*"Payments down")
        await pilot.press("tab", "enter")  # open the list
        await until(pilot, lambda: isinstance(app.focused, SelectOverlay), "the list to open")
        await pilot.press("up", "up", "enter")  # pick SEV1
        await until(pilot, lambda: not app.query_one(Select).expanded, "the list to close")
        assert app.query_one(Select).value == "SEV1"
        await pilot.click("#start-name")
        await until(pilot, lambda: app.focused is app.query_one("#start-name"), "the title field")
        await pilot.press("enter")
    assert app.return_value == DeclareIncident("Payments down", "SEV1")


async def test_empty_title_is_refused_with_a_reason():
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "enter")
        message = app.query_one("#start-message", Static)
        assert str(message.render()) == "An incident needs a title: say what is wrong, in a few words."
        assert message.has_class("error")
        assert app.is_running


async def test_resume_lists_open_sessions_only_and_returns_the_path(saved):
    open_path, _ = saved
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)) as pilot:
        resume = option_texts(app, "#start-resume")
        assert len(resume) == 1 and resume[0].endswith("Login slow in EU [b]x[/b]")  # literal
        app.query_one("#start-resume", OptionList).focus()
        await pilot.press("enter")
    assert app.return_value == ResumeSession(Path(open_path))


async def test_replay_offers_every_recent_session(saved):
    open_path, closed_path = saved
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)) as pilot:
        replay = option_texts(app, "#start-replay")
        assert len(replay) == 2 and any("Old outage" in text for text in replay)
        app.query_one("#start-replay", OptionList).focus()
        index = next(i for i, text in enumerate(replay) if "Old outage" in text)
        await pilot.press(*["down"] * index, "enter")
    assert app.return_value == ReplaySession(Path(closed_path))


async def test_drill_lists_the_bundled_scenarios():
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)) as pilot:
        scenarios = [text.split("\n")[0] for text in option_texts(app, "#start-drill")]
        assert "checkout-outage" in scenarios
        assert "checkout-outage\nCheckout outage after a payments deploy" in option_texts(app, "#start-drill")
        app.query_one("#start-drill", OptionList).focus()
        await pilot.press(*["down"] * scenarios.index("checkout-outage"), "enter")
    assert app.return_value == StartDrill("checkout-outage")


async def test_no_sessions_says_so_and_ctrl_q_quits():
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)) as pilot:
        assert option_texts(app, "#start-resume") == ["no open incidents"]
        assert option_texts(app, "#start-replay") == ["no saved sessions"]
        await pilot.press("ctrl+q")
    assert app.return_value is None


async def test_unreadable_user_scenario_is_listed_with_the_reason():
    from cockpit import paths

    folder = paths.user_config_dir() / "scenarios"
    folder.mkdir(parents=True)
    (folder / "half-written.toml").write_text("[scenario\nname = ")
    app = StartApp(Config())
    async with app.run_test(size=(80, 24)):
        [label] = [t for t in option_texts(app, "#start-drill") if t.startswith("half-written")]
        assert "(cannot read it: " in label and "not valid TOML" in label
