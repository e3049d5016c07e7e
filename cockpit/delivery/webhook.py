"""Any HTTP receiver: the update and the incident as one JSON object (docs/updates.md).

Headers may carry a token as ``env:NAME``, read when the update is sent. Any 2xx is delivered.
"""

from __future__ import annotations

from typing import Any

import httpx

from cockpit.delivery.attempt import Sent, Update, check, host_of, post, secret, webhook_url
from cockpit.settings import WebhookDestination


def document(update: Update) -> dict[str, Any]:
    """What the receiver gets: the text, its audience and the incident's state, times in UTC."""
    return {
        "kind": "update.posted", "update": update.seq, "text": update.text,
        "audience": update.audience, "posted_at": update.posted_at.isoformat(), "by": update.by,
        "next_update_at": update.next_update_at.isoformat() if update.next_update_at else None,
        "incident": {"title": update.title, "severity": update.severity, "status": update.status,
                     "session": update.session},
    }


async def send(client: httpx.AsyncClient, update: Update, destination: WebhookDestination) -> Sent:
    url = webhook_url(destination.url)
    headers = {name: secret(value, f"the header {name}") for name, value in destination.headers.items()}
    response = await post(client, "POST", url, json=document(update), headers=headers,
                          timeout=destination.timeout.total_seconds())
    check(response, host_of(url))
    return Sent(f"HTTP {response.status_code} from {host_of(url)}")
