"""The help screen: every key of the cockpit, grouped, all of it visible at 80×24."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Static

from cockpit.session import Session
from cockpit.settings import Config
from cockpit.ui.app import CockpitApp
from cockpit.ui.help import KEY_GROUPS, HelpScreen
from cockpit.ui.themes import register_themes

KEY_NAMES = {"question_mark": "?", "plus": "+", "equals_sign": "="}


def listed_keys() -> set[str]:
    keys = set()
    for _, entries in KEY_GROUPS:
        for key, _ in entries:
            keys.update(key.split())
    return keys


def shown_keys(key: str) -> set[str]:
    """How a binding's keys are spelled in the help (``1``…``6`` as ``1–6``)."""
    return {"1–6" if k.isdigit() else KEY_NAMES.get(k, k) for k in key.split(",")}


async def test_question_mark_opens_help_and_escape_closes(make_session):
    app = CockpitApp(make_session(), config=Config())
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is main


async def test_every_group_is_on_screen_at_80x24(make_session):
    app = CockpitApp(make_session(), config=Config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        screen = app.screen
        groups = list(screen.query(".help-group").results(Static))
        assert len(groups) == len(KEY_GROUPS)
        visible = screen.region
        for group in groups:
            region = group.region
            assert visible.contains_region(region), f"{str(group.render())[:20]!r} is cut off"
            assert region.height == str(group.render()).count("\n") + 1  # no line wraps


def test_every_cockpit_binding_is_listed():
    wanted = set()
    for binding in CockpitApp.BINDINGS:
        wanted |= shown_keys(binding.key)  # type: ignore[union-attr]
    assert wanted - listed_keys() == set()


def test_every_pane_binding_is_listed():
    from cockpit.ui.panes.calm import CalmPane
    from cockpit.ui.panes.health import HealthPane
    from cockpit.ui.panes.impact import ImpactPane
    from cockpit.ui.panes.protocol import ProtocolPane
    from cockpit.ui.panes.team import TeamPane
    from cockpit.ui.panes.timeline import TimelinePane

    wanted = set()
    for pane in (ImpactPane, ProtocolPane, TeamPane, CalmPane, HealthPane, TimelinePane):
        for binding in pane.BINDINGS:
            wanted.add(sorted(shown_keys(binding.key))[0])  # type: ignore[union-attr]
    assert wanted - listed_keys() == set()


def test_design_keys_are_listed():
    """DESIGN §7: n d a h s u c 1–6 ? ctrl+p ctrl+q."""
    assert {"n", "d", "a", "h", "s", "u", "c", "1–6", "?", "ctrl+p", "ctrl+q"} <= listed_keys()


# -- how it looks ---------------------------------------------------------------------------


class Host(App[None]):
    """The help on its own, without the cockpit's reminders drawn over it."""

    def __init__(self, session: Session, theme: str) -> None:
        super().__init__()
        self.session = session
        self.chosen_theme = theme

    def on_mount(self) -> None:
        register_themes(self)
        self.theme = self.chosen_theme
        self.push_screen(HelpScreen())


@pytest.mark.parametrize("theme", ["calm", "high-contrast"])
def test_help_snapshot(snap_compare, make_session, theme):
    assert snap_compare(Host(make_session(), theme), terminal_size=(80, 24))
