"""Microsoft Teams workflow webhooks ("post to a channel when a webhook request is received").

The workflow takes a message with one Adaptive Card attachment; the card holds the incident's
title as a heading and the update's text. A workflow answers 202 Accepted.
"""

from __future__ import annotations

from typing import Any

import httpx

from cockpit.delivery.attempt import Sent, Update, check, host_of, post, webhook_url
from cockpit.settings import TeamsDestination

CARD_VERSION = "1.4"


def card(update: Update) -> dict[str, Any]:
    """The message a Teams workflow posts: an Adaptive Card with a heading and the text."""
    heading = update.title or "Incident update"
    return {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": CARD_VERSION,
                "body": [
                    {"type": "TextBlock", "text": heading, "weight": "Bolder", "size": "Medium",
                     "wrap": True},
                    {"type": "TextBlock", "text": update.text, "wrap": True},
                ],
            },
        }],
    }


async def send(client: httpx.AsyncClient, update: Update, destination: TeamsDestination) -> Sent:
    url = webhook_url(destination.url)
    response = await post(client, "POST", url, json=card(update),
                          timeout=destination.timeout.total_seconds())
    check(response, host_of(url))
    return Sent(f"HTTP {response.status_code} from {host_of(url)}")
