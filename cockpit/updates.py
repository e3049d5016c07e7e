"""Status updates: a draft from the incident state, and the post to a Slack-compatible webhook.

The draft follows the Conditions / Actions / Needs form incident leads use on the bridge:

- **Conditions**: what is affected, the severity and status, which endpoints are down;
- **Actions**: the recent decisions and actions, and who is on it;
- **Needs**: open asks and the roles nobody holds yet.

An external update is written for customers: no handles, no asks, no internal endpoint names,
only what is affected, what we are doing and when the next update comes.

The webhook is configured as a URL or an ``env:NAME`` reference, resolved only when an update is
sent so the secret never lands in a config or session file. Error messages name the host, never
the full URL: webhook URLs carry their token in the path.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from cockpit.domain.durations import format_clock
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import IMPACT_LABELS, ROLE_TITLES, Audience
from cockpit.settings import UpdateSettings
from cockpit.text import printable

ROLES_TO_FILL = ("commander", "deputy", "scribe", "ops", "comms")
"""The roles an incident lead expects filled early; an empty one is a need."""

RECENT_NOTES = 5
POST_TIMEOUT_S = 10.0

_EXTERNAL_STATUS = {
    "investigating": "We are investigating the cause.",
    "identified": "We have identified the cause and are working on a fix.",
    "monitoring": "A fix is in place and we are monitoring the results.",
    "resolved": "The issue is resolved.",
}


class WebhookError(Exception):
    """The update could not be posted; the message says why, without the webhook's secret."""


# -- timing -----------------------------------------------------------------------------------


def update_cadence(state: IncidentState, settings: UpdateSettings, audience: Audience) -> timedelta:
    """How long until the next update of this audience is owed.

    The stricter of the protocol's recurring update step and the team's ``[updates]`` setting:
    promising the earlier time never leaves either of them late.
    """
    configured = settings.external_every if audience == "external" else settings.internal_every
    cadences = [configured]
    for _, step in state.all_steps():
        if step.done_on == f"{audience}-update" and step.every is not None:
            cadences.append(step.every)
    return min(cadences)


def due_audience(state: IncidentState, now: datetime) -> Audience:
    """The audience whose update the protocol asks for soonest (or most overdue); else internal."""
    due = [(view.due_at, view.step.done_on) for view in state.step_views(now)
           if view.is_open and view.due_at is not None
           and view.step.done_on in ("internal-update", "external-update")]
    return "external" if due and min(due)[1] == "external-update" else "internal"


# -- the draft --------------------------------------------------------------------------------


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"


def _clean(text: str) -> str:
    return printable(text, one_line=True)


def draft_update(state: IncidentState, now: datetime, *, audience: Audience,
                 next_update_at: datetime | None) -> str:
    """The text of a status update, ready to edit: a header, then Conditions, Actions, Needs."""
    if audience == "external":
        lines = _external(state)
    else:
        lines = _internal(state, now)
    if next_update_at is not None and state.status != "resolved":
        lines += ["", f"Next update by {_hhmm(next_update_at)}."]
    return "\n".join(lines)


def _header(state: IncidentState, label: str) -> list[str]:
    severity = state.severity or "SEV?"
    return [f"[{severity}] {_clean(state.title) or 'Incident'} — {state.status.upper()} ({label})"]


def _internal(state: IncidentState, now: datetime) -> list[str]:
    elapsed = ""
    if state.declared_at is not None:
        elapsed = f", declared {_hhmm(state.declared_at)} (T+{format_clock((now - state.declared_at).total_seconds())})"
    lines = _header(state, f"internal update {_hhmm(now)}")
    lines += ["", "Conditions"]
    lines.append(f"- Severity {state.severity or 'not set'}, status {state.status}{elapsed}")
    impact = [f"{IMPACT_LABELS[k]}: {_clean(v)}" for k, v in state.impact.items()
              if k in IMPACT_LABELS and v and v != "unknown"]
    lines.append(f"- Impact: {'; '.join(impact)}" if impact else "- Impact: not sized up yet")
    down = [e for e in state.endpoints.values() if e.state == "down"]
    degraded = [e for e in state.endpoints.values() if e.state == "degraded"]
    if down:
        lines.append("- Endpoints down: " + ", ".join(
            _clean(e.name) + (f" ({_clean(e.detail)})" if e.detail else "") for e in down))
    if degraded:
        lines.append("- Endpoints degraded: " + ", ".join(_clean(e.name) for e in degraded))
    if state.endpoints and not down and not degraded:
        lines.append("- Endpoints: none down")

    lines += ["", "Actions"]
    since = state.updates[-1].seq if state.updates else 0
    recent = [n for n in state.notes if n.tag in ("decision", "action") and n.seq > since]
    for note in recent[-RECENT_NOTES:]:
        lines.append(f"- {note.at:%H:%M} {note.tag}: {_clean(note.text)} ({_clean(note.by)})")
    if not recent:
        lines.append("- No new decisions or actions since the last update")
    on_it = [f"{_clean(t.handle)} ({ROLE_TITLES.get(t.role, t.role)})" for t in state.roles if t.current]
    lines.append(f"- On it: {', '.join(on_it)}" if on_it else "- On it: nobody has a role yet")

    lines += ["", "Needs"]
    asks = state.open_asks()
    for ask in asks:
        lines.append(f"- {_clean(ask.handle)}: {_clean(ask.task)} (back by {_hhmm(ask.due_at)})")
    empty = [ROLE_TITLES[r] for r in ROLES_TO_FILL if not state.holders(r)]
    if empty:
        lines.append(f"- Unassigned: {', '.join(empty)}")
    if not asks and not empty:
        lines.append("- Nothing open")
    return lines


def _external(state: IncidentState) -> list[str]:
    lines = _header(state, "status update")
    lines += ["", "Conditions"]
    services = state.impact.get("services", "")
    regions = state.impact.get("regions", "")
    functionality = state.impact.get("functionality", "")
    affected = f"- Affected: {_clean(services)}" if services else "- Affected: some of our services"
    if regions:
        affected += f" in {_clean(regions)}"
    lines.append(affected)
    if functionality and functionality not in ("unknown", "none"):
        lines.append(f"- Functionality: {_clean(functionality)}")
    lines += ["", "Actions", f"- {_EXTERNAL_STATUS.get(state.status, 'We are working on it.')}"]
    return lines


# -- the webhook ------------------------------------------------------------------------------


def resolve_webhook(spec: str) -> str:
    """The webhook URL from ``spec`` (a URL or ``env:NAME``), read now and never stored."""
    spec = spec.strip()
    if spec.startswith("env:"):
        name = spec[4:]
        value = os.environ.get(name, "").strip()
        if not value:
            raise WebhookError(f"the webhook is set to env:{name}, but ${name} is empty or not set")
        spec = value
    if not spec.startswith(("http://", "https://")):
        raise WebhookError("the webhook is not an http:// or https:// URL")
    return spec


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1] or "the webhook"


def slack_escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack asks for them, so "<!channel>" in a note stays text.

    Markdown-based receivers (Mattermost and friends) decode the same entities back.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def post_update(url: str, text: str, *, timeout: float = POST_TIMEOUT_S) -> None:
    """POST ``{"text": text}`` as JSON, the shape Slack-compatible incoming webhooks take.

    Raises WebhookError with a reason a person can act on; any 2xx answer is success.
    """
    host = _host(url)
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, json={"text": slack_escape(text)})
    except httpx.TimeoutException:
        raise WebhookError(f"{host} did not answer within {timeout:g} s") from None
    except httpx.ConnectError:
        raise WebhookError(f"cannot connect to {host} (refused or unreachable)") from None
    except httpx.HTTPError as exc:
        raise WebhookError(f"posting to {host} failed: {type(exc).__name__}") from None
    if not response.is_success:
        body = printable(response.text[:200], one_line=True)
        reason = f"{host} answered HTTP {response.status_code}"
        raise WebhookError(f"{reason}: {body}" if body else reason)
