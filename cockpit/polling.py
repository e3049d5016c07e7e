"""Which endpoints a seat polls, and how what it finds is recorded.

A session records its endpoints fully (secrets only as ``env:`` names), so reopening an incident
without its config still polls what it watched. Only the seat holding the poller lease polls
(``cockpit.seats.PollerLease``); a seat that takes over starts from "unknown" and must not record
"unknown -> up" for what the file already shows up, hence ``news_only``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cockpit.domain.events import HealthChanged
from cockpit.redact import MASK, origin
from cockpit.seats import health_news
from cockpit.session import Session
from cockpit.settings import Config, EndpointConfig, recorded_endpoints


def endpoints_to_poll(session: Session, config: Config) -> tuple[list[EndpointConfig], list[str]]:
    """The session's endpoints as this seat may poll them, and what was withheld, in words.

    A session never spends the opener's secrets on a URL the opener did not configure: an
    endpoint is polled with ``env:`` headers only when the opener's own config declares it (same
    name, same origin), as that config says. Otherwise it is polled as the session recorded it,
    without its secret headers (and a masked URL stays masked: it is not polled)."""
    configured = {e.name: e for e in config.endpoints}
    refs = list(session.state.endpoint_refs.values())
    recorded = {e.name: e for e in recorded_endpoints(refs)}
    chosen, withheld = [], []
    for name in session.state.endpoints:
        mine, theirs = configured.get(name), recorded.get(name)
        if mine is not None and (theirs is None or origin(mine.url) == origin(theirs.url)):
            chosen.append(mine)
            continue
        if theirs is None:
            continue
        if MASK in theirs.url:
            withheld.append(f"{name}: its recorded URL has masked credentials; not polled")
            continue
        secret = {k for k, v in theirs.headers.items() if v.startswith("env:")}
        if secret:
            withheld.append(f"{name}: polled without {', '.join(sorted(secret))}, which your own"
                            " config does not give this endpoint")
        chosen.append(theirs.model_copy(update={"headers": {
            k: v for k, v in theirs.headers.items() if k not in secret}}))
    return chosen, withheld


def live_monitor(session: Session, config: Config, on_event: Any,
                 warn: Callable[[str], object] = lambda text: None) -> Any:
    """A Monitor for the session's endpoints that the config in force knows how to probe, on
    a thread of its own (``cockpit.health.threaded``: the screen's keys never wait for a check).

    Each health change passes through ``health_news`` before ``on_event``: a seat taking over the
    polling starts from "unknown" and must not record "unknown -> up" for what the file shows up.
    What is withheld from a recorded endpoint (the opener's secrets) is said once, through ``warn``.
    """
    if session.read_only:
        return None
    endpoints, withheld = endpoints_to_poll(session, config)
    if withheld:
        warn("Secrets stay with their owner. " + "; ".join(withheld) + ".")
    if not endpoints:
        return None
    from cockpit.health.monitor import Monitor
    from cockpit.health.threaded import MonitorThread

    return MonitorThread(lambda report: Monitor(endpoints, report, clock=session.clock),
                         news_only(session, on_event))


def news_only(session: Session, record: Any) -> Any:
    """``record`` for a monitor's events, passing on a health change only when the file does not
    already say so (``health_news``), with the "from" the file knows."""

    def record_news(event: Any) -> Any:
        if isinstance(event, HealthChanged):
            event = health_news(session.state, event)
            if event is None:
                return None
        return record(event)

    return record_news
