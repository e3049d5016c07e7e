"""The incident screen's compositor renders only what an update covers, and sends what Textual's
own would: the same cells in the same bytes for every kind of update, over the panes, the header,
the entry bar's layer and any part of the screen, and for the whole screen."""

from __future__ import annotations

import random
import re

from textual._compositor import Compositor
from textual.geometry import Region

from cockpit.domain import events as ev
from cockpit.ui.compositor import CroppedCompositor
from cockpit.ui.panes.rows import RowList

WIDE = (160, 48)


IDLE_MOVE = re.compile(r"\x1b\[\d+;\d+H(?=\x1b\[\d+;\d+H|\n|$)")
"""A cursor move that draws nothing before the next move or line: Textual sends one for a chop
that starts where an updated span ends, when a widget behind the update drew that chop (the
cockpit's compositor does not render widgets hidden behind others, so it sends none)."""


def sent(app, compositor: Compositor, regions: list[Region], *, textuals: bool) -> str:
    """What the terminal receives for an update of ``regions``, through the cockpit's compositor
    or (``textuals``) through Textual's own methods, less the moves that draw nothing."""
    if textuals:
        for name in ("render_partial_update", "_get_renders"):
            setattr(compositor, name, getattr(Compositor, name).__get__(compositor))
    try:
        compositor._dirty_regions.clear()
        compositor._dirty_regions.update(regions)
        update = compositor.render_partial_update()
        return IDLE_MOVE.sub("", update.render_segments(app.console)) if update is not None else ""
    finally:
        for name in ("render_partial_update", "_get_renders"):
            compositor.__dict__.pop(name, None)


def updates(rng: random.Random, app) -> list[list[Region]]:
    """Every pane's region, the header's line, one cell, the whole screen, and random sets of
    rectangles of any size."""
    width, height = WIDE
    out = [[widget.region] for widget in app.incident.query("*") if widget.region]
    out += [[Region(0, 0, width, 1)], [Region(157, 30, 1, 1)], [Region(0, 0, width, height)]]
    for _ in range(60):
        regions = []
        for _ in range(rng.randint(1, 4)):
            x, y = rng.randrange(width), rng.randrange(height)
            regions.append(Region(x, y, rng.randint(1, width - x), rng.randint(1, height - y)))
        out.append(regions)
    return out


async def test_every_update_sends_what_textuals_compositor_sends(cockpit):
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for n in range(60):  # the timeline scrolls, with its scrollbar
            app.incident.record(ev.NoteAdded(text=f"note {n}: the replica lag again"))
        await pilot.pause()
        compositor = app.incident._compositor
        assert isinstance(compositor, CroppedCompositor)
        rng = random.Random(5)
        for bar_open in (False, True):
            if bar_open:
                await pilot.press("n", *"typing over the panes")
                await pilot.pause()
            full = compositor.render_full_update().render_segments(app.console)
            compositor._get_renders = Compositor._get_renders.__get__(compositor)
            assert full == compositor.render_full_update().render_segments(app.console)
            del compositor._get_renders
            for regions in updates(rng, app):
                ours = sent(app, compositor, regions, textuals=False)
                assert ours == sent(app, compositor, regions, textuals=True), regions
                assert ours  # something was drawn: the comparison is not of two empty updates


def afresh(app) -> str:
    """The whole screen as the terminal would receive it with nothing kept from earlier frames:
    every widget's styled lines, the lists' rows and their scrollbars' drawings forgotten."""
    for widget in app.incident.query("*"):
        widget._styles_cache.clear()
        if isinstance(widget, RowList):
            widget._drawn, widget._finished = {}, {}
            if (bar := widget._vertical_scrollbar) is not None:
                bar._styles_cache.clear()
                bar._drawn = bar._rows = None
    return on_screen(app)


def on_screen(app) -> str:
    return app.incident._compositor.render_full_update().render_segments(app.console)


async def test_lines_kept_from_earlier_frames_are_the_lines_drawn_afresh(cockpit):
    """The lists keep each row's styled line, and their scrollbars their drawing, across frames:
    after the timeline scrolls entry by entry, its cursor moves, the keyboard moves away and
    the theme changes, the screen is what it would be drawn from nothing."""
    app = cockpit()
    async with app.run_test(size=WIDE) as pilot:
        for n in range(40):  # the timeline scrolls by a row at a time; its thumb creeps down
            app.incident.record(ev.NoteAdded(text=f"note {n}: the replica lag again"))
            await pilot.pause()
            assert on_screen(app) == afresh(app), n
        steps = [("6",), ("up", "up", "up"), ("pageup",), ("end",), ("1",), ("6", "home")]
        for keys in steps:
            await pilot.press(*keys)
            await pilot.pause()
            assert on_screen(app) == afresh(app), keys
        app.theme = "high-contrast"
        await pilot.pause()
        assert on_screen(app) == afresh(app)
