"""Slack incoming webhooks, and the servers that take the same shape (Mattermost).

The update is posted as ``{"text": …}``. Slack answers 200 with the body ``ok``, and refuses
with a word in the body: ``invalid_payload`` (400), ``invalid_token`` or ``action_prohibited``
(403), ``no_service`` or ``channel_not_found`` (404), ``channel_is_archived`` (410), and 429 with
``Retry-After`` when rate limited.
"""

from __future__ import annotations

import httpx

from cockpit.delivery.attempt import Sent, Update, check, host_of, post, webhook_url
from cockpit.settings import SlackDestination


def slack_escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack asks for them, so "<!channel>" in a note stays text.

    Markdown-based receivers (Mattermost and friends) decode the same entities back.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def send(client: httpx.AsyncClient, update: Update, destination: SlackDestination) -> Sent:
    url = webhook_url(destination.url)
    response = await post(client, "POST", url, json={"text": slack_escape(update.text)},
                          timeout=destination.timeout.total_seconds())
    check(response, host_of(url))
    return Sent(f"HTTP {response.status_code} from {host_of(url)}")
