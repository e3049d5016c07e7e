"""How the main screen looks, at 160×48 and 80×24, in the default theme and one other.

The demo incident (the same one ``make screenshots`` shows) is recorded with a frozen clock, so
every run draws the same screen. The Calm pane's breathing pacer is still text (it moves only
in calm mode), so nothing on the main screen moves on its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.ui.app import CockpitApp
from cockpit.ui.screenshots import demo_session
from cockpit.ui.themes import remember_theme

SIZES = {"160x48": (160, 48), "80x24": (80, 24)}


def demo_app(tmp_path: Path, theme: str | None) -> CockpitApp:
    """The demo incident; ``theme`` is chosen the way a person's choice is remembered."""
    if theme is not None:
        remember_theme(theme)
    session, config, clock = demo_session(tmp_path / "demo.toml")
    return CockpitApp(session, config=config, clock=clock)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme", [None, "colour-blind-safe"], ids=["default-theme", "colour-blind-safe"])
def test_main_screen(snap_compare, tmp_path: Path, size: str, theme: str | None) -> None:
    assert snap_compare(demo_app(tmp_path, theme), terminal_size=SIZES[size])


def test_80x24_timeline_tab(snap_compare, tmp_path: Path) -> None:
    async def open_timeline(pilot) -> None:  # noqa: ANN001
        await pilot.press("6")

    assert snap_compare(demo_app(tmp_path, None), terminal_size=(80, 24), run_before=open_timeline)
