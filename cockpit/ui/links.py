"""The links list (``l``): every link of the incident, to open, to copy, and to add to.

The bridge, the channel, tickets and dashboards people added (``link.added``), the runbooks of
the protocol's steps and the endpoints' dashboards (``cockpit.domain.links.every_link``). Each
link is two lines: its kind and label, then its URL. Both are terminal hyperlinks (OSC 8, through
Rich's ``Style(link=…)``), so a terminal that knows them opens the link on a click; the URL is
always written out too, for the terminals that do not, and for reading it aloud on the bridge.
Enter copies the selected URL (``cockpit.ui.clipboard``: where it went, honestly); ``a`` adds a link: its URL (checked: only http(s), mailto and tel,
nothing that could change the terminal), a label and a kind.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from cockpit.domain.events import LinkAdded
from cockpit.domain.links import LINK_KIND_WORDS, LINK_KINDS, Link, every_link, label_problem, url_problem
from cockpit.text import printable
from cockpit.ui.clipboard import copy_text
from cockpit.ui.panes.links import link_rows
from cockpit.ui.panes.rows import Row, RowList
from cockpit.ui.prompts import ChoicePrompt, PromptScreen, TextPrompt

class LinksScreen(PromptScreen[None]):
    """Every link, over the cockpit (see-through, like the prompts)."""

    BINDINGS = [
        Binding("escape,q", "close", "close", show=False),
        Binding("a,plus,equals_sign", "add", "add a link", show=False),
        Binding("c", "copy", "copy", show=False),
    ]
    DEFAULT_CSS = """
    LinksScreen .prompt-box { width: 100; }
    LinksScreen RowList { height: auto; max-height: 24; }
    """

    def __init__(self, incident: Any) -> None:
        """``incident``: the incident screen, which records what is added (through its seat)."""
        super().__init__()
        self.incident = incident
        self.links: list[Link] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box"):
            yield Label(Text("Links"), classes="prompt-title", id="links-title")
            yield RowList(id="links")
            yield Label(Text("Enter copy the URL · a add a link · click opens (where the terminal can) "
                             "· Esc close"), classes="prompt-hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.show_links()
        self.query_one(RowList).focus()

    def show_links(self) -> None:
        self.links = every_link(self.incident.session.state)
        rows = link_rows(self.links, dim=Style(dim=True))
        if not rows:
            rows = [Row(Text("No links yet: a adds the bridge, the channel, a ticket…", style=Style(dim=True)))]
        self.query_one("#links-title", Label).update(Text(f"Links · {len(self.links)}"))
        self.query_one(RowList).set_rows(rows)

    def _selected(self) -> Link | None:
        key = self.query_one(RowList).selected_key or ""
        if not key.startswith("link:"):
            return None
        index = int(key.partition(":")[2])
        return self.links[index] if index < len(self.links) else None

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        self.action_copy()

    def action_copy(self) -> None:
        link = self._selected()
        if link is None:
            return
        where = copy_text(self.app, link.url, "link")
        self.notify(f"{link.url}: {where}", title="Link", timeout=8, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="add-link")
    async def action_add(self) -> None:
        if self.incident.refuse_read_only():
            return
        url, value = None, ""
        while url is None:  # a URL that cannot be a link comes back to be fixed, never lost
            typed = await self.app.push_screen_wait(TextPrompt(
                "Link: the URL", placeholder="https://meet.example.com/checkout-incident", value=value,
                required=True, need="a URL"))
            if typed is None:
                return
            problem = url_problem(typed.strip())
            if problem is None:
                url = typed.strip()
            else:
                self.notify(problem, title="Not a link", severity="warning", markup=False)
                value = printable(typed, one_line=True)
        kind = await self.app.push_screen_wait(ChoicePrompt(
            "What kind of link?", [(k, LINK_KIND_WORDS[k]) for k in LINK_KINDS], selected="other"))
        if kind is None:
            return
        label = await self.app.push_screen_wait(TextPrompt(
            "A label (Enter for none)", placeholder="e.g. War room bridge"))
        label = printable(label or "", one_line=True)
        if label_problem(label):
            label = label[:120]
        self.incident.record_and_show(LinkAdded(url=url, label=label, link_kind=kind))
        self.show_links()
