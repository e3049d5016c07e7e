"""Which endpoints a seat polls, and how what it finds is recorded.

A session records its endpoints fully (secrets only as ``env:`` names), so reopening an incident
without its config still polls what it watched. Only the seat holding the poller lease polls
(``cockpit.seats.PollerLease``); a seat that takes over starts from "unknown" and must not record
"unknown -> up" for what the file already shows up, hence ``news_only``.
"""

from __future__ import annotations

from typing import Any

from cockpit.domain.events import HealthChanged, SessionConfigured
from cockpit.seats import health_news
from cockpit.session import Session
from cockpit.settings import Config, EndpointConfig, recorded_endpoints


def endpoints_to_poll(session: Session, config: Config) -> list[EndpointConfig]:
    """The session's endpoints, as the config in force defines them, else as the session recorded
    them: reopening an incident without its config still polls what it watched."""
    configured = {e.name: e for e in config.endpoints}
    refs = [ref for e in session.events if isinstance(e, SessionConfigured) for ref in e.endpoints]
    recorded = {e.name: e for e in recorded_endpoints(refs)}
    chosen = (configured.get(name) or recorded.get(name) for name in session.state.endpoints)
    return [e for e in chosen if e is not None]


def live_monitor(session: Session, config: Config, on_event: Any) -> Any:
    """A Monitor for the session's endpoints that the config in force knows how to probe.

    Each health change passes through ``health_news`` before ``on_event``: a seat taking over the
    polling starts from "unknown" and must not record "unknown -> up" for what the file shows up.
    """
    if session.read_only:
        return None
    endpoints = endpoints_to_poll(session, config)
    if not endpoints:
        return None
    from cockpit.health.monitor import Monitor

    return Monitor(endpoints, news_only(session, on_event), clock=session.clock)


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
