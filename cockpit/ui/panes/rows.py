"""The building blocks every pane draws with.

``RowList`` is a line-based list (Textual's line API): it renders only the rows on screen and,
when new rows arrive, repaints only the lines that changed, so a countdown ticking once a second
costs one line of output over SSH and never a relayout. It works as well for eight endpoints as
for 10,000 timeline entries. ``TickingText`` is a one-or-two line label that repaints itself only
when its text changes. ``Propose`` carries events a pane wants recorded up to its screen: panes
never record themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

from cockpit.text import printable
from cockpit.ui.keyboard import FollowsKeyboard
from cockpit.ui.panes.scrollbar import SteppedScrollBar

if TYPE_CHECKING:  # the opening screen draws its empty panes before the core is loaded
    from cockpit.domain.events import Event


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a pane. ``key`` names what Enter acts on; rows without one are not selectable."""

    text: Text
    key: str | None = None


class LazyRows(Sequence[Row]):
    """Rows made on first access: a list of 200 endpoints costs only the rows on screen."""

    def __init__(self, items: Sequence[object], make: Callable[[object], Row]) -> None:
        self.items = items
        self.make = make
        self._made: dict[int, Row] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self.items)
        row = self._made.get(index)
        if row is None:
            row = self._made[index] = self.make(self.items[index])
        return row


class Propose(Message):
    """A pane asks its screen to record these events as one (a handover: release + assign).

    ``basis`` is the state the person acted on (what the pane showed when the choice opened):
    if another seat changed the same thing since, nothing is recorded and the person is told."""

    def __init__(self, *events: Event, basis: Any = None) -> None:
        super().__init__()
        self.events = events
        self.basis = basis


def _cells(text: Text | Content) -> list[tuple[str, tuple[object, ...]]]:
    """``text`` (Rich ``Text`` or Textual ``Content``) cell by cell: the character and the styles
    over it, as given (no theme needed to compare); a wide character's second cell is ``""``."""
    base = getattr(text, "style", None)  # Text has a base style, Content has none
    spans = text.spans
    out: list[tuple[str, tuple[object, ...]]] = []
    for index, char in enumerate(text.plain):
        styles = (base, *(span.style for span in spans if span.start <= index < span.end))
        out.append((char, styles))
        out.extend(("", styles) for _ in range(cell_len(char) - 1))
    return out


def changed_span(old: Text | Content, new: Text | Content, width: int) -> Region | None:
    """The cells of one line, from the first where ``new`` draws differently from ``old`` to the
    last (within ``width``), as a one-line region at y 0; None when it draws the same. One region
    a line: Textual sends each region of a widget from the widget's left edge, so two regions on
    one line would send its start twice."""
    a_plain, b_plain = old.plain, new.plain
    if (getattr(old, "style", None) == getattr(new, "style", None) and old.spans == new.spans
            and cell_len(a_plain) == len(a_plain) and cell_len(b_plain) == len(b_plain)):
        # A ticking clock: the same styles over the same places, one cell a character; only
        # the characters can differ, so they are compared as they are, not cell by cell.
        return _changed_characters(a_plain, b_plain, width)
    a, b = _cells(old), _cells(new)
    changed = [x for x in range(min(max(len(a), len(b)), width))
               if (a[x] if x < len(a) else None) != (b[x] if x < len(b) else None)]
    return Region(changed[0], 0, changed[-1] + 1 - changed[0], 1) if changed else None


def _changed_characters(a: str, b: str, width: int) -> Region | None:
    """``changed_span`` for two lines drawn in the same styles, one cell a character."""
    end = min(max(len(a), len(b)), width)
    first = next((x for x in range(end) if a[x:x + 1] != b[x:x + 1]), None)
    if first is None:
        return None
    last = next(x for x in range(end - 1, first - 1, -1) if a[x:x + 1] != b[x:x + 1])
    return Region(first, 0, last + 1 - first, 1)


def same_text(a: object, b: object) -> bool:
    """The same words in the same styles (Textual's ``Content`` compares its words only)."""
    return type(a) is type(b) and a == b and getattr(a, "spans", None) == getattr(b, "spans", None)


def refresh_changed(widget: Widget, old: Sequence[Text | Content], new: Sequence[Text | Content]) -> None:
    """Repaint only the cells where the lines ``new`` differ from ``old`` (a one-widget line-by-line
    diff); a different number of lines repaints the whole widget."""
    if len(old) != len(new) or not widget.size.width:
        widget.refresh()
        return
    for y, (before, after) in enumerate(zip(old, new, strict=True)):
        if (region := changed_span(before, after, widget.size.width)) is not None:
            widget.refresh(region.translate((0, y)))


class TickingText(Widget):
    """A label for text that changes every second: repaints the cells that changed, never asks
    for a relayout, and nothing at all when the text is the same."""

    DEFAULT_CSS = "TickingText { height: 1; width: 1fr; }"

    def __init__(self, text: Text | Content | None = None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text: Text | Content = text or Text()

    @property
    def text(self) -> Text | Content:
        return self._text

    def set_text(self, text: Text | Content) -> None:
        if not same_text(text, self._text):
            old, self._text = self._text, text
            width = self.styles.width
            if width is not None and width.is_auto and cell_len(old.plain) != cell_len(text.plain):
                self.refresh(layout=True)  # sized to its text: T+9:59:59 → T+10:00:00 moves on
            else:
                refresh_changed(self, old.split("\n"), text.split("\n"))

    def render(self) -> Text | Content:
        return self._text


class RowList(FollowsKeyboard, ScrollView, can_focus=True):
    """A scrolling list of ``Row`` with a cursor on the selectable rows, drawn bright while the list
    holds the keyboard (``FollowsKeyboard``)."""

    DEFAULT_CSS = """
    RowList { height: 1fr; width: 1fr; background: $surface; overflow-x: hidden;
              scrollbar-size-vertical: 1; }
    RowList > .rowlist--cursor { background: $primary 35%; }
    """
    COMPONENT_CLASSES = {"rowlist--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "up", show=False),
        Binding("down", "move(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "jump(0)", "first", show=False),
        Binding("end", "jump(-1)", "last", show=False),
        Binding("enter,space", "activate", "act", show=False),
    ]

    class Activated(Message):
        """Enter or space on a selectable row."""

        def __init__(self, rows: RowList, key: str) -> None:
            super().__init__()
            self.rows = rows
            self.key = key

        @property
        def control(self) -> RowList:
            return self.rows

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, rows: RowList, key: str | None) -> None:
            super().__init__()
            self.rows = rows
            self.key = key

        @property
        def control(self) -> RowList:
            return self.rows

    def __init__(self, *, follow_tail: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: Sequence[Row] = ()
        self._count = 0
        self._base_style: Style | None = None
        self._drawn: dict[int, tuple[Row, Style, int, Strip]] = {}
        """The rows on screen as last drawn, by index, with the style and width they were drawn
        in: when the list scrolls by a row (the timeline following a new entry) the other rows
        are the same objects and are not drawn again."""
        self._look: tuple[object, ...] | None = None
        self._finished: dict[int, tuple[Strip, Strip]] = {}
        """Rows' lines as Textual styled them for the screen, by index, with the line they
        were styled from (``_drawn``), while the list's look (``render_lines``) is the same."""
        self.cursor: int | None = None
        self.follow_tail = follow_tail
        """Keep the newest row in view while the cursor is on the last row (the timeline)."""

    # -- content ---------------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[Row]:
        return self._rows

    @property
    def selected_key(self) -> str | None:
        if self.cursor is None or self.cursor >= len(self._rows):
            return None
        return self._rows[self.cursor].key

    def set_rows(self, rows: Sequence[Row], *, compare: bool = True) -> None:
        """Show ``rows``, repainting only what changed; the cursor stays on the same key."""
        old, old_count, old_key = self._rows, self._count, self.selected_key
        at_tail = self.cursor is None or self.cursor >= old_count - 1
        self._rows, self._count = rows, len(rows)
        if self._count != old_count:
            self._resize_content(old_count, following=self.follow_tail and at_tail)
        self._place_cursor(old_key, at_tail)
        if compare and self._count == old_count:
            top = int(self.scroll_y)
            for y in range(top, min(top + self.size.height, len(rows))):
                if rows[y] != old[y]:
                    if (region := changed_span(old[y].text, rows[y].text, self.size.width)):
                        self.refresh(region.translate((0, y - top)))
        else:
            self.refresh()

    def _resize_content(self, old_count: int, *, following: bool) -> None:
        """A new row count. While the list already scrolls (and still will), the scrollbar is
        the only thing that changes: update it without a relayout, which would repaint the
        whole screen for every new timeline entry. ``following``: the newest row is kept in
        view; grown, the list and its bar move to it here, drawn once."""
        size = Size(self.size.width, self._count)
        height = self.size.height
        if height and old_count > height and self._count > height and self.show_vertical_scrollbar:
            self.set_reactive(RowList.virtual_size, size)
            if self._count > old_count:  # grown: the bar stays, the scroll stays valid
                bar = self.vertical_scrollbar
                bar.set_reactive(ScrollBar.window_virtual_size, self._count)
                if following:  # what Textual's scroll would set, without its three drawings of the bar
                    self.app.animator.force_stop_animation(self, "scroll_y")  # a click's page scroll
                    newest = self.max_scroll_y
                    self.set_reactive(RowList.scroll_y, newest)
                    self.set_reactive(RowList.scroll_target_y, newest)
                    bar.set_reactive(ScrollBar.position, newest)
                bar.refresh()  # once (Textual's update asks three times, each working out the bar)
            else:
                self._scroll_update(size)
        else:
            self.virtual_size = size

    def _place_cursor(self, key: str | None, at_tail: bool) -> None:
        rows = self._rows
        if self.follow_tail and at_tail:
            self.cursor = len(rows) - 1 if rows else None
            if rows and self.size.height:  # in this frame: the new row shows with the read
                if self.scroll_y != (newest := self.max_scroll_y):  # unless grown along already
                    self.scroll_rows_to(newest)
            elif rows:  # not laid out yet: once it is
                self.call_after_refresh(self.scroll_to_newest)
            return
        if key is not None:
            cursor = self.cursor or 0
            if cursor < len(rows) and rows[cursor].key == key:
                return
            for index, row in enumerate(rows):
                if row.key == key:
                    self.cursor = index
                    return
        self.cursor = self._nearest_selectable(min(self.cursor or 0, max(len(rows) - 1, 0)), 1)

    def scroll_rows_to(self, y: float) -> None:
        """Scroll at once so that row ``y`` is the top one (as far as the rows go).

        Forced: rows can grow from a few to many in one frame (a burst of entries followed from
        another seat), before the layout has shown the scrollbar, and until then Textual ignores
        a scroll that is not forced; the newest entry stayed out of view. ``max_scroll_y`` still
        bounds it."""
        self.scroll_to(y=y, animate=False, force=True, immediate=True)

    def scroll_to_newest(self) -> None:
        """The last row in view (read when called: after a layout, its new height)."""
        self.scroll_rows_to(self.max_scroll_y)

    def _nearest_selectable(self, start: int, step: int) -> int | None:
        rows = self._rows
        for direction in (step, -step):
            index = start
            while 0 <= index < len(rows):
                if rows[index].key is not None:
                    return index
                index += direction
        return None

    # -- keys ------------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.cursor is None:
            self.cursor = self._nearest_selectable(0, 1)
        else:
            index = self.cursor + step
            while 0 <= index < len(self._rows) and self._rows[index].key is None:
                index += step
            if 0 <= index < len(self._rows):
                self._move_to(index)
                return
            self.scroll_rows_to(0 if step < 0 else self.max_scroll_y)
        self.refresh()

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(self.size.height - 1, 1))

    def action_jump(self, where: int) -> None:
        if self._rows:
            target = where if where >= 0 else len(self._rows) - 1
            self._move_to(self._nearest_selectable(target, 1 if where >= 0 else -1) or 0)

    def _move_to(self, index: int) -> None:
        index = max(0, min(index, len(self._rows) - 1))
        previous, self.cursor = self.cursor, index
        if index < self.scroll_y:
            self.scroll_rows_to(index)
        elif index >= self.scroll_y + self.size.height:
            self.scroll_rows_to(index - self.size.height + 1)
        for y in (previous, index):
            if y is not None:
                self.refresh_line(y)
        if previous != index:
            self.post_message(self.Highlighted(self, self.selected_key))

    def action_activate(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.Activated(self, key))

    def keyboard_moved(self, lit: bool) -> None:
        if self.cursor is not None:
            self.refresh_line(self.cursor)

    def _on_focus(self, event: events.Focus) -> None:
        """Textual's, without drawing the whole list again: only the cursor's row shows the focus
        (``keyboard_moved``). The list drawn whole each time the entry bar took the keyboard and
        gave it back was most of the time from ``n`` to the bar on screen. Textual is pinned
        exactly: its handler is replaced (``prevent_default``), not wrapped."""
        event.prevent_default()
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))

    def _on_blur(self, event: events.Blur) -> None:
        """Textual's, without drawing the whole list again (``_on_focus``)."""
        event.prevent_default()
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows))
        self.refresh()

    _laid_out_for: tuple[Size, Size, Size] | None = None

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        """Textual's ScrollView's, without drawing the scrollbar again on every layout of the
        screen: it tells a change from the layout's virtual size, which is never this list's own
        (rows, not cells), so every list's scrollbar was drawn again for any layout (the entry bar
        opening: a second frame, 30 ms later, of scrollbars that had not moved). Here the list's
        size, rows and room decide."""
        laid_out_for = (size, self.virtual_size, container_size)
        if laid_out_for == self._laid_out_for:
            return False
        self._laid_out_for = laid_out_for
        return super()._size_updated(size, virtual_size, container_size, layout)

    # -- drawing ---------------------------------------------------------------------------------

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's, made a ``SteppedScrollBar``: the timeline's is not drawn again for each
        entry while its thumb stays where it is."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = bar = SteppedScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def render_lines(self, crop: Region) -> list[Strip]:
        """Textual's, except for the rows drawn before in the same look: when the list scrolls
        by a row (the timeline following a new entry) Textual styles every line on screen
        again, and here only the new ones are (``_finished``: each row's line as it was sent,
        kept while the list's look and the row's own line are the same)."""
        self._base_style = base = self.rich_style  # once per paint, not once per line
        size = self.size  # once per paint too: Widget.size looks the widget up in the screen's map
        top, width = int(self.scroll_y), size.width
        look = (size, base, self.background_colors, self.opacity,
                tuple(self.get_line_filters()), self.app.ansi_theme)
        if look != self._look:
            self._look, self._finished = look, {}
        if crop.column_span != (0, width) or any(self.styles.gutter):
            lines = super().render_lines(crop)
        else:
            lines = self._render_unfinished(crop, top, width)
        self._drawn = {i: d for i, d in self._drawn.items() if top <= i < top + size.height}
        self._finished = {i: f for i, f in self._finished.items() if i in self._drawn}
        return lines

    def _render_unfinished(self, crop: Region, top: int, width: int) -> list[Strip]:
        """The lines of ``crop`` (the list ``width`` cells wide): the rows kept as they were, the
        others (in runs) through Textual."""
        lines = [self._kept_line(top + y, width) for y in crop.line_range]
        missing = [line is None for line in lines]
        for absent, run in groupby(range(len(lines)), key=missing.__getitem__):
            if not absent:
                continue
            at = list(run)
            drawn = super().render_lines(Region(0, crop.y + at[0], crop.width, len(at)))
            for offset, line in zip(at, drawn, strict=True):
                lines[offset] = line
                index = top + crop.y + offset
                if (made := self._drawn.get(index)) is not None:
                    self._finished[index] = (made[3], line)
        return [line for line in lines if line is not None]

    def _kept_line(self, index: int, width: int) -> Strip | None:
        """Row ``index``'s line as sent before, while the row would be drawn the same now."""
        finished = self._finished.get(index)
        if finished is None or index >= len(self._rows):
            return None
        row = self._rows[index]
        line = self._still_drawn(index, row, self._style_of(index, row, self._base_style or self.rich_style),
                                 width)
        return finished[1] if line is not None and finished[0] is line else None

    def _style_of(self, index: int, row: Row, base: Style) -> Style:
        """Row ``index``'s style: the cursor's while the list is lit."""
        if index == self.cursor and self.lit and row.key is not None:
            return base + self.get_component_rich_style("rowlist--cursor")
        return base

    def _still_drawn(self, index: int, row: Row, style: Style, width: int) -> Strip | None:
        """Row ``index``'s line as last drawn, if it was drawn from ``row`` in ``style`` at
        ``width``."""
        drawn = self._drawn.get(index)
        if drawn is not None and drawn[0] is row and drawn[1] == style and drawn[2] == width:
            return drawn[3]
        return None

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        base = self._base_style or self.rich_style
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        style = self._style_of(index, row, base)
        if (drawn := self._still_drawn(index, row, style, width)) is not None:
            return drawn
        text = row.text
        if cell_len(text.plain) > width:
            text = text.copy()
            text.truncate(width, overflow="ellipsis")
        strip = Strip(list(text.render(self.app.console, end=""))).apply_style(style)
        strip = strip.crop_extend(0, width, style)
        self._drawn[index] = (row, style, width, strip)
        return strip


def cells(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells, cut with an ellipsis; it passes the text
    gate first, so that what is measured is what the terminal shows."""
    if width <= 0:
        return ""
    text = printable(text, one_line=True)
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…" + " " * (width - 1 - cell_len(out))


class PaneFrame(Vertical, can_focus=False):
    """The titled border every pane is drawn in; empty, it is a pane of the opening layout."""

    DEFAULT_CSS = """
    PaneFrame { border: round $panel-lighten-2; border-title-color: $text-muted; padding: 0 1;
                background: $surface; height: 1fr; width: 1fr; }
    """


class Pane(FollowsKeyboard, PaneFrame):
    """A titled, bordered pane holding one ``RowList``; subclasses fill it in ``show``. Its border
    is lit while it holds the keyboard (``FollowsKeyboard``)."""

    TITLE = ""
    DEFAULT_CSS = """
    Pane.-current { border: round $accent; border-title-color: $text; border-title-style: bold; }
    """

    def keyboard_moved(self, lit: bool) -> None:
        self.set_class(lit, "-current")

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._title = self.TITLE
        self.border_title = Text(self.TITLE)
        self.last_shown: tuple[object, object] | None = None

    def compose(self) -> ComposeResult:
        yield RowList(follow_tail=self.FOLLOW_TAIL)

    FOLLOW_TAIL = False

    @property
    def records_here(self) -> bool:
        """True on the screen that records (the incident), False in a replay: hints name the
        keys that change the incident only where they do."""
        return callable(getattr(self.screen, "refuse_read_only", None))

    def may_record(self) -> bool:
        """False on a seat that cannot record (the screen has said why): checked before a prompt
        opens, so an observer never fills one in for nothing."""
        refuse = getattr(self.screen, "refuse_read_only", None)
        return refuse is None or not refuse()

    @property
    def rows(self) -> RowList:
        return self.query_one(RowList)

    @property
    def width(self) -> int:
        """Cells available for a row (a sensible guess before the first layout)."""
        return self.rows.size.width or 60

    def tone(self, name: str) -> Style:
        """A style by meaning, in the theme's colours: ``bad``, ``warn``, ``good``, ``strong``,
        ``dim``. Every toned text also carries a word or a symbol: colour is never alone."""
        variables = self.app.theme_variables
        key = (variables.get("error", ""), variables.get("warning", ""),
               variables.get("success", ""), name)
        style = _TONE_CACHE.get(key)
        if style is None:
            style = _TONE_CACHE[key] = tone_style(variables, name)
        return style

    @property
    def heading(self) -> str:
        """The border title as plain text."""
        return self._title

    def set_title(self, title: str) -> None:
        """Change the border title (as plain text: names in it never act as markup). Only the
        top border line is repainted: Textual repaints the whole pane for a new title, and a
        title that ticks ("STALE: last news 2:05 ago") would send every row again each second.
        The title is set as Textual's ``border_title`` keeps it (one line of Content), without
        reading it as markup first: the timeline's count changes with every entry."""
        title = printable(title, one_line=True)
        if self._title != title:
            self._title = title
            self._border_title = Content(title)
            top = self.content_offset
            self.refresh(Region(-top.x, -top.y, self.outer_size.width, 1))

    def focus_pane(self) -> None:
        self.rows.focus()

    def drawn_from(self, state: Any) -> tuple[object, ...] | None:
        """The parts of ``state`` this pane's rows are drawn from, or None (the default: it is
        drawn again whenever the state changes). The screen does not draw a pane again within a
        minute while these are equal: the fold keeps a part that an event leaves alone as the
        same object, so the comparison costs next to nothing."""
        return None

    def tick(self, state: Any, now: Any) -> None:
        """A second passed and nothing was recorded: redraw what ticks here. Nothing, unless a
        pane says otherwise: rows change with the events, and those that name minutes are drawn
        again when the screen shows every pane at a new minute."""

    def on_resize(self) -> None:
        if self.last_shown is not None:
            self.call_after_refresh(self.reshow)

    def reshow(self) -> None:
        """Render again at the new width with what was shown last."""
        if self.last_shown is not None:
            state, now = self.last_shown
            self.show(state, now)  # type: ignore[attr-defined]


_TONE_CACHE: dict[tuple[str, str, str, str], Style] = {}
"""Tones by (theme colours, name): parsing theme colours for every row would cost more than the row."""


def tone_style(variables: dict[str, str], name: str) -> Style:
    """The Rich style of a tone (``bad``, ``warn``, ``good``, ``strong``, ``dim``) in a theme."""
    variable = {"bad": "error", "warn": "warning", "good": "success"}.get(name)
    if variable:
        try:
            colour = Color.parse(variables.get(variable, "")).rich_color
        except ColorParseError:
            colour = None
        return Style(color=colour, bold=True)
    if name == "dim":
        return Style(dim=True)
    if name == "strong":
        return Style(bold=True)
    return Style()
