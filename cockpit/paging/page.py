"""What a page says and what became of it, whichever service carries it.

A :class:`PageRequest` is built from the incident as it stands when someone presses the key (or
runs ``cockpit page``): who or which role is wanted, the incident's title, severity and status,
and the links responders need first (the bridge and the channel). Each service turns it into its
own request; a :class:`Delivery` is what came back, and :func:`page_event` the ``page.sent`` the
session records.

Errors name the service's host, never its full address, and never a key: the text that reaches
the record and the screen is built here, from the answer's status and its own short message.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cockpit.domain import events as ev
from cockpit.domain.links import links_of_kind
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import ROLE_TITLES
from cockpit.text import printable

SUMMARY_LIMIT = 1024
"""PagerDuty's limit on a summary; Opsgenie's message is shorter still (its own module cuts it)."""
DETAIL_LIMIT = 300
"""How much of a service's own error message the record keeps."""


class PageFailed(Exception):
    """A page that did not go out. ``retry``: whether trying again may help (the service was
    busy, unreachable or answered 5xx/429); ``wait``: how long it asked us to wait, if it said."""

    def __init__(self, detail: str, *, retry: bool, wait: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry = retry
        self.wait = wait


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page, ready for any service."""

    handle: str | None
    role: str | None
    summary: str
    message: str
    severity: str
    status: str
    title: str
    session: str
    by: str
    dedup_key: str
    links: tuple[tuple[str, str], ...] = ()
    """(label, url) of the links a responder needs first: the bridge and the channel."""
    details: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str:
        """The key the config maps to a routing key or responders: the handle, else the role."""
        return self.handle if self.handle is not None else str(self.role)

    def document(self) -> dict[str, Any]:
        """The page as JSON, for the team's own command (on its standard input)."""
        return {
            "handle": self.handle, "role": self.role, "summary": self.summary,
            "message": self.message, "severity": self.severity, "status": self.status,
            "title": self.title, "session": self.session, "by": self.by,
            "dedup_key": self.dedup_key,
            "links": [{"label": label, "url": url} for label, url in self.links],
        }


@dataclass(frozen=True, slots=True)
class Delivery:
    """The service took the page: what it said, and the key it knows the page by."""

    detail: str
    dedup_key: str


def new_dedup_key(session: str, target: str) -> str:
    """``cockpit-2026-11-27-checkout-errors-alice-3f9c2a``: unique per page (paging someone again
    is a new call, not a duplicate the service would swallow), readable in the service's UI."""
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in f"{session}-{target}")
    return f"cockpit-{stem[:200]}-{secrets.token_hex(3)}"


def build_request(state: IncidentState, *, session: str, by: str, handle: str | None = None,
                  role: str | None = None, message: str = "") -> PageRequest:
    """The page for ``handle`` or ``role`` in the incident as it stands."""
    if (handle is None) == (role is None):
        raise ValueError("a page is for one person or one role")
    wanted = handle if handle is not None else ROLE_TITLES.get(str(role), str(role))
    severity = state.severity or "SEV?"
    title = printable(state.title, one_line=True) or "an incident"
    summary = f"{severity} {title}: {wanted} needed"
    message = printable(message, one_line=True)
    if message:
        summary += f" — {message}"
    links = tuple((printable(link.label, one_line=True), link.url)
                  for link in links_of_kind(state, "bridge", "channel"))
    details = {"incident": title, "severity": severity, "status": state.status, "paged by": by,
               "session": session}
    if state.commander:
        details["commander"] = state.commander
    return PageRequest(handle, role, summary[:SUMMARY_LIMIT], message, severity, state.status, title,
                       session, by, new_dedup_key(session, handle or f"role-{role}"), links, details)


def page_event(request: PageRequest, service: str, *, delivered: Delivery | None = None,
               failure: str = "") -> ev.PageSent:
    """The ``page.sent`` to record: delivered with what the service said, or failed and why."""
    target: dict[str, Any] = {"handle": request.handle} if request.handle is not None else {"role": request.role}
    if delivered is not None:
        return ev.PageSent(**target, service=service, message=request.message or request.summary,
                           detail=delivered.detail, dedup_key=delivered.dedup_key)
    return ev.PageSent(**target, service=service, message=request.message or request.summary,
                       detail=failure, dedup_key=request.dedup_key, ok=False)


def host_of(url: str) -> str:
    """What an error may say about where a page went: the host (and port), nothing more."""
    try:
        parts = urlsplit(url)
        return parts.netloc.rsplit("@", 1)[-1] or "the pager service"
    except ValueError:
        return "the pager service"


def secret(reference: str, what: str) -> str:
    """The value of ``env:NAME``, read now and never kept; PageFailed when it is not set."""
    name = reference.removeprefix("env:")
    value = os.environ.get(name, "").strip()
    if not value:
        raise PageFailed(f"{what} is set to env:{name}, but ${name} is empty or not set", retry=False)
    return value


def said(text: object, *secrets_: str) -> str:
    """A service's own words, safe to record: one printable line, short, no secret in it."""
    line = printable(str(text), one_line=True)
    for value in secrets_:
        if value:
            line = line.replace(value, "***")
    return line[:DETAIL_LIMIT]


async def exchange(client: Any, url: str, body: dict[str, Any],
                   headers: dict[str, str] | None = None) -> tuple[str, Any, dict[str, Any]]:
    """POST ``body`` to a pager service: its host (what errors may name), the response, and its
    JSON answer (empty when it is not a JSON object). No answer in time, or no connection, is a
    PageFailed worth retrying; what the service said is the caller's to judge."""
    import httpx

    host = host_of(url)
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        raise PageFailed(f"{host} did not answer in time", retry=True) from None
    except httpx.HTTPError as exc:
        raise PageFailed(f"cannot reach {host} ({type(exc).__name__})", retry=True) from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    return host, response, answer if isinstance(answer, dict) else {}


def retry_after(headers: Any) -> float | None:
    """Seconds a 429 asks us to wait (``Retry-After`` in seconds), if it says."""
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
