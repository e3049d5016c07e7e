"""Links drawn as terminal hyperlinks, with the URL written out beside them.

A terminal that knows OSC 8 opens the link on a click (Textual writes ``Style(link=…)`` as
``ESC ] 8 ; … ; URL ESC \\``); one that does not shows the text, so the URL is always written out
as well: beside the label where the row has room, on a line of its own in the links list.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from cockpit.domain.links import Link
from cockpit.text import printable
from cockpit.ui.panes.rows import Row

KIND_WIDTH = 10


def link_text(text: str, url: str, style: Style | None = None) -> Text:
    """``text`` as a hyperlink to ``url``: OSC 8 where the terminal knows it, plain text elsewhere.

    ``url`` has passed ``url_problem`` (the event would not validate otherwise), so no byte of it
    can end the escape sequence early."""
    return Text(printable(text, one_line=True), style=(style or Style()) + Style(link=url))


def link_rows(links: list[Link], *, dim: Style) -> list[Row]:
    """Two rows per link: kind and label, then the URL; both open the link."""
    rows = []
    for index, link in enumerate(links):
        head = Text(f"{link.kind:<{KIND_WIDTH}} ", style=dim)
        head.append_text(link_text(link.label or link.url, link.url, Style(bold=True)))
        rows.append(Row(head, key=f"link:{index}"))
        tail = Text(" " * (KIND_WIDTH + 1))
        tail.append_text(link_text(link.url, link.url, dim))
        rows.append(Row(tail, key=f"link:{index}"))
    return rows




def link_line(link: Link, width: int, *, dim: Style) -> Text:
    """One row: ``bridge    War room  https://meet.example.com/…``; the URL is cut (never the
    link it opens) when the row is narrow."""
    line = Text(f"{link.kind:<{KIND_WIDTH}} ", style=dim)
    label = printable(link.label or link.url, one_line=True)
    line.append_text(link_text(label, link.url, Style(bold=True)))
    room = width - cell_len(line.plain) - 2
    if link.label and link.label != link.url and room >= 12:
        url = link.url if cell_len(link.url) <= room else link.url[: room - 1] + "…"
        line.append("  ")
        line.append_text(link_text(url, link.url, dim))
    return line
