"""The incident's links: what may be a link, and every link the record knows.

A link reaches a terminal twice: as the text people read and as the target of an OSC 8
hyperlink (``ESC ] 8 ; ; URL ESC \\``). A URL holding an escape, a BEL or any other control
character could end that sequence early and write whatever follows straight to the terminal, so
such a URL is refused outright, not cleaned: a link that is not exactly what was typed must not
be opened by anyone. Spaces, invisible and text-direction characters are refused too, so the link
people see is the link they open. Only web addresses (``http``/``https``), ``mailto:`` (a
stakeholder list) and ``tel:`` (a dial-in bridge) are links; ``javascript:``, ``file:`` and the
rest are not.

Links come from four places, and :func:`every_link` gathers them for the screen, the drafts and
the report: ``link.added`` events (the bridge, the channel, tickets), the ``runbook`` of protocol
steps, the ``dashboard`` of health endpoints, and the ``runbook_url`` of alerts firing now (only
when it passes the same check: an alert's text comes from outside).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

LinkKind = Literal["bridge", "channel", "dashboard", "ticket", "runbook", "other"]
LINK_KINDS: tuple[LinkKind, ...] = ("bridge", "channel", "dashboard", "ticket", "runbook", "other")
LINK_KIND_WORDS: dict[str, str] = {
    "bridge": "voice/video bridge",
    "channel": "incident channel",
    "dashboard": "dashboard",
    "ticket": "ticket",
    "runbook": "runbook",
    "other": "other",
}
"""How each kind reads in a list people choose from."""

SCHEMES = ("http", "https", "mailto", "tel")
MAX_URL = 2048
"""Longer than any link a person pastes; longer ones are refused rather than cut."""
MAX_LABEL = 120


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a link, in words (None when it can)."""
    if not url:
        return "a link needs a URL, such as https://meet.example.com/incident"
    if len(url) > MAX_URL:
        return f"a link has at most {MAX_URL} characters"
    for char in url:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char == "\x7f":
            return ("a link cannot hold control characters or escape sequences: they could "
                    "change the terminal it is shown on")
        if category == "Cf":
            return "a link cannot hold invisible or text-direction characters"
        if category in ("Zs", "Zl", "Zp"):
            return "a link cannot hold spaces (write them as %20)"
    scheme, colon, rest = url.partition(":")
    if not colon or scheme.lower() not in SCHEMES:
        return "a link starts with https://, http://, mailto: or tel:"
    if scheme.lower() in ("http", "https"):
        host = rest.removeprefix("//").split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if not rest.startswith("//") or not host.rpartition("@")[2].strip(":"):
            return f"a {scheme.lower()}:// link names a host, such as https://meet.example.com/incident"
    elif not rest:
        return f"a {scheme.lower()}: link needs an address after the colon"
    return None


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot name a link (None when it can): one line of visible text."""
    if len(label) > MAX_LABEL:
        return f"a link's label has at most {MAX_LABEL} characters"
    if any(unicodedata.category(c) == "Cc" for c in label):
        return "a link's label cannot hold control characters or line breaks"
    return None


@dataclass(frozen=True, slots=True)
class Link:
    """One link of the incident. ``source`` says where it came from: ``link`` (added by a
    person, ``seq`` its event), ``step:ID`` (a step's runbook) or ``endpoint:NAME`` (a
    dashboard)."""

    label: str
    url: str
    kind: str
    source: str = "link"
    seq: int = 0
    at: datetime | None = None
    by: str = ""


def every_link(state: Any) -> list[Link]:
    """The links of ``state`` (an ``IncidentState``; not imported here, which imports this
    module): the links people added (in the order they were added, a URL once: the latest label
    wins), then the runbooks of the protocol's steps, the endpoints' dashboards, and the runbooks
    of the alerts firing now."""
    added: dict[str, Link] = {}
    for link in state.links:
        added.pop(link.url, None)
        added[link.url] = link
    out = list(added.values())
    seen = set(added)
    for _, step in state.all_steps():
        if step.runbook and step.runbook not in seen:
            seen.add(step.runbook)
            out.append(Link(f"runbook: {step.text}", step.runbook, "runbook", f"step:{step.id}"))
    for endpoint in sorted(state.endpoints.values(), key=lambda e: e.name):
        if endpoint.dashboard and endpoint.dashboard not in seen:
            seen.add(endpoint.dashboard)
            out.append(Link(f"dashboard: {endpoint.name}", endpoint.dashboard, "dashboard",
                            f"endpoint:{endpoint.name}"))
    for alert in state.firing_alerts():  # what the team's monitoring says to read, while it fires
        url = alert.runbook_url
        if url and url not in seen and url.startswith(("http://", "https://")) and url_problem(url) is None:
            seen.add(url)
            out.append(Link(f"runbook: {alert.alertname or alert.fingerprint}", url, "runbook",
                            f"alert:{alert.fingerprint}"))
    return out


def links_of_kind(state: Any, *kinds: str) -> list[Link]:
    """:func:`every_link` of these kinds: ``links_of_kind(state, "bridge", "channel")`` for an
    update's "join us here" line."""
    return [link for link in every_link(state) if link.kind in kinds]
