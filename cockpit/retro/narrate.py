"""One line of plain words per event, for the report's timeline.

Events of a kind this version does not know are shown raw (their kind and fields), never
dropped. The text is plain: callers escape it for where it goes (Markdown, a terminal).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.vocabulary import ROLE_TITLES
from cockpit.tomlfmt import toml_datetime

_BASE_FIELDS = ("seq", "at", "by", "kind")


def raw_fields(event: ev.Event) -> dict[str, Any]:
    """The fields of an event beyond seq/at/by/kind, as they would be written."""
    return {k: v for k, v in event.to_record().items() if k not in _BASE_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return toml_datetime(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def describe_raw(event: ev.Event) -> str:
    fields = json.dumps(raw_fields(event), default=_jsonable, ensure_ascii=False, sort_keys=True)
    return f"{event.kind} {fields}"


def describe(event: ev.Event, step_texts: Mapping[str, str] | None = None) -> str:
    """What happened, in a few words: ``severity → SEV1 (checkout fully down)``."""
    handler = _DESCRIBERS.get(type(event))
    if handler is None:
        return describe_raw(event)
    return handler(event, step_texts or {})


def _role(role: str) -> str:
    return ROLE_TITLES.get(role, role)


def _reason(text: str | None) -> str:
    return f" ({text})" if text else ""


_DESCRIBERS: dict[type[ev.Event], Callable[[Any, Mapping[str, str]], str]] = {
    ev.SessionConfigured: lambda e, _: (
        f"configured: protocol {e.protocol}, {len(e.people)} people, {len(e.endpoints)} endpoints"),
    ev.ProtocolAdded: lambda e, _: f"protocol added: {e.protocol}",
    ev.IncidentDeclared: lambda e, _: f"declared {e.severity} \"{e.title}\"",
    ev.IncidentRetitled: lambda e, _: f"retitled \"{e.title}\"",
    ev.SeverityChanged: lambda e, _: f"severity → {e.severity}{_reason(e.reason)}",
    ev.StatusChanged: lambda e, _: f"status → {e.status}",
    ev.ImpactAssessed: lambda e, _: f"impact: {e.field.replace('_', ' ')} = {e.value}",
    ev.StepDone: lambda e, steps: f"step done: {steps.get(e.step, e.step)}",
    ev.StepSkipped: lambda e, steps: f"step skipped: {steps.get(e.step, e.step)}{_reason(e.reason)}",
    ev.StepReopened: lambda e, steps: f"step reopened: {steps.get(e.step, e.step)}",
    ev.RoleAssigned: lambda e, _: f"{e.handle} takes {_role(e.role)}{_reason(e.briefing)}",
    ev.RoleReleased: lambda e, _: f"{e.handle} releases {_role(e.role)}{_reason(e.briefing)}",
    ev.MemberJoined: lambda e, _: f"{e.handle} joined ({e.status})",
    ev.MemberStatusChanged: lambda e, _: f"{e.handle} is {e.status}",
    ev.AskStarted: lambda e, _: f"asked {e.handle}: {e.task} (back in {e.minutes:g} min)",
    ev.AskDone: lambda e, _: f"ask #{e.ask} done",
    ev.HealthChanged: lambda e, _: f"{e.endpoint} {e.from_} → {e.to}{_reason(e.detail)}",
    ev.HealthSummary: lambda e, _: f"health summary of {len(e.endpoints)} endpoints",
    ev.NoteAdded: lambda e, _: f"{e.tag}: {e.text}",
    ev.UpdatePosted: lambda e, _: f"{e.audience} update: {e.text}",
    ev.RetroNote: lambda e, _: f"retro note: {e.text}",
    ev.SeatJoined: lambda e, _: f"{e.handle} opened a {'read-only ' if e.read_only else ''}seat",
    ev.SeatLeft: lambda e, _: f"{e.handle} closed their seat",
    ev.DrillInject: lambda e, _: f"drill inject: {e.text}",
}
