"""Every event in plain words, for the timeline and the strip under the tabs.

``describe(event)`` says what happened without the time and the author (the timeline shows those
in their own columns). Kinds this version does not know are shown raw, field by field, so a
session written by a newer version still reads. Text from people and endpoints comes back as is:
the caller renders it as plain ``rich.text.Text`` after ``printable``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.vocabulary import ROLE_TITLES

SEVERITY_WORDS = {"SEV1": "critical", "SEV2": "major", "SEV3": "moderate", "SEV4": "minor",
                  "SEV5": "low"}
"""The word shown beside each severity, so the level never depends on colour or memory."""

TIMELINE_GROUPS: dict[str, tuple[str, ...]] = {
    "people's entries": ("note.added", "update.posted", "retro.note"),
    "decisions": ("note.added:decision",),
    "actions": ("note.added:action",),
    "hypotheses": ("note.added:hypothesis",),
    "health": ("health.changed",),
    "severity and status": ("incident.declared", "incident.retitled", "severity.changed",
                            "status.changed", "impact.assessed"),
    "protocol": ("step.done", "step.skipped", "step.reopened", "protocol.added"),
    "team": ("role.assigned", "role.released", "member.joined", "member.status", "ask.started",
             "ask.done", "seat.joined", "seat.left"),
    "updates": ("update.posted",),
    "drill injects": ("drill.inject",),
    "health summaries": ("health.summary",),
}
"""The timeline's filters: a kind, or ``kind:tag`` for one kind of scribe entry."""


def matches_group(event: ev.Event, group: tuple[str, ...]) -> bool:
    tag = getattr(event, "tag", None)
    return event.kind in group or (tag is not None and f"{event.kind}:{tag}" in group)


def _role(role: str) -> str:
    return ROLE_TITLES.get(role, role).lower() if role != "sme" else "SME"


def _severity(severity: str) -> str:
    word = SEVERITY_WORDS.get(severity)
    return f"{severity} ({word})" if word else severity


def _configured(e: ev.SessionConfigured) -> str:
    parts = [f"protocol {e.protocol} ({len(e.steps)} steps)"]
    if e.people:
        parts.append(f"{len(e.people)} people on the roster")
    if e.endpoints:
        parts.append(f"{len(e.endpoints)} endpoints watched")
    return "configured: " + ", ".join(parts)


def _handover(verb: str) -> Callable[[Any], str]:
    def text(e: ev.RoleAssigned | ev.RoleReleased) -> str:
        line = f"{e.handle} {verb} {_role(e.role)}"
        return f"{line} — briefing: {e.briefing}" if e.briefing else line

    return text


def _summary(e: ev.HealthSummary) -> str:
    parts = []
    for name, window in sorted(e.endpoints.items()):
        latency = f" p50 {window.p50_ms:.0f} ms" if window.p50_ms is not None else ""
        parts.append(f"{name} {window.state}{latency}")
    return "health summary: " + ("; ".join(parts) or "no endpoints")


def _update(e: ev.UpdatePosted) -> str:
    due = f" (next by {e.next_update_at:%H:%M})" if e.next_update_at else ""
    return f"{e.audience} update{due}: {' '.join(e.text.split())}"


_DESCRIBERS: dict[type[ev.Event], Callable[[Any], str]] = {
    ev.SessionConfigured: _configured,
    ev.ProtocolAdded: lambda e: f"added protocol {e.protocol} ({len(e.steps)} steps)",
    ev.IncidentDeclared: lambda e: f"declared {_severity(e.severity)}: {e.title}",
    ev.IncidentRetitled: lambda e: f"retitled: {e.title}",
    ev.SeverityChanged: lambda e: f"severity → {_severity(e.severity)}"
                                  + (f" because {e.reason}" if e.reason else ""),
    ev.StatusChanged: lambda e: f"status → {e.status.upper()}",
    ev.ImpactAssessed: lambda e: f"impact: {e.field.replace('_', ' ')} = {e.value}",
    ev.StepDone: lambda e: f"step done: {e.step}",
    ev.StepSkipped: lambda e: f"step skipped: {e.step}" + (f" because {e.reason}" if e.reason else ""),
    ev.StepReopened: lambda e: f"step reopened: {e.step}",
    ev.RoleAssigned: _handover("took"),
    ev.RoleReleased: _handover("released"),
    ev.MemberJoined: lambda e: f"{e.handle} joined ({e.status})",
    ev.MemberStatusChanged: lambda e: f"{e.handle} is now {e.status}",
    ev.AskStarted: lambda e: f"ask {e.handle}: {e.task} · back in {e.minutes:g} min",
    ev.AskDone: lambda e: f"ask #{e.ask} answered",
    ev.HealthChanged: lambda e: f"{e.endpoint} {e.from_} → {e.to}" + (f" ({e.detail})" if e.detail else ""),
    ev.HealthSummary: _summary,
    ev.NoteAdded: lambda e: e.text if e.tag == "note" else f"{e.tag}: {e.text}",
    ev.UpdatePosted: _update,
    ev.RetroNote: lambda e: f"retro note: {e.text}",
    ev.SeatJoined: lambda e: f"{e.handle} opened a seat" + (" (read-only)" if e.read_only else ""),
    ev.SeatLeft: lambda e: f"{e.handle} left",
    ev.DrillInject: lambda e: f"drill: {e.text}",
}


def describe(event: ev.Event, steps: Mapping[str, str] | None = None) -> str:
    """What ``event`` says, in plain words; an unknown kind shows its kind and its fields.

    ``steps`` maps step ids to their text, so "step done" says which step in words.
    """
    step = getattr(event, "step", None)
    if steps and isinstance(step, str) and step in steps:
        event = event.model_copy(update={"step": steps[step]})
    describer = _DESCRIBERS.get(type(event))
    if describer is not None:
        return describer(event)
    fields = {k: v for k, v in event.to_record().items() if k not in ("seq", "at", "by", "kind")}
    shown = ", ".join(f"{key}={value!r}" for key, value in fields.items())
    return f"{event.kind}: {shown}" if shown else event.kind
