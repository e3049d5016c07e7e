"""A compositor that renders, for an update of part of the screen, only what the update covers.

Textual's compositor sends only the cells that changed, but to find them it renders every widget
whose *clip* (the region of its container) meets the changed part, and all of each such widget's
lines: a new timeline entry had the Screen, the panes' container and every pane render all their
lines from their caches, for the fourteen rows of the timeline that changed. Measured in a seat
following its file, that was about half of the time from an append to the terminal, paid by
every seat on every append and every tick.

Here a widget renders only when the part of it that is visible meets the update, and only the
lines of the update, less the parts of the update that lie wholly under one widget in front of
it (Textual's chops would take nothing from it there): for a new timeline entry the Screen, the
panes' container and the timeline's pane behind the timeline's list render nothing, and for a
new count in the pane's title, its top line. What is sent draws the same cells as what Textual
sends (the chops within the updated spans), for less of the work; only Textual's moves that
draw nothing (to a chop starting where an updated span ends, from a widget behind) are left
out. This holds while every widget's ``render_lines`` gives full-width lines for its whole crop,
as Textual's own do: a short line would let the widget behind show through in Textual's output.
Textual is pinned exactly: this overrides one method of its compositor (``_get_renders``), and
tests/ui/test_compositor.py compares both on every kind of update the cockpit makes.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.screen import Screen, ScreenResultType
from textual.strip import Strip


class CroppedCompositor(Compositor):
    _updating: tuple[Region, ...] = ()
    """The regions of the partial update being rendered (empty otherwise)."""

    def render_partial_update(self) -> ChopsUpdate | None:
        """Textual's, with the regions it updates kept for ``_get_renders``: two small changes
        far apart (the header's clock, a countdown in a pane) have a bounding box of half the
        screen, and only the widgets under the changes need to draw."""
        self._updating = tuple(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._updating = ()

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        """Each visible widget under the update (or ``crop``, or all of the screen, as Textual's)
        and not hidden there, front to back: its region, its clip narrowed to the lines of the update that meet it,
        and its strips for those lines."""
        updating = self._updating or (crop or self.size.region,)
        painted: list[Region] = []
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            hits = [hit for hit in (shown.intersection(r) for r in updating)  # what of it shows
                    if hit and not any(front.contains_region(hit) for front in painted)]
            if not hits:
                continue
            painted.append(shown)
            top, bottom = min(hit.y for hit in hits), max(hit.bottom for hit in hits)
            clip = clip.intersection(Region(0, top, self.size.width, bottom - top))
            shown = region.intersection(clip)
            yield region, clip, widget.render_lines(
                Region(shown.x - region.x, shown.y - region.y, shown.width, shown.height))


class CroppedScreen(Screen[ScreenResultType]):
    """A screen drawn through :class:`CroppedCompositor`: the incident's and the replay's, whose
    panes change a few rows at a time."""

    def __init__(self, name: str | None = None, id: str | None = None,  # noqa: A002 - Textual's
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._compositor = CroppedCompositor()
