"""The incident state and the fold that derives it from events.

``apply(state, event)`` is pure: it never mutates ``state`` and the same events always fold to
the same state. The live cockpit, other seats, a replay at time t and the postmortem report all
run this one fold, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from cockpit.domain import events as ev
from cockpit.domain.log import Log
from cockpit.domain.protocol import Step, StepProgress, StepView, view_step


@dataclass(frozen=True, slots=True)
class SeverityEntry:
    seq: int
    at: datetime
    by: str
    severity: str
    reason: str


@dataclass(frozen=True, slots=True)
class StatusEntry:
    seq: int
    at: datetime
    by: str
    status: str


@dataclass(frozen=True, slots=True)
class RoleTerm:
    """One person holding one role for a stretch of time."""

    role: str
    handle: str
    assumed_at: datetime
    assigned_by: str
    briefing: str = ""
    released_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True, slots=True)
class Member:
    handle: str
    name: str
    status: str
    joined_at: datetime
    status_since: datetime
    engaged_since: datetime | None
    """Start of the current engaged stretch, None while not engaged."""
    engaged_before: timedelta = timedelta(0)
    """Engaged time in earlier stretches."""

    def engaged_for(self, now: datetime) -> timedelta:
        """Total time engaged up to ``now``."""
        current = now - self.engaged_since if self.engaged_since else timedelta(0)
        return self.engaged_before + max(current, timedelta(0))

    def stretch(self, now: datetime) -> timedelta:
        """How long the current engaged stretch has lasted (zero when not engaged)."""
        return max(now - self.engaged_since, timedelta(0)) if self.engaged_since else timedelta(0)


@dataclass(frozen=True, slots=True)
class Ask:
    """"bob: check replica lag, back in 10 min"."""

    seq: int
    at: datetime
    by: str
    handle: str
    task: str
    minutes: float
    done_at: datetime | None = None

    @property
    def due_at(self) -> datetime:
        return self.at + timedelta(minutes=self.minutes)

    @property
    def open(self) -> bool:
        return self.done_at is None


@dataclass(frozen=True, slots=True)
class HealthPoint:
    at: datetime
    state: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    ok_ratio: float | None = None


@dataclass(frozen=True, slots=True)
class EndpointStatus:
    name: str
    service: str = ""
    url: str = ""
    state: str = "unknown"
    since: datetime | None = None
    detail: str = ""
    changes: int = 0
    history: Log[HealthPoint] = field(default_factory=Log)
    """One point per ``health.summary``: what a replay draws its sparklines from."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A typed line of text: a note, an update, a retro note or a drill inject."""

    seq: int
    at: datetime
    by: str
    text: str
    tag: str = "note"
    audience: str = ""
    about: datetime | None = None
    next_update_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class IncidentState:
    protocols: tuple[ProtocolSpec, ...] = ()
    people: tuple[ev.Person, ...] = ()
    title: str = ""
    severity: str | None = None
    declared_at: datetime | None = None
    declared_by: str = ""
    severity_history: tuple[SeverityEntry, ...] = ()
    status: str = "investigating"
    status_history: tuple[StatusEntry, ...] = ()
    resolved_at: datetime | None = None
    impact: dict[str, str] = field(default_factory=dict)
    steps: dict[str, StepProgress] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    roles: tuple[RoleTerm, ...] = ()
    asks: dict[int, Ask] = field(default_factory=dict)
    endpoints: dict[str, EndpointStatus] = field(default_factory=dict)
    notes: Log[Entry] = field(default_factory=Log)
    updates: Log[Entry] = field(default_factory=Log)
    retro_notes: Log[Entry] = field(default_factory=Log)
    injects: Log[Entry] = field(default_factory=Log)
    seats: dict[str, tuple[bool, ...]] = field(default_factory=dict)
    """Handles watching now, each with one read-only flag per open seat: the same person may
    watch from a laptop and a wall screen, and closing one leaves them watching."""
    event_count: int = 0
    last_seq: int = 0
    last_at: datetime | None = None

    # -- questions the panes, the report and the rules ask -------------------------------------

    def clock_time(self, now: datetime) -> datetime:
        """``now``, or the resolution once resolved: the incident's clocks stop there."""
        return min(now, self.resolved_at) if self.resolved_at else now

    @property
    def protocol_name(self) -> str:
        return self.protocols[0].name if self.protocols else ""

    def holders(self, role: str) -> list[str]:
        return [t.handle for t in self.roles if t.current and t.role == role]

    def roles_of(self, handle: str) -> list[str]:
        return [t.role for t in self.roles if t.current and t.handle == handle]

    @property
    def commander(self) -> str | None:
        holders = self.holders("commander")
        return holders[0] if holders else None

    def open_asks(self) -> list[Ask]:
        return [a for a in self.asks.values() if a.open]

    def notes_tagged(self, tag: str) -> list[Entry]:
        return [n for n in self.notes if n.tag == tag]

    def all_steps(self) -> list[tuple[str, Step]]:
        """Every step of every protocol in force, first definition of an id winning."""
        seen: set[str] = set()
        out = []
        for spec in self.protocols:
            for step in spec.steps:
                if step.id not in seen:
                    seen.add(step.id)
                    out.append((spec.name, step))
        return out

    def find_step(self, step_id: str) -> Step | None:
        return next((s for _, s in self.all_steps() if s.id == step_id), None)

    def step_views(self, now: datetime) -> list[StepView]:
        return [
            view_step(
                step, name, self.steps.get(step.id, StepProgress()),
                declared_at=self.declared_at, severity=self.severity, now=now,
                resolved_at=self.resolved_at,
            )
            for name, step in self.all_steps()
        ]

    def next_update(self, now: datetime) -> tuple[datetime, str] | None:
        """The next update deadline and its audience (``internal`` or ``external``): the earliest
        update step due, or what the last update of that audience promised."""
        if self.resolved_at:
            return None
        candidates = [
            (v.due_at, v.step.done_on.removesuffix("-update")) for v in self.step_views(now)
            if v.applies and v.step.done_on in ("internal-update", "external-update") and v.due_at
            and (v.step.recurring or v.state == "open")
        ]
        if self.updates and self.updates[-1].next_update_at:
            candidates.append((self.updates[-1].next_update_at, self.updates[-1].audience))
        return min(candidates) if candidates else None

    def next_update_due(self, now: datetime) -> datetime | None:
        """When the next update, of either audience, is due."""
        upcoming = self.next_update(now)
        return upcoming[0] if upcoming else None

    def worst_endpoint(self) -> EndpointStatus | None:
        order = {"down": 0, "degraded": 1, "unknown": 2, "up": 3}
        if not self.endpoints:
            return None
        return min(self.endpoints.values(), key=lambda e: (order.get(e.state, 2), e.name))


_FIELDS = tuple(f.name for f in fields(IncidentState))


def evolve(state: IncidentState, **changes: object) -> IncidentState:
    """``dataclasses.replace`` without its per-field checks: the fold's hot path."""
    new = object.__new__(IncidentState)
    for name in _FIELDS:
        object.__setattr__(new, name, changes[name] if name in changes else getattr(state, name))
    return new


# -- the fold ---------------------------------------------------------------------------------

Handler = Callable[[IncidentState, ev.Event], IncidentState]
_HANDLERS: dict[type[ev.Event], Handler] = {}


def _on(cls: type[ev.Event]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[cls] = fn
        return fn

    return register


def apply(state: IncidentState, event: ev.Event) -> IncidentState:
    """The state after ``event``. Unknown and raw events only advance the counters."""
    handler = _HANDLERS.get(type(event))
    new = handler(state, event) if handler is not None else state
    counters = {"event_count": state.event_count + 1, "last_seq": event.seq, "last_at": event.at}
    if new is state:
        return evolve(state, **counters)
    for name, value in counters.items():  # ``new`` was built by the handler and is seen by no one yet
        object.__setattr__(new, name, value)
    return new


def fold(events: Iterable[ev.Event], state: IncidentState | None = None) -> IncidentState:
    state = state if state is not None else IncidentState()
    for event in events:
        state = apply(state, event)
    return state


def _ensure_member(state: IncidentState, handle: str, at: datetime) -> dict[str, Member]:
    members = dict(state.members)
    if handle not in members:
        person = next((p for p in state.people if p.handle == handle), None)
        members[handle] = Member(handle, person.name if person else "", "engaged", at, at, at)
    return members


def _set_member_status(member: Member, status: str, at: datetime) -> Member:
    if status == member.status:
        return member
    engaged_since, before = member.engaged_since, member.engaged_before
    if member.engaged_since is not None and status != "engaged":
        before += max(at - member.engaged_since, timedelta(0))
        engaged_since = None
    elif member.engaged_since is None and status == "engaged":
        engaged_since = at
    return replace(member, status=status, status_since=at, engaged_since=engaged_since,
                   engaged_before=before)


@_on(ev.SessionConfigured)
def _configured(state: IncidentState, e: ev.SessionConfigured) -> IncidentState:
    endpoints = dict(state.endpoints)
    for ref in e.endpoints:
        current = endpoints.get(ref.name, EndpointStatus(ref.name))
        endpoints[ref.name] = replace(current, service=ref.service, url=ref.url)
    return evolve(state, protocols=(ProtocolSpec(e.protocol, e.steps),), people=e.people,
                   endpoints=endpoints)


@_on(ev.ProtocolAdded)
def _protocol_added(state: IncidentState, e: ev.ProtocolAdded) -> IncidentState:
    if any(p.name == e.protocol for p in state.protocols):
        return state
    return evolve(state, protocols=state.protocols + (ProtocolSpec(e.protocol, e.steps),))


def _triggered(state: IncidentState, trigger: str, at: datetime, by: str) -> IncidentState:
    """Complete the steps that this moment completes by itself."""
    for _, step in state.all_steps():
        if step.done_on == trigger:
            state = evolve(state, steps=_mark_done(state, step.id, at, by))
    return state


@_on(ev.IncidentDeclared)
def _declared(state: IncidentState, e: ev.IncidentDeclared) -> IncidentState:
    entry = SeverityEntry(e.seq, e.at, e.by, e.severity, "declared")
    if state.declared_at is None:
        state = _triggered(state, "declared", e.at, e.by)
    return replace(
        state, title=e.title, severity=e.severity,
        declared_at=state.declared_at or e.at, declared_by=state.declared_by or e.by,
        severity_history=state.severity_history + (entry,),
    )


@_on(ev.IncidentRetitled)
def _retitled(state: IncidentState, e: ev.IncidentRetitled) -> IncidentState:
    return evolve(state, title=e.title)


@_on(ev.SeverityChanged)
def _severity(state: IncidentState, e: ev.SeverityChanged) -> IncidentState:
    entry = SeverityEntry(e.seq, e.at, e.by, e.severity, e.reason)
    return evolve(state, severity=e.severity, severity_history=state.severity_history + (entry,))


@_on(ev.StatusChanged)
def _status(state: IncidentState, e: ev.StatusChanged) -> IncidentState:
    resolved_at = e.at if e.status == "resolved" else None
    if e.status in ("monitoring", "resolved"):
        state = _triggered(state, e.status, e.at, e.by)
    return evolve(state, status=e.status, resolved_at=resolved_at,
                   status_history=state.status_history + (StatusEntry(e.seq, e.at, e.by, e.status),))


@_on(ev.ImpactAssessed)
def _impact(state: IncidentState, e: ev.ImpactAssessed) -> IncidentState:
    return evolve(state, impact={**state.impact, e.field: e.value})


def _mark_done(state: IncidentState, step_id: str, at: datetime, by: str) -> dict[str, StepProgress]:
    progress = state.steps.get(step_id, StepProgress())
    step = state.find_step(step_id)
    if step is not None and step.recurring:
        progress = replace(progress, state="done", at=at, by=by,
                           done_times=progress.done_times + (at,))
    elif progress.state != "done":  # the first "done" wins: a second seat's click changes nothing
        progress = StepProgress("done", at, by, "", progress.done_times + (at,))
    return {**state.steps, step_id: progress}


@_on(ev.StepDone)
def _step_done(state: IncidentState, e: ev.StepDone) -> IncidentState:
    return evolve(state, steps=_mark_done(state, e.step, e.at, e.by))


@_on(ev.StepSkipped)
def _step_skipped(state: IncidentState, e: ev.StepSkipped) -> IncidentState:
    progress = state.steps.get(e.step, StepProgress())
    if progress.state != "open":
        return state
    return evolve(state, steps={**state.steps, e.step: replace(
        progress, state="skipped", at=e.at, by=e.by, reason=e.reason)})


@_on(ev.StepReopened)
def _step_reopened(state: IncidentState, e: ev.StepReopened) -> IncidentState:
    progress = state.steps.get(e.step, StepProgress())
    return evolve(state, steps={**state.steps, e.step: replace(
        progress, state="open", at=e.at, by=e.by, reason="")})


@_on(ev.RoleAssigned)
def _role_assigned(state: IncidentState, e: ev.RoleAssigned) -> IncidentState:
    if e.handle in state.holders(e.role):
        return state
    terms = list(state.roles)
    if e.role != "sme":  # one holder at a time: assigning hands the role over
        terms = [replace(t, released_at=e.at) if t.current and t.role == e.role else t for t in terms]
    terms.append(RoleTerm(e.role, e.handle, e.at, e.by, e.briefing or ""))
    members = _ensure_member(state, e.handle, e.at)
    members[e.handle] = _set_member_status(members[e.handle], "engaged", e.at)
    if e.role == "commander":
        state = _triggered(state, "commander-assigned", e.at, e.by)
    return evolve(state, roles=tuple(terms), members=members)


@_on(ev.RoleReleased)
def _role_released(state: IncidentState, e: ev.RoleReleased) -> IncidentState:
    terms = tuple(
        replace(t, released_at=e.at) if t.current and t.role == e.role and t.handle == e.handle else t
        for t in state.roles
    )
    return evolve(state, roles=terms)


@_on(ev.MemberJoined)
def _member_joined(state: IncidentState, e: ev.MemberJoined) -> IncidentState:
    members = dict(state.members)
    if e.handle in members:
        members[e.handle] = _set_member_status(members[e.handle], e.status, e.at)
    else:
        person = next((p for p in state.people if p.handle == e.handle), None)
        name = e.name or (person.name if person else "")
        engaged = e.at if e.status == "engaged" else None
        members[e.handle] = Member(e.handle, name, e.status, e.at, e.at, engaged)
    return evolve(state, members=members)


@_on(ev.MemberStatusChanged)
def _member_status(state: IncidentState, e: ev.MemberStatusChanged) -> IncidentState:
    members = _ensure_member(state, e.handle, e.at)
    members[e.handle] = _set_member_status(members[e.handle], e.status, e.at)
    return evolve(state, members=members)


@_on(ev.AskStarted)
def _ask_started(state: IncidentState, e: ev.AskStarted) -> IncidentState:
    ask = Ask(e.seq, e.at, e.by, e.handle, e.task, e.minutes)
    return evolve(state, asks={**state.asks, e.seq: ask})


@_on(ev.AskDone)
def _ask_done(state: IncidentState, e: ev.AskDone) -> IncidentState:
    ask = state.asks.get(e.ask)
    if ask is None or not ask.open:
        return state
    return evolve(state, asks={**state.asks, e.ask: replace(ask, done_at=e.at)})


@_on(ev.HealthChanged)
def _health_changed(state: IncidentState, e: ev.HealthChanged) -> IncidentState:
    current = state.endpoints.get(e.endpoint, EndpointStatus(e.endpoint))
    updated = replace(current, state=e.to, since=e.at, detail=e.detail, changes=current.changes + 1)
    return evolve(state, endpoints={**state.endpoints, e.endpoint: updated})


@_on(ev.HealthSummary)
def _health_summary(state: IncidentState, e: ev.HealthSummary) -> IncidentState:
    endpoints = dict(state.endpoints)
    for name, window in e.endpoints.items():
        current = endpoints.get(name) or EndpointStatus(name)
        point = HealthPoint(e.at, window.state, window.p50_ms, window.p95_ms, window.ok_ratio)
        endpoints[name] = _with_history(current, current.history.append(point))
    return evolve(state, endpoints=endpoints)


_ENDPOINT_FIELDS = tuple(f.name for f in fields(EndpointStatus) if f.name != "history")


def _with_history(endpoint: EndpointStatus, history: Log[HealthPoint]) -> EndpointStatus:
    """``replace(endpoint, history=history)`` without its per-field checks: summaries are the
    most frequent events of a long session, one copy per endpoint each (bench/replay.py)."""
    new = object.__new__(EndpointStatus)
    for name in _ENDPOINT_FIELDS:
        object.__setattr__(new, name, getattr(endpoint, name))
    object.__setattr__(new, "history", history)
    return new


@_on(ev.NoteAdded)
def _note(state: IncidentState, e: ev.NoteAdded) -> IncidentState:
    return evolve(state, notes=state.notes.append(Entry(e.seq, e.at, e.by, e.text, e.tag)))


@_on(ev.UpdatePosted)
def _update(state: IncidentState, e: ev.UpdatePosted) -> IncidentState:
    entry = Entry(e.seq, e.at, e.by, e.text, "update", e.audience, next_update_at=e.next_update_at)
    state = evolve(state, updates=state.updates.append(entry))
    return _triggered(state, f"{e.audience}-update", e.at, e.by)


@_on(ev.RetroNote)
def _retro(state: IncidentState, e: ev.RetroNote) -> IncidentState:
    entry = Entry(e.seq, e.at, e.by, e.text, "retro", about=e.about)
    return evolve(state, retro_notes=state.retro_notes.append(entry))


@_on(ev.DrillInject)
def _inject(state: IncidentState, e: ev.DrillInject) -> IncidentState:
    return evolve(state, injects=state.injects.append(Entry(e.seq, e.at, e.by, e.text, "inject")))


@_on(ev.SeatJoined)
def _seat_joined(state: IncidentState, e: ev.SeatJoined) -> IncidentState:
    """Opening a seat that can record means working the incident: an observer only watches."""
    members = state.members
    if not e.read_only and e.handle not in members:
        members = _ensure_member(state, e.handle, e.at)
    open_seats = (*state.seats.get(e.handle, ()), e.read_only)
    return evolve(state, seats={**state.seats, e.handle: open_seats}, members=members)


@_on(ev.SeatLeft)
def _seat_left(state: IncidentState, e: ev.SeatLeft) -> IncidentState:
    open_seats = list(state.seats.get(e.handle, ()))
    if e.read_only in open_seats:
        open_seats.remove(e.read_only)
    elif open_seats:
        open_seats.pop()
    seats = dict(state.seats)
    if open_seats:
        seats[e.handle] = tuple(open_seats)
    else:
        seats.pop(e.handle, None)
    return evolve(state, seats=seats)
