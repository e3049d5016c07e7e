"""The command palette speaks the cockpit's language: its own commands first, Textual's apart,
only the cockpit's themes, the right command first for a search, and a screenshot saved where the
toast says."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from textual.command import CommandList, CommandPalette

from cockpit.ui.commands import COMMANDS, SYSTEM
from tests.waiting import until

WIDE = (160, 48)


def gathered(app) -> bool:
    palette = app.screen
    return isinstance(palette, CommandPalette) and not any(
        w.group == CommandPalette._GATHER_COMMANDS_GROUP and not w.is_finished for w in app.workers)


def listed(app) -> list[str]:
    """The palette's rows as a reader sees them: the titles, top to bottom."""
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]


async def open_palette(pilot, query: str = "") -> list[str]:
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the palette")
    if query:
        await pilot.press(*query)
    await until(pilot, lambda: gathered(pilot.app) and listed(pilot.app), "the palette's commands")
    await pilot.pause()
    return listed(pilot.app)


async def test_the_cockpits_commands_come_first_and_the_system_ones_apart(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        rows = await open_palette(pilot)
    own = [title for title, _, _ in COMMANDS]
    assert rows[:len(own)] == own
    system = rows[len(own):]
    assert system and all(row.startswith(SYSTEM) for row in system)
    assert f"{SYSTEM}Theme" in system and f"{SYSTEM}Screenshot" in system
    assert rows.count("Quit") == 1 and f"{SYSTEM}Quit" not in rows


async def test_searching_resolve_puts_resolve_the_incident_first(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        rows = await open_palette(pilot, "resolve")
        assert rows[0] == "Resolve the incident"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close")
        rows = await open_palette(pilot, "theme")
        assert rows[0] == f"{SYSTEM}Theme"


async def test_the_theme_list_holds_only_the_cockpits_themes(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        await open_palette(pilot, "theme")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette) and gathered(app)
                    and set(listed(app)) == {"calm", "colour-blind-safe", "high-contrast"},
                    "the cockpit's themes, and only them")
        assert "textual-dark" in app.available_themes  # Textual still has its own; the list does not offer them


async def test_a_screenshot_is_saved_where_the_toast_says(cockpit, isolated_dirs):
    app = cockpit()
    folder = isolated_dirs / "xdg-data" / "cockpit" / "screenshots"
    assert not folder.exists()
    async with app.run_test(size=WIDE) as pilot:
        await open_palette(pilot, "screenshot")
        assert listed(app)[0] == f"{SYSTEM}Screenshot"
        await pilot.press("enter")
        await until(pilot, lambda: any("Screenshot saved to" in str(n.message) for n in app._notifications),
                    "the toast saying where")
        said = next(str(n.message) for n in app._notifications if "Screenshot saved to" in str(n.message))
    saved = Path(said.removeprefix("Screenshot saved to "))
    assert saved.parent == folder and saved.suffix == ".svg"
    assert "<svg" in saved.read_text()[:2000]
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
