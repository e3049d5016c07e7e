"""PagerDuty's Events API v2: a page is a ``trigger`` event on the integration of the person or role.

``POST /v2/enqueue`` with ``{routing_key, event_action, dedup_key, payload: {summary, source,
severity, …}, links, client}``. PagerDuty answers ``202 {"status": "success", "message": "Event
processed", "dedup_key": …}``; ``400 {"status": "invalid event", "message": …, "errors": […]}``
when the event is wrong (trying again cannot help); ``429`` when the integration is sent too
much (try again, later). An acknowledgement is an ``acknowledge`` event with the same dedup key.
"""

from __future__ import annotations

from typing import Any

import httpx

from cockpit.paging.page import Delivery, PageFailed, PageRequest, exchange, retry_after, said, secret
from cockpit.settings import PagerDutySettings

SEVERITIES = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info", "SEV5": "info"}
"""The incident's severity in PagerDuty's four words."""


def routing_key_for(settings: PagerDutySettings, request: PageRequest) -> str:
    """The ``env:NAME`` of the integration this page goes to: the person's or role's own, else the
    default; PageFailed when there is neither."""
    reference = settings.routing_keys.get(request.target, settings.routing_key)
    if reference is None:
        raise PageFailed(f"[paging.pagerduty] has no routing key for {request.target} and no default "
                         "routing_key", retry=False)
    return reference


def trigger(request: PageRequest, routing_key: str, settings: PagerDutySettings) -> dict[str, Any]:
    """The trigger event for ``request``."""
    details = {**request.details, "paged": request.target}
    if request.message:
        details["message"] = request.message
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": request.dedup_key,
        "payload": {
            "summary": request.summary,
            "source": settings.source,
            "severity": SEVERITIES.get(request.severity, "error"),
            "component": request.target,
            "group": request.session,
            "class": "incident response",
            "custom_details": details,
        },
        "client": "Cockpit",
        "links": [{"href": url, "text": label} for label, url in request.links],
    }


async def send(client: httpx.AsyncClient, request: PageRequest, settings: PagerDutySettings) -> Delivery:
    """One try at triggering the page; PageFailed says whether another try may help."""
    key = secret(routing_key_for(settings, request), f"the routing key for {request.target}")
    body = trigger(request, key, settings)
    return await _post(client, settings.url, body, key)


async def acknowledge(client: httpx.AsyncClient, request: PageRequest, settings: PagerDutySettings) -> Delivery:
    """Tell PagerDuty the page was answered, so it stops escalating."""
    key = secret(routing_key_for(settings, request), f"the routing key for {request.target}")
    body = {"routing_key": key, "event_action": "acknowledge", "dedup_key": request.dedup_key}
    return await _post(client, settings.url, body, key)


async def _post(client: httpx.AsyncClient, url: str, body: dict[str, Any], key: str) -> Delivery:
    host, response, answer = await exchange(client, url, body)
    if response.status_code == 202 or response.is_success:
        message = said(answer.get("message") or "accepted", key)
        return Delivery(f"{host}: {message}", said(answer.get("dedup_key") or body["dedup_key"], key))
    if response.status_code == 429:
        raise PageFailed(f"{host} is rate limiting (HTTP 429)", retry=True, wait=retry_after(response.headers))
    message = said(answer.get("message") or response.reason_phrase, key)
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        message += ": " + said("; ".join(str(e) for e in errors[:3]), key)
    retry = response.status_code >= 500
    raise PageFailed(f"{host} refused the page (HTTP {response.status_code}): {message}", retry=retry)
