"""Status update drafts, written from the incident state for the people who will read them.

Two readers, two drafts:

- **External** (customers, the status page): plain language. No severity codes, no status words
  of the bridge (INVESTIGATING), no handles, no endpoint names: what customers notice (from the
  size-up: who, which services, where, how badly), what we are doing, and when the next update
  comes. Once resolved it is the all-clear: the service works again, and no next update is owed.
- **Internal** (the responders, the stakeholders): the Conditions / Actions / Needs form, each
  fact said once. Conditions: severity, status and clock, impact, endpoints. Actions: the
  decisions since the last update, then one line per person with all their roles and what they
  are on now (their ask). Follow-ups (action notes) are things to do after the incident: they have
  their own section, never mixed with the current work. Needs: unheld roles and answers overdue.
  Links: the bridge, the channel, tickets and dashboards people added.
  Once resolved, the functionality is said to be restored (unless someone sized it up again after
  the resolution): a resolved incident is never "partial".

A draft is built from the state it is given; the composer builds it again from the state at the
moment the update is sent, so what other seats recorded meanwhile is in it. Every text from people
and endpoints passes :func:`cockpit.text.printable`.
"""

from __future__ import annotations

from datetime import datetime

from cockpit.domain.durations import format_clock
from cockpit.domain.links import every_link
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import IMPACT_LABELS, ROLE_TITLES, ROLES, Audience
from cockpit.narrate import SEVERITY_WORDS
from cockpit.text import printable

ROLES_TO_FILL = ("commander", "deputy", "scribe", "ops", "comms")
"""The roles an incident lead expects filled early; an empty one is a need."""

RECENT_NOTES = 5
"""Decisions and follow-ups shown per section; older ones are counted, not listed."""

_DOING = {
    "investigating": "We are investigating the cause.",
    "identified": "We have found the cause and are working on a fix.",
    "monitoring": "A fix is in place and we are watching closely to make sure it holds.",
}

_WHO = {
    "few": "A small number of customers",
    "some": "Some customers",
    "most": "Most customers",
    "all": "All customers",
}

_HOW = {
    "degraded": "may find {what} slower than usual or failing now and then",
    "partial": "may find parts of {what} unavailable",
    "outage": "cannot use {what}",
}


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M} UTC"


def _clean(text: str) -> str:
    return printable(text, one_line=True)


def draft_update(state: IncidentState, now: datetime, *, audience: Audience,
                 next_update_at: datetime | None) -> str:
    """The text of a status update for ``audience``, ready to edit."""
    lines = external_draft(state, now) if audience == "external" else internal_draft(state, now)
    if next_update_at is not None and state.status != "resolved":
        lines += ["", f"Next update by {_hhmm(next_update_at)}."]
    return "\n".join(lines)


# -- external -------------------------------------------------------------------------------------


def _services(state: IncidentState) -> str:
    return _clean(state.impact.get("services", "")).strip(" ,;")


def _affected(state: IncidentState) -> str:
    """``checkout and payments in EU``: what the size-up says is hit, in customers' words."""
    services = [s.strip() for s in _services(state).replace(";", ",").split(",") if s.strip()]
    if len(services) > 1:
        what = ", ".join(services[:-1]) + " and " + services[-1]
    else:
        what = services[0] if services else "some of our services"
    regions = _clean(state.impact.get("regions", "")).strip(" ,;")
    return f"{what} in {regions}" if regions else what


def _noticed(state: IncidentState) -> str:
    """The sentence on what customers notice, from the size-up; honest when it says little."""
    if state.impact.get("customer_facing") == "no":
        return "We are not aware of any effect on customers."
    what = _affected(state)
    who = _WHO.get(state.impact.get("users_affected", ""), "Some customers")
    how = _HOW.get(state.impact.get("functionality", ""))
    if how is None:
        return f"{who} may have trouble using {what}."
    return f"{who} {how.format(what=what)}."


def external_draft(state: IncidentState, now: datetime) -> list[str]:
    """For customers: what they notice, what we are doing; the all-clear once resolved."""
    if state.status == "resolved":
        when = _hhmm(state.resolved_at or now)
        subject = _services(state)
        lines = [f"Resolved: {'the issue with ' + _affected(state) if subject else 'the service issue'}"
                 f" · {when}", ""]
        if state.impact.get("customer_facing") == "no":
            lines.append("The issue is resolved. We are not aware of any effect on customers.")
        else:
            lines.append(f"The issue is resolved: {_affected(state)} work normally again since {when}.")
        lines += ["We are sorry for the disruption, and will look into how to prevent it happening again."]
        return lines
    subject = f"Issue with {_affected(state)}" if _services(state) else "Service issue"
    return [f"{subject} · update {_hhmm(now)}", "",
            _noticed(state),
            _DOING.get(state.status, "We are working on it.")]


# -- internal -------------------------------------------------------------------------------------


def _restored(state: IncidentState, field: str) -> bool:
    """Resolved, and nobody sized ``field`` up again since: it is back to normal."""
    if state.resolved_at is None:
        return False
    seen = state.impact_seen.get(field)
    return seen is None or seen[0] <= state.resolved_at


def internal_draft(state: IncidentState, now: datetime) -> list[str]:
    """For responders and stakeholders: Conditions, Actions, Follow-ups, Needs, Links."""
    lines = [f"{_clean(state.title) or 'Incident'} · internal update {_hhmm(now)}"]
    lines += ["", "Conditions", *_conditions(state, now)]
    lines += ["", "Actions", *_actions(state, now)]
    follow_ups = _follow_ups(state)
    if follow_ups:
        lines += ["", "Follow-ups", *follow_ups]
    lines += ["", "Needs", *_needs(state, now)]
    links = _links(state)
    if links:
        lines += ["", "Links", *links]
    return lines


def _conditions(state: IncidentState, now: datetime) -> list[str]:
    severity = state.severity or "severity not set"
    if state.severity in SEVERITY_WORDS:
        severity = f"{state.severity} ({SEVERITY_WORDS[state.severity]})"
    clock = ""
    if state.declared_at is not None:
        elapsed = format_clock(state.elapsed(now).total_seconds())  # type: ignore[union-attr]
        if state.resolved_at is not None:
            clock = f", declared {_hhmm(state.declared_at)}, resolved {_hhmm(state.resolved_at)} after {elapsed}"
        else:
            clock = f", declared {_hhmm(state.declared_at)} (T+{elapsed})"
    lines = [f"- {severity}, {state.status}{clock}"]
    impact = []
    for key, value in state.impact.items():
        if key not in IMPACT_LABELS or not value or value == "unknown":
            continue
        if key == "functionality" and _restored(state, key):
            continue  # said below: back to normal
        impact.append(f"{IMPACT_LABELS[key]}: {_clean(value)}")
    if state.resolved_at is not None:
        lines.append(f"- Impact while it lasted: {'; '.join(impact)}" if impact else "- Impact: not sized up")
        if _restored(state, "functionality"):
            lines.append("- Functionality: restored")
    else:
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
    return lines


def _since_last_update(state: IncidentState) -> int:
    return state.updates[-1].seq if state.updates else 0


def _actions(state: IncidentState, now: datetime) -> list[str]:
    """The decisions since the last update, then who is on what: each person once."""
    since = _since_last_update(state)
    decisions = [n for n in state.notes if n.tag == "decision" and n.seq > since]
    lines = [f"- {n.at:%H:%M} decision: {_clean(n.text)} ({_clean(n.by)})"
             for n in decisions[-RECENT_NOTES:]]
    if len(decisions) > RECENT_NOTES:
        lines.append(f"- … and {len(decisions) - RECENT_NOTES} earlier decisions since the last update")
    hypotheses = [n for n in state.notes if n.tag == "hypothesis" and n.seq > since]
    if hypotheses:
        lines.append(f"- Working theory: {_clean(hypotheses[-1].text)} ({_clean(hypotheses[-1].by)})")
    if not decisions and not hypotheses:
        lines.append("- No new decisions since the last update")
    people = _people(state, now)
    lines += people or ["- Nobody holds a role yet"]
    return lines


def _people(state: IncidentState, now: datetime) -> list[str]:
    """``- alice: Incident Commander, Ops lead · on: check replica lag (back by 04:32 UTC)``."""
    order = {role: i for i, role in enumerate(ROLES)}
    roles: dict[str, list[str]] = {}
    for term in sorted((t for t in state.roles if t.current), key=lambda t: (t.assumed_at, order.get(t.role, 99))):
        roles.setdefault(term.handle, [])
        title = ROLE_TITLES.get(term.role, term.role)
        if title not in roles[term.handle]:
            roles[term.handle].append(title)
    work: dict[str, list[str]] = {}
    for ask in sorted(state.open_asks(), key=lambda a: a.due_at):
        if ask.expired(state.clock_time(now)):
            continue  # overdue: a need, said there
        work.setdefault(ask.handle, []).append(f"{_clean(ask.task)} (back by {_hhmm(ask.due_at)})")
    lines = []
    for handle in [*roles, *(h for h in work if h not in roles)]:
        parts = [", ".join(roles.get(handle, ()))] if roles.get(handle) else []
        if work.get(handle):
            parts.append("on: " + "; ".join(work[handle]))
        lines.append(f"- {_clean(handle)}: {' · '.join(parts)}")
    return lines


def _follow_ups(state: IncidentState) -> list[str]:
    """Action notes: work for after the incident, new since the last update."""
    since = _since_last_update(state)
    actions = [n for n in state.notes if n.tag == "action"]
    new = [n for n in actions if n.seq > since]
    lines = [f"- {_clean(n.text)} ({_clean(n.by)}, {n.at:%H:%M})" for n in new[-RECENT_NOTES:]]
    earlier = len(actions) - len(new[-RECENT_NOTES:])
    if earlier:
        lines.append(f"- {earlier} more recorded earlier (in the report)")
    return lines


def _needs(state: IncidentState, now: datetime) -> list[str]:
    lines = []
    clock = state.clock_time(now)
    for ask in sorted(state.asks_due(now), key=lambda a: a.due_at):
        late = format_clock(-ask.left(clock).total_seconds())
        lines.append(f"- An answer from {_clean(ask.handle)} on {_clean(ask.task)}"
                     f" (due {_hhmm(ask.due_at)}, {late} ago)")
    if state.resolved_at is None:
        empty = [ROLE_TITLES[r] for r in ROLES_TO_FILL if not state.holders(r)]
        if empty:
            lines.append(f"- Unassigned: {', '.join(empty)}")
    return lines or ["- Nothing open"]


_LINK_ORDER = ("bridge", "channel", "ticket", "dashboard", "other")


def _links(state: IncidentState) -> list[str]:
    """The links people added, where responders join first: ``- bridge: War room https://…``.
    (The runbooks of steps and the endpoints' dashboards are in the cockpit, not in the update.)"""
    added = [link for link in every_link(state) if link.source == "link"]
    added.sort(key=lambda link: _LINK_ORDER.index(link.kind) if link.kind in _LINK_ORDER else len(_LINK_ORDER))
    return [f"- {_clean(link.kind)}: " + (f"{_clean(link.label)} " if link.label else "") + _clean(link.url)
            for link in added]
