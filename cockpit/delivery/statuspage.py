"""An Atlassian Statuspage page, through its incidents API.

The first update opens an incident (``POST /v1/pages/{page_id}/incidents``); the id it answers is
kept in the ``update.delivered`` event, and each later update changes that incident (``PATCH
/v1/pages/{page_id}/incidents/{id}``). The incident's status follows ours (investigating,
identified, monitoring, resolved: the same four words), so resolving resolves it there. The key
goes as ``Authorization: OAuth KEY``. Statuspage refuses with 401 (key), 404 (page or incident),
422 (what the body lacked, in ``error``) and rate-limits with 420 or 429.
"""

from __future__ import annotations

from typing import Any

import httpx

from cockpit.delivery.attempt import NotSent, Sent, Update, check, host_of, post, said, secret
from cockpit.settings import StatuspageDestination

STATUSES = {"investigating": "investigating", "identified": "identified",
            "monitoring": "monitoring", "resolved": "resolved"}
"""Our status → theirs (incident statuses of realtime incidents)."""
NAME_LIMIT = 255


def _error_words(response: httpx.Response) -> str:
    """Statuspage says why in ``error``: a string, or a list of them (422)."""
    try:
        error = response.json().get("error", "")
    except (ValueError, AttributeError):
        return response.text
    return "; ".join(map(str, error)) if isinstance(error, list) else str(error)


async def send(client: httpx.AsyncClient, update: Update, destination: StatuspageDestination) -> Sent:
    key = secret(destination.api_key, "the API key")
    base = destination.url.rstrip("/") + f"/v1/pages/{destination.page_id}/incidents"
    host = host_of(base)
    incident: dict[str, Any] = {"status": STATUSES.get(update.status, "investigating"),
                                "body": update.text}
    if update.remote_id:
        method, url = "PATCH", f"{base}/{update.remote_id}"
    else:
        method, url = "POST", base
        incident["name"] = (update.title or "Incident")[:NAME_LIMIT]
    response = await post(client, method, url, json={"incident": incident},
                          headers={"Authorization": f"OAuth {key}"},
                          timeout=destination.timeout.total_seconds())
    if not response.is_success:
        check(response, host, words=_error_words(response))
    try:
        remote_id = str(response.json()["id"])
    except (ValueError, KeyError, TypeError):
        raise NotSent(f"HTTP {response.status_code} from {host} without the incident's id") from None
    done = "updated" if update.remote_id else "opened"
    return Sent(f"HTTP {response.status_code} from {host}: incident {said(remote_id)} {done} "
                f"({incident['status']})", remote_id=said(remote_id))
