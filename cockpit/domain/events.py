"""The event vocabulary of the session file (docs/session-format.md).

Every change to an incident is one of these events, appended to the journal. Known kinds are
validated pydantic models chosen by their ``kind``; an event of a kind this version does not
know (written by a newer one) or that no longer validates is kept as a :class:`RawEvent`, never
dropped, so nothing in a session file is ever lost by reading it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cockpit.domain.links import LinkKind, label_problem, url_problem
from cockpit.domain.protocol import Step
from cockpit.domain.vocabulary import (
    ActionStatus, ActionType, Audience, HealthState, ImpactField, MemberStatus, Moment, NoteTag,
    RetroCategory, ReviewStatus, Role, Severity, Status,
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
    version: str | None = None
    """The protocol's version (``protocol_version`` of its steps), so insight can compare a
    protocol before and after a revision; absent in sessions recorded before it was kept."""
    steps: tuple[Step, ...] = ()
    people: tuple[Person, ...] = ()
    endpoints: tuple[EndpointRef, ...] = ()


class ProtocolAdded(Event):
    """Another protocol joins mid-incident (e.g. a breach found during an outage)."""

    kind: Literal["protocol.added"] = "protocol.added"
    protocol: str
    version: str | None = None
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
    category: RetroCategory | None = None
    """Where the note belongs in the postmortem: a size-up question (``happening``, ``how``,
    ``impact``) or a section (``went_well``, ``root_cause``…); absent, a general note."""


class MomentMarked(Event):
    """A key moment of the incident's story, at ``at``: when impact started, when it was
    detected, mitigated, when service was restored. ``inferred`` says the moment was read off
    the record rather than known by someone; a moment marked by hand always wins."""

    kind: Literal["moment.marked"] = "moment.marked"
    moment: Moment
    inferred: bool = False


def _iso_day(value: str | None) -> str | None:
    """A ``YYYY-MM-DD`` day, kept as the text it is (a session file holds it as written)."""
    if value is None or value == "":
        return value
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a day: write it as year-month-day, e.g. 2026-12-04") from None


class ActionUpdated(Event):
    """What is known of a follow-up action (the ``note.added`` tagged ``action`` whose seq is
    ``action``): each field given replaces the one before; fields not given stay as they were.
    An empty text clears a field."""

    kind: Literal["action.updated"] = "action.updated"
    action: int = Field(ge=1)
    owner: str | None = Field(default=None, max_length=64)
    type: ActionType | None = None
    priority: str | None = Field(default=None, max_length=16)
    due: str | None = None
    ticket: str | None = Field(default=None, max_length=300)
    status: ActionStatus | None = None

    @field_validator("due")
    @classmethod
    def _a_day(cls, value: str | None) -> str | None:
        return _iso_day(value)


class ReviewUpdated(Event):
    """The postmortem's review: who owns it, who reviews it, when it is (or was) held, where it
    stands. Each field given replaces the one before; ``reviewers`` is comma-separated handles."""

    kind: Literal["review.updated"] = "review.updated"
    owner: str | None = Field(default=None, max_length=64)
    reviewers: str | None = Field(default=None, max_length=500)
    date: str | None = None
    status: ReviewStatus | None = None

    @field_validator("date")
    @classmethod
    def _a_day(cls, value: str | None) -> str | None:
        return _iso_day(value)

    @property
    def reviewer_list(self) -> tuple[str, ...]:
        return tuple(name.strip() for name in (self.reviewers or "").split(",") if name.strip())


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


PageService = Literal["pagerduty", "opsgenie", "command", "manual"]
"""How someone was paged: a pager service, the team's own command, or by other means (a phone
call) recorded by hand."""


class _PageEvent(Event):
    """A page names one person (``handle``) or one role (``role``), never both."""

    handle: str | None = None
    role: Role | None = None
    service: PageService = "manual"
    detail: str = ""
    dedup_key: str = Field(default="", max_length=255)
    """What the pager service knows the page by (PagerDuty's ``dedup_key``, Opsgenie's
    ``alias``), so an acknowledgement matches its page."""

    @model_validator(mode="after")
    def _one_target(self) -> _PageEvent:
        if (self.handle is None) == (self.role is None):
            raise ValueError("a page names either handle= (a person) or role= (a role)")
        return self

    @property
    def target(self) -> str:
        """``alice``, or ``role ops``: what the page was for, in words."""
        return self.handle if self.handle is not None else f"role {self.role}"


class PageSent(_PageEvent):
    kind: Literal["page.sent"] = "page.sent"
    message: str = ""
    """What the page said (its summary)."""
    ok: bool = True
    """False when the service refused it or could not be reached (``detail`` says why)."""


class PageAcknowledged(_PageEvent):
    kind: Literal["page.acknowledged"] = "page.acknowledged"


class LinkAdded(Event):
    """One of the incident's links: the bridge, the channel, a dashboard, a ticket."""

    kind: Literal["link.added"] = "link.added"
    url: str
    label: str = ""
    link_kind: LinkKind = "other"
    """Bridge, channel, dashboard, ticket, runbook or other. Not ``kind``: every event's ``kind``
    is its own (``link.added``), and a TOML table holds a key once."""

    @field_validator("url")
    @classmethod
    def _a_link(cls, url: str) -> str:
        problem = url_problem(url)
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("label")
    @classmethod
    def _a_label(cls, label: str) -> str:
        problem = label_problem(label)
        if problem:
            raise ValueError(problem)
        return label.strip()


class UpdateDelivered(Event):
    """One attempt to deliver an update (``update``, the seq of its ``update.posted``) to one
    configured destination, and how it went: ``detail`` is the HTTP status or the error, naming
    a host and never a URL (webhook URLs carry their token)."""

    kind: Literal["update.delivered"] = "update.delivered"
    update: int = Field(ge=1)
    destination: str = Field(min_length=1, max_length=64)
    ok: bool
    detail: str = ""
    attempt: int = Field(default=1, ge=1)
    final: bool = False
    """A failure after which this seat stops trying (attempts used up, or an answer no retry can
    change); the update is tried again when the seat that sent it opens the session again."""
    remote_id: str = Field(default="", max_length=200)
    """What the destination knows the update by, when it says: the status page's incident id, so
    later updates change that incident instead of opening another."""


class RawEvent(Event):
    """An event kept exactly as read: an unknown kind, or one that no longer validates."""


KNOWN_EVENTS: tuple[type[Event], ...] = (
    SessionConfigured, ProtocolAdded, IncidentDeclared, IncidentRetitled, SeverityChanged,
    StatusChanged, ImpactAssessed, StepDone, StepSkipped, StepReopened, RoleAssigned,
    RoleReleased, MemberJoined, MemberStatusChanged, AskStarted, AskDone, HealthChanged,
    HealthSummary, NoteAdded, UpdatePosted, RetroNote, SeatJoined, SeatLeft, DrillInject,
    AlertFiring, AlertResolved, PageSent, PageAcknowledged, LinkAdded, UpdateDelivered,
    MomentMarked, ActionUpdated, ReviewUpdated,
)
KINDS: dict[str, type[Event]] = {
    cls.model_fields["kind"].default: cls for cls in KNOWN_EVENTS
}


_VALIDATORS: dict[str | None, Callable[[dict[str, Any]], Event]] = {}
"""Each known kind's validator (the raw event's under None), looked up once: a long session
validates a hundred thousand records, and ``model_validate`` cost a third more than validating."""


def _validator(kind: str | None) -> Callable[[dict[str, Any]], Event]:
    model = RawEvent if kind is None else KINDS[kind]
    validate = _VALIDATORS[kind] = model.__pydantic_validator__.validate_python  # builds the schema
    return validate


def parse_event(record: dict[str, Any]) -> Event:
    """A typed event from a session-file table; anything that does not validate stays raw."""
    kind = record.get("kind")
    known = kind if isinstance(kind, str) and kind in KINDS else None
    validate = _VALIDATORS.get(known) or _validator(known)
    try:
        return validate(record)
    except ValidationError:
        try:
            return RawEvent.model_validate(record)
        except ValidationError:
            return RawEvent.model_construct(**record)
