"""``cockpit open``: the layout is on screen before the session is read, then the incident fills it.

The opener runs right after the first frame. These tests look at what was on screen at that
moment, check that the incident then takes the same places, that keys pressed meanwhile never
act as commands (an entry they began opens with its text), and that a session that cannot be
opened ends the app with its reason instead of a traceback.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Static

from cockpit.cli import build_parser
from cockpit.settings import ConfigError
from cockpit.ui import themes
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident import IncidentScreen, begun_entry
from cockpit.ui.launch import open_app
from cockpit.ui.opening import GRID, OpeningScreen
from cockpit.ui.panes.rows import PaneFrame
from cockpit.ui.entry_bar import EntryBar

from tests.waiting import opened

from .test_cockpit import WIDE, kinds

PANE_TITLES = {"impact": "Impact", "protocol": "Protocol", "team": "Team", "calm": "Calm",
               "health": "Health", "timeline": "Timeline"}


def keys_of(text: str) -> list[tuple[str, str]]:
    return [("space", c) if c == " " else (c, c) for c in text]


@pytest.mark.parametrize("size", [WIDE, (80, 24)], ids=["160x48", "80x24"])
async def test_the_layout_is_painted_first_and_the_incident_fills_the_same_places(
        make_session, config, clock, size):
    session = make_session(config=config)
    seen: dict[str, object] = {}

    def opener(app: CockpitApp) -> IncidentScreen:
        screen = app.screen  # what people look at while the session is read
        seen["screen"] = type(screen)
        seen["theme"] = app.theme
        seen["header"] = str(screen.query_one("#header", Static).render())
        seen["panes"] = {pane.id: (str(pane.border_title), pane.region) for pane in screen.query(PaneFrame)}
        return IncidentScreen(session, config=config, clock=clock)

    app = CockpitApp(opener=opener, opening="incident.toml")
    async with app.run_test(size=size) as pilot:
        await opened(pilot)
        assert seen["screen"] is OpeningScreen and seen["theme"] == "calm"
        assert seen["header"] == "Opening incident.toml…"
        assert app.screen is app.incident
        for name in GRID:  # the same title in the same place: nothing jumps when it fills
            title, region = seen["panes"][name]
            pane = app.screen.query_one(f"#{name}")
            assert title == PANE_TITLES[name] and str(pane.border_title).startswith(title)
            assert pane.region == region, name
        assert "Checkout API returning 500s" in app.screen.query_one("#header").text


async def test_an_entry_typed_while_opening_opens_filled_in_and_nothing_else_acts(
        make_session, config, clock):
    session = make_session(config=config)
    typed = [("n", "n"), *keys_of("rollback stax"), ("backspace", None), *keys_of("rted"),
             ("enter", "\r"), ("s", "s"), ("ctrl+p", None)]

    def opener(app: CockpitApp) -> IncidentScreen:
        for key, character in typed:  # as the terminal delivers them while the core loads
            app.post_message(events.Key(key, character))
        return IncidentScreen(session, config=config, clock=clock)

    app = CockpitApp(opener=opener, opening="incident.toml")
    async with app.run_test(size=WIDE) as pilot:
        await opened(pilot)
        bar = app.incident.query_one(EntryBar)
        assert app.screen is app.incident and bar.is_open  # not the severity picker, not the palette
        assert bar.query_one(Input).value == "rollback started"
        assert kinds(session, "note.added") == []  # the person checks it first
        assert any("were not used" in n.message for n in app._notifications)
        await pilot.press(*(key for key, _ in keys_of(" on payments")))  # goes on, nothing replaced
        assert bar.query_one(Input).value == "rollback started on payments"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.incident and not bar.is_open
        await pilot.press("ctrl+p")  # the palette works once the incident is on screen
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"
    assert [e.text for e in kinds(session, "note.added")] == ["rollback started on payments"]
    assert [e.kind for e in session.events if e.kind == "severity.changed"] == []


def test_only_an_entry_key_first_begins_an_entry():
    assert begun_entry([("d", "d"), *keys_of("roll back"), ("enter", "\r"), ("2", "2")]) == (
        "decision", "roll back", 11)
    assert begun_entry([("2", "2"), ("n", "n"), ("x", "x")]) is None  # no guessing
    assert begun_entry(keys_of("hello")) == ("hypothesis", "ello", 5)  # h is an entry key
    assert begun_entry([]) is None


async def test_open_app_reads_the_session_named_on_the_command_line(make_session, config):
    session = make_session(config=config)
    session.close()
    args = build_parser().parse_args(["open", str(session.path), "--as", "erin"])
    app = open_app(args)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        assert app.incident is not None and app.screen is app.incident
        assert app.incident.session.handle == "erin"
        assert app.screen.has_class("-narrow")  # the tabs layout, as the opening frame had
    joined = [e.handle for e in kinds(app.incident.session, "seat.joined")]
    assert joined == ["erin"]


async def test_a_session_that_cannot_be_opened_ends_the_app_with_the_reason(tmp_path, make_session):
    session = make_session()
    session.close()
    broken = tmp_path / "broken.toml"
    broken.write_text("[ui]\ntheme = 5\n")
    app = open_app(build_parser().parse_args(["open", str(session.path), "--config", str(broken)]))
    async with app.run_test(size=WIDE) as pilot:
        await opened(pilot)
    assert app.incident is None and app.return_code == 2
    assert isinstance(app.open_error, ConfigError) and "ui.theme" in str(app.open_error)


async def test_the_first_frame_is_in_the_remembered_theme(make_session, config, clock):
    session = make_session(config=config)
    assert themes.remember_theme("high-contrast")
    seen = {}

    def opener(app: CockpitApp) -> IncidentScreen:
        seen["theme"] = app.theme
        return IncidentScreen(session, config=config, clock=clock)

    app = CockpitApp(opener=opener)
    async with app.run_test(size=WIDE) as pilot:
        await opened(pilot)
        assert app.theme == "high-contrast"
    assert seen["theme"] == "high-contrast"
    assert themes.remembered_theme() == "high-contrast"  # opening did not overwrite the choice


def test_an_unusable_remembered_theme_opens_in_textuals_default():
    """The full load reports the flaw a moment later; the first frame must not crash on it."""
    from cockpit import paths

    folder = paths.user_config_dir() / "themes"
    folder.mkdir(parents=True)
    (folder / "midnight.toml").write_text('name = "midnight"\nprimary = "not a colour"\n')
    assert themes.remember_theme("midnight")
    assert themes.opening_theme() is None
    (folder / "midnight.toml").write_text('name = "midnight"\nprimary = "#777777"\n'
                                          'background = "#787878"\n')  # text would not read
    assert themes.opening_theme() is None


def test_the_opening_theme_is_found_by_its_name_like_the_full_load_finds_it():
    from cockpit import paths

    folder = paths.user_config_dir() / "themes"
    folder.mkdir(parents=True)
    calm = (paths.bundled_themes_dir() / "calm.toml").read_text()
    (folder / "night-shift.toml").write_text(calm.replace('name = "calm"', 'name = "midnight"'))
    assert themes.remember_theme("midnight")
    theme = themes.opening_theme()
    assert theme is not None and theme.name == "midnight"
    assert "midnight" in [t.name for t in themes.load_themes([folder]).themes]


async def test_keys_pressed_while_the_incident_mounts_are_held_too(make_session, config, clock):
    session = make_session(config=config)

    class Mounting(IncidentScreen):
        def on_mount(self) -> None:  # a key arriving while the incident is being put up
            self.app.post_message(events.Key("s", "s"))

    app = CockpitApp(opener=lambda app: Mounting(session, config=config, clock=clock))
    async with app.run_test(size=WIDE) as pilot:
        await opened(pilot)
        assert app.screen is app.incident  # "s" did not open the severity picker
        assert any("were not used" in n.message for n in app._notifications)


async def test_once_the_incident_is_up_what_lives_on_is_left_out_of_the_collectors_passes(cockpit):
    """The fold, the widgets and the libraries live as long as the screen: once they are built,
    the garbage collector's full passes no longer walk them (one took 60 to 150 ms in the
    middle of a key's answer)."""
    import gc

    from tests.waiting import until

    gc.unfreeze()
    before = len(gc.get_objects())  # what the test process held before the app
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: gc.get_freeze_count() > before, "the screen's objects set aside")
