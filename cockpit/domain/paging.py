"""Where a page stands, in words: "paged 4 min ago, no ack", and when that becomes a warning.

The roster, ``cockpit status`` and the report say it the same way. ``warn_after`` is
``[paging] ack_warn_after``: a page waiting longer than that is a warning (someone was called
and nobody answered), shown with a symbol as well as a colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit.domain.state import IncidentState, Page

DEFAULT_WARN_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PageStatus:
    text: str
    warn: bool
    """Waiting longer than ``warn_after``, or never delivered."""


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "<1 min ago"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h {minutes % 60:02d} min ago"


def page_status(page: Page, now: datetime, warn_after: timedelta = DEFAULT_WARN_AFTER) -> PageStatus:
    """``paged 4 min ago, no ack``; ``paged 04:12, acked 04:15 (joined)``; ``page failed: …``."""
    if not page.ok:
        return PageStatus(f"page failed: {page.detail}" if page.detail else "page failed", True)
    if page.acked_at is not None:
        waited = int(max((page.acked_at - page.at).total_seconds(), 0) // 60)
        how = f", {page.acked_how}" if page.acked_how else ""
        return PageStatus(f"paged {page.at:%H:%M}, acked {page.acked_at:%H:%M} "
                          f"({waited} min{how})", False)
    waiting = max((now - page.at).total_seconds(), 0)
    return PageStatus(f"paged {_ago(waiting)}, no ack", waiting >= warn_after.total_seconds())


def unanswered(state: IncidentState, now: datetime,
               warn_after: timedelta = DEFAULT_WARN_AFTER) -> list[Page]:
    """Pages waiting for an answer longer than ``warn_after`` (none once resolved)."""
    if state.resolved_at is not None:
        return []
    return [p for p in state.waiting_pages() if now - p.at >= warn_after]
