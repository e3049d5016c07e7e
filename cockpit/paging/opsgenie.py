"""Opsgenie's alert API: a page is an alert whose responders are the person's or role's.

``POST /v2/alerts`` with ``Authorization: GenieKey KEY`` and ``{message, alias, description,
responders: [{type: user, username} | {type: team|escalation|schedule, name}], priority, …}``.
Opsgenie answers ``202 {"result": "Request will be processed", "took": …, "requestId": …}``: it
takes the alert and processes it later. ``401``/``403``: the key is wrong; ``422``: the alert is
(``errors`` says which field); ``429``: too many requests, try again later. The ``alias`` is
the page's dedup key: an acknowledgement is ``POST /v2/alerts/ALIAS/acknowledge?identifierType=alias``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from cockpit.paging.page import Delivery, PageFailed, PageRequest, exchange, retry_after, said, secret
from cockpit.settings import OpsgenieSettings

MESSAGE_LIMIT = 130
ALIAS_LIMIT = 250
PRIORITIES = {"SEV1": "P1", "SEV2": "P2", "SEV3": "P3", "SEV4": "P4", "SEV5": "P5"}


def responders_for(settings: OpsgenieSettings, request: PageRequest) -> list[dict[str, str]]:
    """The person's or role's responders, else the defaults, as Opsgenie's objects."""
    written = settings.responders.get(request.target) or settings.default_responders
    if not written:
        raise PageFailed(f"[paging.opsgenie] has no responders for {request.target} and no "
                         "default_responders", retry=False)
    out = []
    for responder in written:
        kind, _, name = responder.partition(":")
        out.append({"type": "user", "username": name} if kind == "user" else {"type": kind, "name": name})
    return out


def alert(request: PageRequest, settings: OpsgenieSettings) -> dict[str, Any]:
    message = request.summary
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    description = [request.summary]
    description += [f"{label}: {url}" for label, url in request.links]
    return {
        "message": message,
        "alias": request.dedup_key[:ALIAS_LIMIT],
        "description": "\n".join(description),
        "responders": responders_for(settings, request),
        "tags": ["cockpit", request.severity],
        "details": {**request.details, "paged": request.target},
        "entity": request.title[:512],
        "source": "cockpit",
        "priority": PRIORITIES.get(request.severity, "P3"),
        "user": request.by,
    }


async def send(client: httpx.AsyncClient, request: PageRequest, settings: OpsgenieSettings) -> Delivery:
    """One try at creating the alert; PageFailed says whether another try may help."""
    key = secret(settings.api_key, "the Opsgenie API key")
    body = alert(request, settings)
    return await _post(client, settings.url, body, key, body["alias"])


async def acknowledge(client: httpx.AsyncClient, request: PageRequest, settings: OpsgenieSettings) -> Delivery:
    """Tell Opsgenie the page was answered: its alert acknowledged, by alias."""
    key = secret(settings.api_key, "the Opsgenie API key")
    alias = request.dedup_key[:ALIAS_LIMIT]
    url = f"{settings.url.rstrip('/')}/{quote(alias, safe='')}/acknowledge?identifierType=alias"
    body = {"user": request.by, "source": "cockpit", "note": "answered in the cockpit"}
    return await _post(client, url, body, key, alias)


async def _post(client: httpx.AsyncClient, url: str, body: dict[str, Any], key: str, alias: str) -> Delivery:
    host, response, answer = await exchange(client, url, body, {"Authorization": f"GenieKey {key}"})
    if response.is_success:
        result = said(answer.get("result") or "accepted", key)
        request_id = said(answer.get("requestId") or "", key)
        return Delivery(f"{host}: {result}" + (f" (request {request_id})" if request_id else ""), alias)
    if response.status_code == 429:
        raise PageFailed(f"{host} is rate limiting (HTTP 429)", retry=True, wait=retry_after(response.headers))
    message = said(answer.get("message") or response.reason_phrase, key)
    errors = answer.get("errors")
    if isinstance(errors, dict) and errors:
        message += ": " + said("; ".join(f"{k}: {v}" for k, v in list(errors.items())[:3]), key)
    if response.status_code in (401, 403):
        message = f"the API key was refused ({message})"
    raise PageFailed(f"{host} refused the page (HTTP {response.status_code}): {message}",
                     retry=response.status_code >= 500)
