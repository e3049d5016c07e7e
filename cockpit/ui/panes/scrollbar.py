"""A list's scrollbar, drawn again only when what it shows moves.

Textual draws a scrollbar again whenever the list's length or scroll position changes, and a
scrollbar's lines are among the dearest on the screen (every cell carries its mouse actions).
The timeline grows by one row for each event: its thumb moves by a visible step (an eighth of a
cell) only every few dozen entries, yet its column was drawn and sent again with every entry, in
every seat following the file. Here the bar knows what it last drew (its size, colours and the
thumb's ends in eighths of a cell, from the same arithmetic as Textual's renderer) and neither
asks to be drawn nor draws again while that is the same.
"""

from __future__ import annotations

from math import ceil
from typing import NamedTuple

from rich.style import StyleType
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

STEPS = 8
"""Textual draws a vertical thumb's ends in eighths of a cell (``ScrollBarRender.VERTICAL_BARS``)."""


class Look(NamedTuple):
    """Everything a bar's lines are made from."""

    size: Size
    thickness: int
    vertical: bool
    style: StyleType
    thumb: tuple[int, int] | None
    """The thumb's ends in eighths of a cell (None: no thumb, nothing to scroll)."""


class SteppedScrollBar(ScrollBar):
    """A vertical scrollbar that is drawn again only when its look changes."""

    _drawn: tuple[Look, Region, list[Strip]] | None = None
    """What it looked like when last drawn, the crop drawn, and the lines."""

    def look(self) -> Look | None:
        """How the bar would look now, its colours for hover and grab included; None when it
        cannot be told (not mounted)."""
        if self.parent is None or not self.is_attached:
            return None
        bar = self.render()  # what Textual would draw: a renderer holding its inputs
        if not isinstance(bar, ScrollBarRender):
            return None
        height = self.size.height
        virtual, window, position = bar.virtual_size, bar.window_size, bar.position
        thumb: tuple[int, int] | None = None
        if window and height and virtual and height != virtual:  # ScrollBarRender.render_bar's
            thumb_size = max(1, window / (virtual / height))
            start = int((height - thumb_size) * (position / (virtual - window)) * STEPS)
            thumb = (start, start + ceil(thumb_size * STEPS))
        return Look(self.size, bar.thickness, bar.vertical, bar.style, thumb)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> SteppedScrollBar:
        """Textual's, unless this is only a repaint: then nothing when the bar would look the
        same, and only the rows the thumb's ends crossed when only the thumb moved."""
        drawn = self._drawn
        if drawn is None or regions or layout or recompose:
            return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        look = self.look()
        if look == drawn[0]:
            return self
        was = drawn[0].thumb
        if look is not None and look.thumb and was and look._replace(thumb=was) == drawn[0]:
            rows = crossed(was, look.thumb, self.size.height)
            return super().refresh(*(Region(0, y, self.size.width, 1) for y in rows),
                                   repaint=repaint)
        return super().refresh(repaint=repaint)

    _rows: tuple[Look, int, int, dict[Row, Strip]] | None = None
    """Each kind of row as Textual drew it, for a look without its thumb and a crop's columns."""

    def render_lines(self, crop: Region) -> list[Strip]:
        """The bar's lines: kept while its look is the same; when only the thumb moved, made of
        the rows Textual drew before (each row of a bar is one of a few kinds: above the thumb,
        the thumb, its two ends in eighths, below), drawn by Textual only when a kind is new."""
        look, drawn = self.look(), self._drawn
        if look is not None and drawn is not None and drawn[0] == look and drawn[1] == crop:
            return drawn[2]
        if look is None or not look.vertical:
            lines = super().render_lines(crop)
            self._drawn = None if look is None else (look, crop, lines)
            return lines
        kinds = rows_of(look.thumb, look.size.height)[crop.y:crop.bottom]
        learned = self._rows
        if learned is None or (learned[0], learned[1], learned[2]) != (look._replace(thumb=None), *crop.column_span):
            learned = self._rows = (look._replace(thumb=None), *crop.column_span, {})
        known = learned[3]
        if all(kind in known for kind in kinds):
            lines = [known[kind] for kind in kinds]
        else:
            lines = super().render_lines(crop)
            known.update(zip(kinds, lines, strict=False))
        self._drawn = (look, crop, lines)
        return lines


Row = tuple[str, int]
"""A kind of row in a vertical bar: ``("above", 0)``, ``("thumb", 0)``, ``("below", 0)``, or a
thumb's end drawn with a partial glyph, ``("start", eighths)`` / ``("end", eighths)``."""


def rows_of(thumb: tuple[int, int] | None, height: int) -> list[Row]:
    """The kind of each row of a vertical bar ``height`` rows tall, as Textual's
    ``ScrollBarRender.render_bar`` lays them out for a thumb whose ends are ``thumb`` eighths."""
    if thumb is None:
        return [("blank", 0)] * height
    (start_index, start_bar), (end_index, end_bar) = (divmod(max(0, end), STEPS) for end in thumb)
    rows: list[Row] = [("above", 0)] * height
    rows[end_index:] = [("below", 0)] * (height - end_index)
    rows[start_index:end_index] = [("thumb", 0)] * (end_index - start_index)
    if start_index < len(rows) and start_bar:  # an eighth-cell glyph unless the end is on a cell
        rows[start_index] = ("start", start_bar)
    if end_index < len(rows) and end_bar:
        rows[end_index] = ("end", end_bar)
    return rows


def crossed(was: tuple[int, int], now: tuple[int, int], height: int) -> list[int]:
    """The rows that differ between a thumb from ``was`` and one from ``now`` (ends in eighths):
    those between the old and new start, and between the old and new end (above the thumb a
    click scrolls up, below it down, so even the plain rows it passed over changed)."""
    rows: set[int] = set()
    for old, new in zip(was, now):
        low, high = sorted((old, new))
        rows.update(range(max(0, low) // STEPS, max(0, high) // STEPS + 1))
    return sorted(y for y in rows if y < height)
