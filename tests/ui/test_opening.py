"""``cockpit open``: the layout is on screen before the session is read, then the incident fills it.

The opener runs right after the first frame. These tests look at what was on screen at that
moment, check that the incident then takes over (keys included), and that a session that cannot
be opened ends the app with its reason instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Static

from cockpit.cli import build_parser
from cockpit.settings import ConfigError
from cockpit.ui import themes
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident import IncidentScreen
from cockpit.ui.launch import open_app
from cockpit.ui.opening import OpeningScreen

from .test_cockpit import WIDE, kinds, type_text
from .test_live_health import until


def counting_paints(app: CockpitApp) -> list[str]:
    """The screens painted so far, by class name, in order."""
    painted: list[str] = []
    display = app._display

    def display_and_note(screen, renderable):  # noqa: ANN001, ANN202
        if renderable is not None:
            painted.append(type(screen).__name__)
        display(screen, renderable)

    app._display = display_and_note
    return painted


async def test_the_layout_is_painted_first_and_the_incident_fills_it(make_session, config, clock):
    session = make_session(config=config)
    seen: dict[str, object] = {}

    def opener() -> IncidentScreen:
        screen = app.screen  # what people look at while the session is read
        seen["painted"] = list(painted)
        seen["screen"] = type(screen)
        seen["header"] = str(screen.query_one("#header", Static).render())
        seen["titles"] = [str(pane.border_title) for pane in screen.query(".pane")]
        return IncidentScreen(session, config=config, clock=clock)

    app = CockpitApp(opener=opener, opening="incident.toml")
    painted = counting_paints(app)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert seen["screen"] is OpeningScreen and seen["painted"][:1] == ["OpeningScreen"]
        assert seen["header"] == "Opening incident.toml…"
        assert seen["titles"] == ["Impact", "Protocol", "Team", "Calm", "Health", "Timeline"]
        assert app.screen is app.incident
        assert "Checkout API returning 500s" in str(app.screen.query_one("#header").render())
        await pilot.press("n")
        await type_text(pilot, "first note after opening")
        await pilot.press("enter")
    assert [e.text for e in kinds(session, "note.added")] == ["first note after opening"]


async def test_keys_typed_while_the_session_is_read_reach_the_incident_in_order(make_session,
                                                                                 config, clock):
    session = make_session(config=config)
    typed = [("n", "n"), *((c, c) if c != " " else ("space", c) for c in "typed ahead"), ("enter", "\r")]

    def opener() -> IncidentScreen:
        for key, character in typed:  # as the terminal delivers them while the core loads
            app.post_message(events.Key(key, character))
        return IncidentScreen(session, config=config, clock=clock)

    app = CockpitApp(opener=opener, opening="incident.toml")
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, "the typed-ahead note", lambda: bool(kinds(session, "note.added")))
        assert app.screen is app.incident  # the prompt opened by "n" was closed by Enter
    assert [e.text for e in kinds(session, "note.added")] == ["typed ahead"]


async def test_open_app_reads_the_session_named_on_the_command_line(make_session, config):
    session = make_session(config=config)
    session.close()
    args = build_parser().parse_args(["open", str(session.path), "--as", "erin"])
    app = open_app(args)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.incident is not None and app.screen is app.incident
        assert app.incident.session.handle == "erin"
        assert app.screen.has_class("-narrow")  # the tabs layout, as the opening frame had
    joined = [e.handle for e in kinds(app.incident.session, "seat.joined")]
    assert joined == ["erin"]


async def test_a_session_that_cannot_be_opened_ends_the_app_with_the_reason(tmp_path: Path,
                                                                            make_session):
    session = make_session()
    session.close()
    broken = tmp_path / "broken.toml"
    broken.write_text("[ui]\ntheme = 5\n")
    app = open_app(build_parser().parse_args(["open", str(session.path), "--config", str(broken)]))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
    assert app.incident is None and app.return_code == 2
    assert isinstance(app.open_error, ConfigError) and "ui.theme" in str(app.open_error)


def test_the_opening_theme_is_the_remembered_one(tmp_path: Path):
    assert themes.remember_theme("high-contrast")
    theme = themes.opening_theme()
    assert theme is not None and theme.name == "high-contrast"


def test_an_unusable_remembered_theme_opens_in_textuals_default(tmp_path: Path):
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
