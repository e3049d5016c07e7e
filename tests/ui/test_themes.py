"""Themes: bundled and user TOML files, validated, readable, remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from cockpit import paths
from cockpit.settings import Config
from cockpit.ui.app import CockpitApp
from cockpit.ui.themes import (
    contrast_ratio, contrast_problems, load_themes, preferred_theme, read_theme, remember_theme,
    remembered_theme,
)

BUNDLED = ("calm", "high-contrast", "colour-blind-safe")


def user_themes() -> Path:
    folder = paths.user_config_dir() / "themes"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_bundled_themes_load_without_problems():
    loaded = load_themes([paths.bundled_themes_dir()])
    assert loaded.problems == []
    assert sorted(theme.name for theme in loaded.themes) == sorted(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_state_colours_read_well_on_every_background(name):
    """▲ up, ◆ degraded, ▼ down and plain text: at least 4.5:1 (WCAG AA) in bundled themes."""
    theme = read_theme(paths.bundled_themes_dir() / f"{name}.toml")
    assert contrast_problems(theme, minimum=4.5) == []


def test_high_contrast_theme_is_high_contrast():
    """WCAG AAA (7:1) on its backgrounds; a pane's tinted cursor row still has AA (4.5:1)."""
    theme = read_theme(paths.bundled_themes_dir() / "high-contrast.toml")
    assert [p for p in contrast_problems(theme, minimum=7.0) if "cursor row" not in p] == []


def test_colour_blind_safe_theme_never_pairs_green_with_red():
    theme = read_theme(paths.bundled_themes_dir() / "colour-blind-safe.toml")
    up, down = Color.parse(theme.success), Color.parse(theme.error)
    assert up.b > up.g and up.b > up.r  # up is blue
    assert down.r > down.g > down.b  # down is orange-red


def test_contrast_ratio_matches_wcag():
    assert contrast_ratio(Color.parse("#000000"), Color.parse("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(Color.parse("#777777"), Color.parse("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("text", "message"), [
    ('name = "broken"\nprimary = ', "not valid TOML"),
    ('name = "broken"\nprimary = "#12345"', "primary = '#12345' is not a colour"),
    ('name = "broken"\nprimary = "#336699"\nbackground = "#000000"\nerror = "#300000"',
     "error #2F0000 on background #000000 has contrast 1.1:1 (needs 3:1)"),
    ('name = "broken"\nprimary = "#336699"\n[variables]\nfooter-key-foreground = "nonsense"',
     "variables.footer-key-foreground = 'nonsense' is not a colour"),
    ('name = "broken"\nprimary = "#336699"\n[variables]\nblock-cursor-text-style = "shiny"',
     "variables.block-cursor-text-style = 'shiny' is not a text style"),
    ('name = "broken"\nprimary = "#336699"\n[variables]\nmy-accent = "red !!"',
     "variables.my-accent = 'red !!' is not a CSS value"),
])
def test_broken_user_theme_is_skipped_with_a_clear_message(text, message):
    (user_themes() / "broken.toml").write_text(text)
    loaded = load_themes([user_themes(), paths.bundled_themes_dir()])
    assert [theme.name for theme in loaded.themes if theme.name == "broken"] == []
    [problem] = loaded.problems
    assert problem.startswith(str(user_themes() / "broken.toml"))
    assert message in problem


READABLE = 'background = "#101010"\nsuccess = "#88cc88"\nwarning = "#dddd66"\nerror = "#ff9999"\n'


def test_user_theme_overrides_a_bundled_one_and_a_broken_override_falls_back():
    (user_themes() / "calm.toml").write_text(f'name = "calm"\nprimary = "#aa7744"\n{READABLE}')
    loaded = load_themes([user_themes(), paths.bundled_themes_dir()])
    assert next(t for t in loaded.themes if t.name == "calm").primary == "#aa7744"
    (user_themes() / "calm.toml").write_text('name = "calm"\nprimary = "not a colour"')
    loaded = load_themes([user_themes(), paths.bundled_themes_dir()])
    assert next(t for t in loaded.themes if t.name == "calm").primary == "#7d9bc1"
    assert len(loaded.problems) == 1


async def test_broken_theme_is_reported_in_the_app_which_still_starts(make_session):
    (user_themes() / "neon.toml").write_text('name = "neon"\nprimary = "#ff00ff"\nwarning = "bright"')
    (user_themes() / "dusk.toml").write_text(f'name = "dusk"\nprimary = "#8899aa"\n{READABLE}')
    app = CockpitApp(make_session(), config=Config())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "dusk" in app.available_themes and "neon" not in app.available_themes
        notes = [n for n in app._notifications if n.title == "Theme skipped"]
        assert len(notes) == 1 and "neon.toml" in notes[0].message
        assert "warning = 'bright' is not a colour" in notes[0].message and not notes[0].markup
        assert app.theme == "calm"


def test_remembered_theme_round_trips_and_keeps_other_choices():
    assert remembered_theme() is None
    ui = paths.user_config_dir() / "ui.toml"
    ui.parent.mkdir(parents=True, exist_ok=True)
    ui.write_text('density = "compact"\n')
    assert remember_theme("high-contrast") is True
    assert remembered_theme() == "high-contrast"
    assert 'density = "compact"' in ui.read_text()


def test_unwritable_config_folder_loses_only_the_preference():
    paths.user_config_dir().parent.mkdir(parents=True, exist_ok=True)
    paths.user_config_dir().write_text("a file where the folder should be")
    assert remember_theme("high-contrast") is False
    assert remembered_theme() is None


def test_unreadable_ui_file_counts_as_no_choice():
    ui = paths.user_config_dir() / "ui.toml"
    ui.parent.mkdir(parents=True, exist_ok=True)
    ui.write_text("theme = ")
    assert remembered_theme() is None
    remember_theme("calm")  # and can be written over
    assert remembered_theme() == "calm"


def test_preferred_theme_order():
    names = list(BUNDLED)
    assert preferred_theme(names) == "calm"
    assert preferred_theme(names, Config.model_validate({"ui": {"theme": "high-contrast"}})) == "high-contrast"
    remember_theme("colour-blind-safe")
    assert preferred_theme(names, Config.model_validate({"ui": {"theme": "high-contrast"}})) == "colour-blind-safe"
    remember_theme("gone")
    assert preferred_theme(names) == "calm"


async def test_cockpit_starts_in_the_remembered_theme_and_remembers_a_change(make_session):
    remember_theme("high-contrast")
    app = CockpitApp(make_session(), config=Config())
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "high-contrast"
        app.theme = "colour-blind-safe"
        await pilot.pause()
    assert remembered_theme() == "colour-blind-safe"
