"""Paging from the screen: the Team pane asks, the incident screen sends in the background.

``PageWanted`` carries who (a handle or a role) and an optional line for them up from the Team
pane. :func:`send_page` runs in a worker on the screen's event loop: the page goes out through
``cockpit.paging`` (the network awaited, never blocking a key), and its outcome, delivered or
failed, is recorded through the seat like anything else a person does. The roster then shows
"paged <1 min ago, no ack" until the person answers. When they do (they join, or open a seat:
the fold acknowledges the page), the seat that sent the page tells the service, so PagerDuty or
Opsgenie stops escalating; a seat closed before the answer leaves that to the service's own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.message import Message

ANSWER_WAIT = 24 * 3600.0
"""How long a seat waits for that answer: past a day, the page is the service's business alone."""

NOT_SET_UP = ("Paging is not set up: add a [paging] table to the config (PagerDuty, Opsgenie or a "
              "command; docs/configuration.md, \"Paging\"). Joining and acknowledging still work.")


class PageWanted(Message):
    """Page ``handle`` or ``role``, with ``message`` for them (may be empty)."""

    def __init__(self, *, handle: str | None = None, role: str | None = None, message: str = "") -> None:
        super().__init__()
        self.handle = handle
        self.role = role
        self.message = message

    @property
    def target(self) -> str:
        return self.handle if self.handle is not None else f"role {self.role}"


async def send_page(screen: Any, wanted: PageWanted) -> None:
    """Send the page for ``screen`` (the incident screen) and record what became of it."""
    from cockpit.paging import build_request, pager_for

    pager = pager_for(screen.config)
    if pager is None:
        screen.notify(NOT_SET_UP, title="Paging", severity="warning", timeout=12, markup=False)
        return
    session = screen.session
    request = build_request(session.state, session=session.name, by=session.handle,
                            handle=wanted.handle, role=wanted.role, message=wanted.message)
    screen.notify(f"Paging {wanted.target} through {pager.name}…", title="Paging", timeout=4, markup=False)
    event = await pager.send(request)
    recorded = screen.record_and_show(event)
    if recorded is None:
        return  # the seat said why (read-only, or kept until the disk takes it)
    if event.ok:
        screen.notify(f"Paged {wanted.target} through {pager.name}: {event.detail}", title="Paging",
                      timeout=6, markup=False)
        await _forward_the_answer(screen, pager, event.dedup_key)
    else:
        screen.notify(f"The page to {wanted.target} did not go out: {event.detail}", title="Paging failed",
                      severity="error", timeout=20, markup=False)


async def _forward_the_answer(screen: Any, pager: Any, dedup_key: str) -> None:
    """Once the record shows the page answered, acknowledge it at the service: looked at each
    time the record changes (the answer is an event, recorded here or followed), for a day."""

    def page_now() -> Any:
        return next((p for p in screen.session.state.pages if p.dedup_key == dedup_key), None)

    try:
        async with asyncio.timeout(ANSWER_WAIT):
            while (page := page_now()) is not None and page.acked_at is None:
                await screen.record_changed()
    except TimeoutError:
        return
    if page is None:
        return
    problem = await pager.acknowledge(page, screen.session.handle)
    if problem:
        screen.notify(f"{page.target} answered, but {pager.name} was not told: {problem}", title="Paging",
                      severity="warning", timeout=12, markup=False)
