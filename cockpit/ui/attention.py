"""Attention: the few things a lead must not miss, however busy the screen or quiet calm mode.

Five kinds of signal, each read from the state (so every seat computes the same ones): an
endpoint DOWN, an alert firing, a protocol step LATE, an ask-timer whose time is up, a page nobody
has answered past ``[paging] ack_warn_after``. Each has an
identity (the endpoint and since when it is down, the alert and since when it fires, the step
and the deadline it missed, the ask), so that it is *new* once, when it becomes true: a DOWN
that recovers and goes down again is new again; a DOWN that lasts is not new every second.

``Attention`` is one seat's memory of them. Its first look (when the seat opens) takes what is
already true as known: shown, but not announced, so opening mid-outage does not ring for every
old event. Everything it has not been shown yet stays *unseen* until the lead has seen it
(docs/screen.md, "Attention"): opening the pane it belongs to, or leaving calm mode, where the
unseen ones broke through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cockpit.domain.durations import to_the_minute
from cockpit.domain.paging import DEFAULT_WARN_AFTER, unanswered
from cockpit.domain.state import IncidentState
from cockpit.text import printable

SignalKind = Literal["down", "firing", "late", "ask", "page"]
PANE_OF: dict[SignalKind, str] = {"down": "health", "firing": "health", "late": "protocol", "ask": "team",
                                  "page": "team"}
"""Where the lead looks at each kind: opening that pane is seeing it."""


@dataclass(frozen=True, slots=True)
class Signal:
    kind: SignalKind
    key: tuple[object, ...]
    """What makes it the same thing from one look to the next."""
    title: str
    text: str
    """One line, printable: what the toast and calm mode say."""

    @property
    def pane(self) -> str:
        return PANE_OF[self.kind]


def signals(state: IncidentState, now: datetime,
            page_warn_after: timedelta = DEFAULT_WARN_AFTER) -> list[Signal]:
    """Everything that calls for attention at ``now``, the most urgent kinds first."""
    return standing(state) + timed(state, now, page_warn_after)


def standing(state: IncidentState) -> list[Signal]:
    """The signals the events alone decide (DOWN, firing): the same until the state changes."""
    out = []
    for endpoint in sorted(state.endpoints.values(), key=lambda e: e.name):
        if endpoint.state == "down":
            name = printable(endpoint.name, one_line=True)
            why = printable(endpoint.detail, one_line=True)
            out.append(Signal("down", ("down", endpoint.name, endpoint.since), "Health",
                              f"▼ {name} DOWN" + (f": {why}" if why else "")))
    for alert in state.firing_alerts():
        name = printable(alert.alertname or alert.fingerprint, one_line=True)
        severity = printable(alert.severity, one_line=True)
        summary = printable(alert.summary, one_line=True)
        out.append(Signal("firing", ("firing", alert.fingerprint, alert.since), "Alert firing",
                          f"{'‼' if alert.critical else '!'} {name} firing"
                          + (f" ({severity})" if severity else "") + (f": {summary}" if summary else "")))
    return out


def timed(state: IncidentState, now: datetime,
          page_warn_after: timedelta = DEFAULT_WARN_AFTER) -> list[Signal]:
    """The signals time itself brings (a step LATE, an ask whose time is up, a page nobody has
    answered for ``page_warn_after``: ``[paging] ack_warn_after``)."""
    out: list[Signal] = []
    if state.resolved_at is not None:  # the clocks stopped: nothing is late any more
        return out
    for view in state.step_views(now):
        if view.overdue is not None:
            owner = f" ({printable(view.step.owner, one_line=True)})" if view.step.owner else ""
            out.append(Signal("late", ("late", view.step.id, view.due_at), "Protocol",
                              f"LATE {to_the_minute(view.overdue.total_seconds())}: "
                              f"{printable(view.step.text, one_line=True)}{owner}"))
    for ask in state.asks_due(now):
        out.append(Signal("ask", ("ask", ask.seq), "Ask-timer",
                          f"{printable(ask.handle, one_line=True)}: {printable(ask.task, one_line=True)}"
                          " — time is up. Check in, then acknowledge it in Team (3) with Enter on the ask."))
    for page in unanswered(state, now, page_warn_after):
        waited = int((now - page.at).total_seconds() // 60)
        out.append(Signal("page", ("page", page.seq), "Paging",
                          f"{printable(page.target, one_line=True)} paged {waited} min ago, no answer yet:"
                          " page again or call someone else (Team, 3)"))
    return out


def summary(state: IncidentState, now: datetime, current: list[Signal] | None = None) -> str:
    """The header's health and attention words: ``▼ 1 down · 2 firing · 1 late · 1 ask due``;
    ``▲ all up`` when every endpoint is up and nothing fires; empty with nothing to watch.
    ``current``: the signals at ``now``, when already known (``Attention.current``)."""
    kinds = [s.kind for s in (signals(state, now) if current is None else current)]
    endpoints = state.endpoints.values()
    degraded = sum(1 for e in endpoints if e.state == "degraded")
    unknown = sum(1 for e in endpoints if e.state == "unknown")
    asks = kinds.count("ask")
    pages = kinds.count("page")
    words = [word for count, word in (
        (kinds.count("down"), f"▼ {kinds.count('down')} down"),
        (degraded, f"◆ {degraded} degraded"),
        (kinds.count("firing"), f"{kinds.count('firing')} firing"),
        (kinds.count("late"), f"{kinds.count('late')} late"),
        (asks, f"{asks} ask{'s' if asks != 1 else ''} due"),
        (pages, f"{pages} page{'s' if pages != 1 else ''} unanswered"),
    ) if count]
    if words:
        return " · ".join(words)
    if unknown:
        return f"? {unknown} unknown"
    return "▲ all up" if endpoints else ""


class Attention:
    """One seat's memory of the signals: which are new (to announce) and which are unseen."""

    def __init__(self, *, page_warn_after: timedelta = DEFAULT_WARN_AFTER) -> None:
        self.page_warn_after = page_warn_after
        self._known: set[tuple[object, ...]] | None = None
        self._unseen: set[tuple[object, ...]] = set()
        self._current: list[Signal] = []
        self._standing: tuple[tuple[object, object], list[Signal]] | None = None

    def observe(self, state: IncidentState, now: datetime) -> list[Signal]:
        """Look at ``state``: the signals that became true since the last look (none on the
        first: what was already true is shown, not announced). Called every second: what only
        the events decide (``standing``) is worked out again only when the endpoints or the
        alerts are others."""
        made_of = (state.endpoints, state.alerts)  # a note recorded shares both: kept
        if self._standing is None or any(a is not b for a, b in zip(self._standing[0], made_of)):
            self._standing = (made_of, standing(state))
        current = self._standing[1] + timed(state, now, self.page_warn_after)
        keys = {s.key for s in current}
        first = self._known is None
        known = self._known if self._known is not None else set()
        new = [] if first else [s for s in current if s.key not in known]
        self._known = known | keys
        self._unseen = (self._unseen & keys) | ({s.key for s in current if s.key not in known})
        self._current = current
        return new

    @property
    def current(self) -> list[Signal]:
        """Every signal as of the last look."""
        return self._current

    @property
    def unseen(self) -> list[Signal]:
        """What the lead has not seen yet and is still true, the most urgent kinds first."""
        return [s for s in self._current if s.key in self._unseen]

    def seen(self, *, panes: Iterable[str] = (), keys: Iterable[tuple[object, ...]] = ()) -> None:
        """The lead has seen the signals of these panes, and these signals by key."""
        wanted = set(panes)
        self._unseen -= {s.key for s in self._current if s.pane in wanted} | set(keys)


def breakthrough(unseen: list[Signal]) -> str:
    """Calm mode's one line: the most urgent unseen signal, and what else is unseen, by kind."""
    if not unseen:
        return ""
    rest = [s.kind for s in unseen[1:]]
    more = ", ".join(f"{rest.count(kind)} {KIND_WORDS[kind]}" for kind in dict.fromkeys(rest))
    return f"{unseen[0].text}" + (f"  (also {more})" if more else "")


KIND_WORDS: dict[SignalKind, str] = {"down": "down", "firing": "firing", "late": "late", "ask": "ask due",
                                     "page": "unanswered page"}
