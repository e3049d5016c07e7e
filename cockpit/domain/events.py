"""The event vocabulary of the session file (docs/session-format.md).

Every change to an incident is one of these events, appended to the journal. Known kinds are
validated pydantic models chosen by their ``kind``; an event of a kind this version does not
know (written by a newer one) or that no longer validates is kept as a :class:`RawEvent`, never
dropped, so nothing in a session file is ever lost by reading it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cockpit.domain.protocol import Step
from cockpit.domain.vocabulary import (
    Audience, HealthState, ImpactField, MemberStatus, NoteTag, Role, Severity, Status,
)

UNSET_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""Placeholder for ``at`` on an event that has not been recorded yet; the session stamps it."""


class Event(BaseModel):
    """Fields every event has. ``seq`` and ``at`` are stamped when the event is recorded."""

    # Schemas are built on first use: a seat that never sees a kind never pays for it at start-up.
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True, defer_build=True)

    seq: int = 0
    at: datetime = UNSET_TIME
    by: str = ""
    kind: str
    id: str | None = None
    """A unique string, so that a journal synchronised between hosts records each event once."""

    def to_record(self) -> dict[str, Any]:
        """The fields as they go into the session file, ``seq``, ``at``, ``by``, ``kind`` first."""
        return self.model_dump(by_alias=True, exclude_none=True)


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    handle: str = Field(min_length=1)
    name: str = ""
    roles: tuple[Role, ...] = ()


class EndpointRef(BaseModel):
    """What a session remembers of an endpoint: enough to show and replay it, never a secret."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str
    url: str = ""
    service: str = ""


class SessionConfigured(Event):
    kind: Literal["session.configured"] = "session.configured"
    protocol: str
    steps: tuple[Step, ...] = ()
    people: tuple[Person, ...] = ()
    endpoints: tuple[EndpointRef, ...] = ()


class ProtocolAdded(Event):
    """Another protocol joins mid-incident (e.g. a breach found during an outage)."""

    kind: Literal["protocol.added"] = "protocol.added"
    protocol: str
    steps: tuple[Step, ...] = ()


class IncidentDeclared(Event):
    kind: Literal["incident.declared"] = "incident.declared"
    title: str
    severity: Severity


class IncidentRetitled(Event):
    kind: Literal["incident.retitled"] = "incident.retitled"
    title: str


class SeverityChanged(Event):
    kind: Literal["severity.changed"] = "severity.changed"
    severity: Severity
    reason: str = ""


class StatusChanged(Event):
    kind: Literal["status.changed"] = "status.changed"
    status: Status


class ImpactAssessed(Event):
    kind: Literal["impact.assessed"] = "impact.assessed"
    field: ImpactField
    value: str


class StepDone(Event):
    kind: Literal["step.done"] = "step.done"
    step: str
    evidence: int | None = None
    """The seq of the event that proves the step done, when the cockpit closed it itself."""


class StepSkipped(Event):
    kind: Literal["step.skipped"] = "step.skipped"
    step: str
    reason: str = ""


class StepReopened(Event):
    kind: Literal["step.reopened"] = "step.reopened"
    step: str


class RoleAssigned(Event):
    kind: Literal["role.assigned"] = "role.assigned"
    role: Role
    handle: str
    briefing: str | None = None


class RoleReleased(Event):
    kind: Literal["role.released"] = "role.released"
    role: Role
    handle: str
    briefing: str | None = None


class MemberJoined(Event):
    kind: Literal["member.joined"] = "member.joined"
    handle: str
    status: MemberStatus = "engaged"
    name: str | None = None


class MemberStatusChanged(Event):
    kind: Literal["member.status"] = "member.status"
    handle: str
    status: MemberStatus


class AskStarted(Event):
    kind: Literal["ask.started"] = "ask.started"
    handle: str
    task: str
    minutes: float = Field(gt=0, le=7 * 24 * 60, allow_inf_nan=False)
    """At most a week: an ask is "back to me in 10 minutes", not a project."""


class AskDone(Event):
    kind: Literal["ask.done"] = "ask.done"
    ask: int


class HealthChanged(Event):
    kind: Literal["health.changed"] = "health.changed"
    endpoint: str
    from_: HealthState = Field(alias="from")
    to: HealthState
    detail: str = ""


class EndpointWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    p50_ms: float | None = None
    p95_ms: float | None = None
    ok_ratio: float | None = None
    state: HealthState = "unknown"


class HealthSummary(Event):
    kind: Literal["health.summary"] = "health.summary"
    endpoints: dict[str, EndpointWindow]


class NoteAdded(Event):
    kind: Literal["note.added"] = "note.added"
    text: str
    tag: NoteTag = "note"


class UpdatePosted(Event):
    kind: Literal["update.posted"] = "update.posted"
    text: str
    audience: Audience = "internal"
    next_update_at: datetime | None = None


class RetroNote(Event):
    kind: Literal["retro.note"] = "retro.note"
    text: str
    about: datetime | None = None


class SeatJoined(Event):
    kind: Literal["seat.joined"] = "seat.joined"
    handle: str
    read_only: bool = False


class SeatLeft(Event):
    kind: Literal["seat.left"] = "seat.left"
    handle: str
    read_only: bool = False


class DrillInject(Event):
    kind: Literal["drill.inject"] = "drill.inject"
    text: str


class _AlertEvent(Event):
    """An alert as Alertmanager's webhook (version 4) describes it; the fingerprint names it."""

    fingerprint: str = Field(min_length=1, max_length=200)
    alertname: str = ""
    severity: str = ""
    """The alert's ``severity`` label (``critical``, ``warning``…), as the team's rules write it."""
    summary: str = ""
    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    runbook_url: str = ""
    generator_url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class AlertFiring(_AlertEvent):
    kind: Literal["alert.firing"] = "alert.firing"


class AlertResolved(_AlertEvent):
    kind: Literal["alert.resolved"] = "alert.resolved"


class RawEvent(Event):
    """An event kept exactly as read: an unknown kind, or one that no longer validates."""


KNOWN_EVENTS: tuple[type[Event], ...] = (
    SessionConfigured, ProtocolAdded, IncidentDeclared, IncidentRetitled, SeverityChanged,
    StatusChanged, ImpactAssessed, StepDone, StepSkipped, StepReopened, RoleAssigned,
    RoleReleased, MemberJoined, MemberStatusChanged, AskStarted, AskDone, HealthChanged,
    HealthSummary, NoteAdded, UpdatePosted, RetroNote, SeatJoined, SeatLeft, DrillInject,
    AlertFiring, AlertResolved,
)
KINDS: dict[str, type[Event]] = {
    cls.model_fields["kind"].default: cls for cls in KNOWN_EVENTS
}


def parse_event(record: dict[str, Any]) -> Event:
    """A typed event from a session-file table; anything that does not validate stays raw."""
    model = KINDS.get(record.get("kind"), RawEvent)  # type: ignore[arg-type]
    try:
        return model.model_validate(record)
    except ValidationError:
        try:
            return RawEvent.model_validate(record)
        except ValidationError:
            return RawEvent.model_construct(**record)
