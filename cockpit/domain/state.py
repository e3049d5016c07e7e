"""The incident state and the fold that derives it from events.

``apply(state, event)`` is pure: it never mutates ``state`` and the same events always fold to
the same state. The live cockpit, other seats, a replay at time t and the postmortem report all
run this one fold, so they can never disagree.

Its values are frozen dataclasses, but for the few made on most events (``PER_EVENT_VALUES``):
a frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, which made them
five times dearer to build and cost a long session's cold read a twentieth of its time. Those are
never changed once made either: the fold replaces them, as it does every other value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from cockpit.domain import events as ev
from cockpit.domain.durations import FLAP_CHANGES, FLAP_WINDOW, FlapWindow
from cockpit.domain.links import Link, url_problem
from cockpit.domain.log import Log
from cockpit.domain.protocol import Step, StepProgress, StepView, view_step

StopClock = datetime | None
"""Where the incident's clock stopped (the resolution), or None while it runs."""


_LONGEST_ASK_MINUTES = 36500 * 24 * 60.0


def _upto(now: datetime, stopped_at: datetime | None) -> datetime:
    return min(now, stopped_at) if stopped_at is not None else now


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
    seq: int = 0
    """The seq of the ``role.assigned`` that began the term."""

    @property
    def current(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class Member:
    """One person in the incident. Not slotted: the fold copies a member on every change of
    status, and ``evolve`` copies an instance's ``__dict__`` at C speed (a handful per incident)."""

    handle: str
    name: str
    status: str
    joined_at: datetime
    status_since: datetime
    engaged_since: datetime | None
    """Start of the current engaged stretch, None while not engaged."""
    engaged_before: timedelta = timedelta(0)
    """Engaged time in earlier stretches."""
    stopped_at: datetime | None = None
    """The resolution, while the incident is resolved: engaged time stops counting there."""

    def engaged_for(self, now: datetime) -> timedelta:
        """Total time engaged up to ``now`` (up to the resolution, once resolved)."""
        return self.engaged_before + self.stretch(now)

    def stretch(self, now: datetime) -> timedelta:
        """How long the current engaged stretch has lasted (zero when not engaged), up to the
        resolution once resolved."""
        if self.engaged_since is None:
            return timedelta(0)
        return max(_upto(now, self.stopped_at) - self.engaged_since, timedelta(0))


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
    stopped_at: datetime | None = None
    """The resolution, while the incident is resolved: an open ask stops counting there."""

    @property
    def due_at(self) -> datetime:
        # a file may say anything (1e20 minutes): no ask waits longer than a century
        return self.at + timedelta(minutes=min(self.minutes, _LONGEST_ASK_MINUTES))

    @property
    def open(self) -> bool:
        return self.done_at is None

    def left(self, now: datetime) -> timedelta:
        """Time left before the person is due back (negative once past), on the incident's
        clock: it stops at the resolution and at the answer."""
        end = _upto(now, self.stopped_at)
        if self.done_at is not None:
            end = min(end, self.done_at)
        return self.due_at - end

    def expired(self, now: datetime) -> bool:
        """Open and its time up, on the incident's clock."""
        return self.open and self.left(now) <= timedelta(0)


@dataclass(slots=True)  # not frozen: made per event (PER_EVENT_VALUES, above)
class HealthPoint:
    at: datetime
    state: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    ok_ratio: float | None = None


@dataclass(frozen=True)
class EndpointStatus:
    """Not slotted, like :class:`Member`: health events are most of a long session, and each
    copies the endpoint it changes with ``evolve`` (there are a few dozen endpoints, not more)."""

    name: str
    service: str = ""
    url: str = ""
    state: str = "unknown"
    since: datetime | None = None
    detail: str = ""
    changes: int = 0
    flap_changes: int = FLAP_CHANGES
    flap_window: timedelta = FLAP_WINDOW
    """The endpoint's flapping rule, as the session recorded it."""
    flaps: tuple[datetime, ...] = ()
    """When its last ``flap_changes`` state changes happened (learning the first state, a change
    from unknown, is not a flap)."""
    history: Log[HealthPoint] = field(default_factory=Log)
    """One point per ``health.summary``: what a replay draws its sparklines from."""
    dashboard: str = ""
    """The endpoint's dashboard link, as the session recorded it (empty when none, or when what
    the file says is not a link: cockpit.domain.links)."""

    def flapping(self, now: datetime) -> bool:
        """The monitor's rule, read from the record: its last ``flap_changes`` changes all fall
        within ``flap_window`` of now. Every seat and a replay reach the same answer."""
        return len(self.flaps) >= self.flap_changes and now - self.flaps[-self.flap_changes] <= self.flap_window


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert the team's monitoring raised, by fingerprint: the latest word on it.

    ``since`` is when it last started firing in the incident's record (the event's ``at``);
    ``starts_at``/``ends_at`` are Alertmanager's own times. ``episodes`` counts how often it fired.
    """

    fingerprint: str
    alertname: str
    severity: str
    summary: str
    description: str
    labels: dict[str, str]
    runbook_url: str
    generator_url: str
    starts_at: datetime | None
    ends_at: datetime | None
    firing: bool
    since: datetime
    resolved_at: datetime | None = None
    episodes: int = 1
    seq: int = 0

    @property
    def critical(self) -> bool:
        return self.severity.lower() in CRITICAL_ALERT_SEVERITIES

    def duration(self, now: datetime) -> timedelta:
        """How long it fired: Alertmanager's start to its end (or now, while it fires)."""
        start = self.starts_at or self.since
        end = (self.ends_at or self.resolved_at or now) if not self.firing else now
        return max(timedelta(0), end - start)


CRITICAL_ALERT_SEVERITIES = frozenset({"critical", "page", "sev1", "p1", "emergency"})
"""``severity`` labels that mean "wake someone": they rank first and raise the suggested severity."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page sent to a person (``handle``) or a role, and its acknowledgement.

    A page is acknowledged by a ``page.acknowledged`` event, or by the person answering it:
    joining engaged, turning engaged, opening a seat that records; a role's page by someone
    engaged taking or holding the role. ``acked_how`` says which."""

    seq: int
    at: datetime
    by: str
    handle: str
    role: str
    service: str
    detail: str
    message: str
    dedup_key: str
    ok: bool
    acked_at: datetime | None = None
    acked_by: str = ""
    acked_how: str = ""

    @property
    def target(self) -> str:
        """``alice``, or ``role ops``."""
        return self.handle if self.handle else f"role {self.role}"

    @property
    def waiting(self) -> bool:
        """Delivered and not acknowledged yet: someone should be answering."""
        return self.ok and self.acked_at is None


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where one update stands at one destination: its latest attempt's outcome."""

    ok: bool
    detail: str
    attempt: int
    at: datetime
    final: bool = False
    remote_id: str = ""


@dataclass(slots=True)  # not frozen: made per event (PER_EVENT_VALUES, above)
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
    category: str = ""
    """A retro note's place in the postmortem (``went_well``, ``root_cause``…), empty when none."""


PER_EVENT_VALUES = (HealthPoint, Entry, StepProgress)
"""The fold's values that are not frozen, being made on most events of a long session."""


@dataclass(frozen=True, slots=True)
class MomentMark:
    """A key moment as the record states it (``moment.marked``)."""

    at: datetime
    seq: int
    by: str
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class ActionItem:
    """What ``action.updated`` events say of one follow-up action (its note's seq), merged: the
    latest word on each field. Empty text means not known."""

    owner: str = ""
    type: str = ""
    priority: str = ""
    due: str = ""
    ticket: str = ""
    status: str = "open"
    updated_at: datetime | None = None
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class Review:
    """The postmortem's review (``review.updated``), merged: the latest word on each field."""

    owner: str = ""
    reviewers: tuple[str, ...] = ()
    date: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class ProtocolSpec:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
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
    impact_seen: dict[str, tuple[datetime, int]] = field(default_factory=dict)
    """Per size-up field, when (``at``, ``seq``) it was last assessed: the evidence for
    ``impact answered``."""
    steps: dict[str, StepProgress] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    roles: tuple[RoleTerm, ...] = ()
    asks: dict[int, Ask] = field(default_factory=dict)
    endpoints: dict[str, EndpointStatus] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    """Every alert seen, by fingerprint, firing or resolved."""
    endpoint_refs: dict[str, ev.EndpointRef] = field(default_factory=dict)
    """The endpoints as the session recorded them, by name, the latest configuration winning:
    what a seat may poll (``cockpit.polling``) without reading the events again."""
    notes: Log[Entry] = field(default_factory=Log)
    updates: Log[Entry] = field(default_factory=Log)
    retro_notes: Log[Entry] = field(default_factory=Log)
    injects: Log[Entry] = field(default_factory=Log)
    pages: tuple[Page, ...] = ()
    """Every page sent, oldest first, each with its acknowledgement once there is one."""
    deliveries: dict[int, dict[str, Delivery]] = field(default_factory=dict)
    """Per update (its seq), per destination: the latest ``update.delivered``. An update with no
    entry for a destination was never tried there."""
    remote_ids: dict[str, str] = field(default_factory=dict)
    """Per destination, the latest id it gave (a status page's incident), for the next update."""
    links: Log[Link] = field(default_factory=Log)
    """The links people added (``link.added``), oldest first; ``cockpit.domain.links.every_link``
    adds the steps' runbooks and the endpoints' dashboards."""
    moments: dict[str, MomentMark] = field(default_factory=dict)
    """The key moments the record states, by name (``impact_started``, ``detected``…): the
    latest marking wins, and one marked by hand is never replaced by an inferred one."""
    actions: dict[int, ActionItem] = field(default_factory=dict)
    """Per follow-up action (its note's seq), what ``action.updated`` says of it."""
    review: Review = field(default_factory=Review)
    seats: dict[str, tuple[bool, ...]] = field(default_factory=dict)
    """Handles watching now, each with one read-only flag per open seat: the same person may
    watch from a laptop and a wall screen, and closing one leaves them watching."""
    event_count: int = 0
    last_seq: int = 0
    last_at: datetime | None = None

    # -- questions the panes, the report and the rules ask -------------------------------------

    def clock_time(self, now: datetime) -> datetime:
        """``now``, or the resolution once resolved: the incident's clocks stop there.

        Every question below that depends on time reads this clock, so no caller can let a
        deadline, a countdown or an engaged time run on after the incident is over."""
        return min(now, self.resolved_at) if self.resolved_at else now

    def elapsed(self, now: datetime) -> timedelta | None:
        """Time since the declaration on the incident's clock (None before it is declared)."""
        if self.declared_at is None:
            return None
        return max(self.clock_time(now) - self.declared_at, timedelta(0))

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

    def ask_left(self, ask: Ask, now: datetime) -> timedelta:
        """Time left on an ask at ``now``, stopped at the resolution."""
        return ask.left(self.clock_time(now))

    def asks_due(self, now: datetime) -> list[Ask]:
        """Open asks whose time is up at ``now`` on the incident's clock: an ask still running
        when the incident was resolved never expires afterwards."""
        return [a for a in self.open_asks() if a.expired(self.clock_time(now))]

    def engaged_for(self, handle: str, now: datetime) -> timedelta:
        """Total time ``handle`` has been engaged, stopped at the resolution."""
        member = self.members.get(handle)
        return member.engaged_for(self.clock_time(now)) if member else timedelta(0)

    def stretch(self, handle: str, now: datetime) -> timedelta:
        """How long ``handle`` has been engaged without a break, stopped at the resolution."""
        member = self.members.get(handle)
        return member.stretch(self.clock_time(now)) if member else timedelta(0)

    def notes_tagged(self, tag: str) -> list[Entry]:
        return [n for n in self.notes if n.tag == tag]

    def all_steps(self) -> list[tuple[str, Step]]:
        """Every step of every protocol in force, first definition of an id winning."""
        return list(_steps_by_id(self.protocols).values())

    def find_step(self, step_id: str) -> Step | None:
        found = _steps_by_id(self.protocols).get(step_id)
        return found[1] if found is not None else None

    def step_views(self, now: datetime) -> list[StepView]:
        """Every step at ``now``; once resolved, exactly as it stood at the resolution.

        The views of the last moment asked about are kept, with what they are made of (the
        protocols, the progress, the declaration, the severity and the resolution, by identity:
        a note recorded is a new state that shares them): a screen's tick asks four times (the
        header's countdown, what calls for attention, the Protocol pane, the Calm clock) at the
        same second, and every seat redraws on each note followed. The triple is replaced whole, as
        ``_steps_by_id`` does, so another thread reads either triple, each right for itself."""
        global _last_views
        inputs = (self.protocols, self.steps, self.declared_at, self.severity, self.resolved_at)
        kept, moment, views = _last_views
        if moment != now or not all(a is b for a, b in zip(kept, inputs, strict=True)):
            clock = self.clock_time(now)
            views = tuple(
                view_step(
                    step, name, self.steps.get(step.id, StepProgress()),
                    declared_at=self.declared_at, severity=self.severity, now=clock,
                    resolved_at=self.resolved_at,
                )
                for name, step in self.all_steps()
            )
            _last_views = (inputs, now, views)
        return list(views)

    def proof_of(self, step: Step) -> int | None:
        """The seq of the event that proves ``step`` done by its ``done_when``, or None.

        Only the record after the step was last reopened counts: reopening a step says the
        earlier evidence was not enough."""
        return _proof(self, step)

    def proven_steps(self) -> list[tuple[str, int]]:
        """See :func:`proven_steps`."""
        return proven_steps(self)

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

    def firing_alerts(self) -> list[Alert]:
        """What fires now, the critical first, then the longest firing."""
        firing = [a for a in self.alerts.values() if a.firing]
        return sorted(firing, key=lambda a: (not a.critical, a.starts_at or a.since, a.alertname))

    def worst_endpoint(self) -> EndpointStatus | None:
        order = {"down": 0, "degraded": 1, "unknown": 2, "up": 3}
        if not self.endpoints:
            return None
        return min(self.endpoints.values(), key=lambda e: (order.get(e.state, 2), e.name))

    def page_for(self, *, handle: str | None = None, role: str | None = None) -> Page | None:
        """The latest page to this person or this role, or None when none was sent."""
        return next((p for p in reversed(self.pages)
                     if (handle is not None and p.handle == handle) or (role is not None and p.role == role)),
                    None)

    def waiting_pages(self) -> list[Page]:
        """Pages delivered and not acknowledged: the latest per person or role."""
        latest: dict[str, Page] = {}
        for page in self.pages:
            latest[page.target] = page
        return [p for p in latest.values() if p.waiting]


_last_steps: tuple[tuple[ProtocolSpec, ...], dict[str, tuple[str, Step]]] = ((), {})
_last_views: tuple[tuple[object, ...], datetime | None, tuple[StepView, ...]] = ((None,) * 5, None, ())


def _steps_by_id(protocols: tuple[ProtocolSpec, ...]) -> dict[str, tuple[str, Step]]:
    """Each step id in force, with its protocol's name and its first definition, in order.

    Kept for the last ``protocols`` asked about (states share that tuple until a protocol is
    added), since the fold asks on every ``step.done``: building it again cost a fifth of a long
    session's fold. The pair is replaced whole, so a thread folding another session at the same
    time reads either the old pair or the new one, each right for its own tuple."""
    global _last_steps
    known, index = _last_steps
    if known is not protocols:
        index = {}
        for spec in protocols:
            for step in spec.steps:
                index.setdefault(step.id, (spec.name, step))
        _last_steps = (protocols, index)
    return index


# -- steps the record proves done ------------------------------------------------------------

Mark = tuple[datetime, int]
"""A place in the one order every view folds by: ``at``, then ``seq``."""


def _proof(state: IncidentState, step: Step) -> int | None:
    condition = step.condition
    if condition is None:
        return None
    progress = state.steps.get(step.id, StepProgress())
    reopened = progress.state == "open" and progress.at is not None
    since: Mark | None = (progress.at, progress.seq) if reopened else None  # type: ignore[assignment]

    def newer(mark: Mark) -> bool:
        return since is None or mark > since

    if condition.kind == "impact":
        marks = []
        for name in condition.items:
            value = state.impact.get(name, "").strip().lower()
            if not value or value == "unknown" or name not in state.impact_seen:
                return None
            marks.append(state.impact_seen[name])
        latest = max(marks)
        return latest[1] if newer(latest) else None
    if condition.kind == "roles":
        marks = []
        for role in condition.items:
            terms = [t for t in state.roles if t.current and t.role == role]
            if not terms:
                return None
            marks.append(max((t.assumed_at, t.seq) for t in terms))
        latest = max(marks)
        return latest[1] if newer(latest) else None
    if condition.kind == "update":
        return next((u.seq for u in state.updates
                     if (not condition.items or u.audience in condition.items)
                     and newer((u.at, u.seq))), None)
    if condition.kind == "decision":
        words = condition.items
        return next((n.seq for n in state.notes
                     if n.tag == "decision" and newer((n.at, n.seq))
                     and (not words or any(w in n.text.lower() for w in words))), None)
    return None


def proven_steps(state: IncidentState) -> list[tuple[str, int]]:
    """``(step id, seq of the proving event)`` for every open step that applies at the current
    severity and whose ``done_when`` the record now satisfies: the steps the cockpit may close
    itself, with ``step.done`` by ``cockpit`` and that seq as ``evidence``. Pure: recording them
    is the session's business. A step done, skipped, or not applicable is never listed."""
    proven = []
    for _, step in state.all_steps():
        if step.done_when is None or step.recurring or not step.applies_to(state.severity):
            continue
        if state.steps.get(step.id, StepProgress()).state != "open":
            continue
        seq = _proof(state, step)
        if seq is not None:
            proven.append((step.id, seq))
    return proven


_Plain = TypeVar("_Plain", IncidentState, EndpointStatus, Member)


def evolve(value: _Plain, **changes: object) -> _Plain:
    """``dataclasses.replace`` without its per-field checks: the fold's hot path, once per event.

    The state (and the endpoints and members it copies on most events) are plain (not slotted)
    dataclasses so that this is one copy of their ``__dict__``, at C speed, whatever the number of
    fields (field by field cost five times as much at forty)."""
    new = object.__new__(type(value))
    object.__setattr__(new, "__dict__", {**value.__dict__, **changes})
    return new


NOTE_PARTS = frozenset({"notes", "event_count", "last_seq", "last_at"})
"""What a note (``note.added``) changes in the state: the notes, and the counters every event
moves."""
_BUT_NOTES = tuple(f.name for f in fields(IncidentState) if f.name not in NOTE_PARTS)


def parts_but_notes(state: IncidentState) -> tuple[object, ...]:
    """Every other part of ``state``, to compare by identity with an earlier state's: the fold
    keeps a part an event leaves alone as the same object, so what reads none of the notes and
    counters (the header, what calls for attention, the Calm pane) knows a note, the most
    common thing followed from another seat, left it as it was."""
    values = state.__dict__
    return tuple(values[name] for name in _BUT_NOTES)


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
    if new is state:
        return evolve(state, event_count=state.event_count + 1, last_seq=event.seq, last_at=event.at)
    # ``new`` was built by the handler and is seen by no one yet: its counters are set in place
    values = new.__dict__
    values["event_count"], values["last_seq"], values["last_at"] = state.event_count + 1, event.seq, event.at
    return new


def fold(events: Iterable[ev.Event], state: IncidentState | None = None) -> IncidentState:
    state = state if state is not None else IncidentState()
    for event in events:
        state = apply(state, event)
    return state


def _ensure_member(state: IncidentState, handle: str, at: datetime,
                   status: str = "engaged") -> dict[str, Member]:
    members = dict(state.members)
    if handle not in members:
        person = next((p for p in state.people if p.handle == handle), None)
        members[handle] = Member(handle, person.name if person else "", status, at, at,
                                 at if status == "engaged" else None, stopped_at=state.resolved_at)
    return members


def _set_member_status(member: Member, status: str, at: datetime) -> Member:
    if status == member.status:
        return member
    engaged_since, before = member.engaged_since, member.engaged_before
    if member.engaged_since is not None and status != "engaged":
        before += max(_upto(at, member.stopped_at) - member.engaged_since, timedelta(0))
        engaged_since = None
    elif member.engaged_since is None and status == "engaged":
        engaged_since = at
    return evolve(member, status=status, status_since=at, engaged_since=engaged_since,
                  engaged_before=before)


@_on(ev.SessionConfigured)
def _configured(state: IncidentState, e: ev.SessionConfigured) -> IncidentState:
    endpoints = dict(state.endpoints)
    for ref in e.endpoints:
        current = endpoints.get(ref.name, EndpointStatus(ref.name))
        changes, window = _flap_rule(ref)
        endpoints[ref.name] = replace(current, service=ref.service, url=ref.url, dashboard=_dashboard(ref),
                                      flap_changes=changes,
                                      flap_window=window, flaps=current.flaps[-changes:])
    refs = {**state.endpoint_refs, **{ref.name: ref for ref in e.endpoints}}
    return evolve(state, protocols=(ProtocolSpec(e.protocol, e.steps),), people=e.people,
                   endpoints=endpoints, endpoint_refs=refs)


def _dashboard(ref: ev.EndpointRef) -> str:
    """A recorded endpoint's ``dashboard``, only when it is a link that is safe to show."""
    url = getattr(ref, "dashboard", None)
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) and not url_problem(url) else ""


_FLAP_CHANGES = TypeAdapter(int)
_FLAP_WINDOW: TypeAdapter[timedelta] = TypeAdapter(FlapWindow)


def _flap_rule(ref: ev.EndpointRef) -> tuple[int, timedelta]:
    """The flapping rule a session recorded for an endpoint; the defaults when it recorded none
    or one this version cannot read."""
    try:
        changes = max(2, _FLAP_CHANGES.validate_python(getattr(ref, "flap_changes", FLAP_CHANGES)))
        return changes, _FLAP_WINDOW.validate_python(getattr(ref, "flap_window", FLAP_WINDOW))
    except ValidationError:
        return FLAP_CHANGES, FLAP_WINDOW


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


def _stop_clocks(state: IncidentState, at: datetime) -> dict[str, object]:
    """Resolution: engaged times and open asks stop counting at ``at``."""
    members = {h: replace(m, stopped_at=at) for h, m in state.members.items()}
    asks = {s: replace(a, stopped_at=at) if a.open else a for s, a in state.asks.items()}
    return {"members": members, "asks": asks}


def _restart_clocks(state: IncidentState, at: datetime) -> dict[str, object]:
    """Reopening: the time between resolution and reopening was nobody's engaged time (a new
    stretch begins now), and open asks count again."""
    members = {}
    for handle, m in state.members.items():
        if m.engaged_since is not None and m.stopped_at is not None:
            worked = max(m.stopped_at - m.engaged_since, timedelta(0))
            m = replace(m, engaged_before=m.engaged_before + worked, engaged_since=max(at, m.engaged_since))
        members[handle] = replace(m, stopped_at=None)
    asks = {s: replace(a, stopped_at=None) if a.stopped_at else a for s, a in state.asks.items()}
    return {"members": members, "asks": asks}


@_on(ev.StatusChanged)
def _status(state: IncidentState, e: ev.StatusChanged) -> IncidentState:
    clocks: dict[str, object] = {}
    if e.status == "resolved":
        # a second "resolved" (another seat, a late duplicate) does not move the resolution
        resolved_at = state.resolved_at or e.at
        if state.resolved_at is None:
            clocks = _stop_clocks(state, e.at)
    else:
        resolved_at = None
        if state.resolved_at is not None:
            clocks = _restart_clocks(state, e.at)
    if e.status in ("monitoring", "resolved"):
        state = _triggered(state, e.status, e.at, e.by)
    return evolve(state, status=e.status, resolved_at=resolved_at, **clocks,
                   status_history=state.status_history + (StatusEntry(e.seq, e.at, e.by, e.status),))


@_on(ev.ImpactAssessed)
def _impact(state: IncidentState, e: ev.ImpactAssessed) -> IncidentState:
    return evolve(state, impact={**state.impact, e.field: e.value},
                   impact_seen={**state.impact_seen, e.field: (e.at, e.seq)})


def _mark_done(state: IncidentState, step_id: str, at: datetime, by: str, seq: int = 0,
               evidence: int | None = None) -> dict[str, StepProgress]:
    progress = state.steps.get(step_id) or StepProgress()  # built only when missing: every step.done asks
    step = state.find_step(step_id)
    if step is not None and step.recurring:  # every "done" counts: the cadence runs from the last
        progress = StepProgress("done", at, by, progress.reason, progress.done_times.append(at), seq,
                                evidence)
    elif progress.state != "done":  # the first "done" wins: a second seat's click changes nothing
        progress = StepProgress("done", at, by, "", progress.done_times.append(at), seq, evidence)
    return {**state.steps, step_id: progress}


@_on(ev.StepDone)
def _step_done(state: IncidentState, e: ev.StepDone) -> IncidentState:
    return evolve(state, steps=_mark_done(state, e.step, e.at, e.by, e.seq, e.evidence))


@_on(ev.StepSkipped)
def _step_skipped(state: IncidentState, e: ev.StepSkipped) -> IncidentState:
    progress = state.steps.get(e.step, StepProgress())
    if progress.state != "open":
        return state
    return evolve(state, steps={**state.steps, e.step: replace(
        progress, state="skipped", at=e.at, by=e.by, reason=e.reason, seq=e.seq, evidence=None)})


@_on(ev.StepReopened)
def _step_reopened(state: IncidentState, e: ev.StepReopened) -> IncidentState:
    progress = state.steps.get(e.step, StepProgress())
    return evolve(state, steps={**state.steps, e.step: replace(
        progress, state="open", at=e.at, by=e.by, reason="", seq=e.seq, evidence=None)})


@_on(ev.RoleAssigned)
def _role_assigned(state: IncidentState, e: ev.RoleAssigned) -> IncidentState:
    if e.handle in state.holders(e.role):
        return state
    terms = list(state.roles)
    if e.role != "sme":  # one holder at a time: assigning hands the role over
        terms = [replace(t, released_at=e.at) if t.current and t.role == e.role else t for t in terms]
    terms.append(RoleTerm(e.role, e.handle, e.at, e.by, e.briefing or "", seq=e.seq))
    # Someone given a role who has not joined yet is paged, not engaged: being named is not
    # answering (unless they named themselves). Whoever has joined keeps their status; one who
    # is off or resting gets a roster warning instead (roster.py).
    members = _ensure_member(state, e.handle, e.at, "engaged" if e.by == e.handle else "paged")
    if e.role == "commander":
        state = _triggered(state, "commander-assigned", e.at, e.by)
    state = evolve(state, roles=tuple(terms), members=members)
    return _answered(state, e.handle, e.at, "took the role") if members[e.handle].status == "engaged" else state


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
        members[e.handle] = Member(e.handle, name, e.status, e.at, e.at, engaged,
                                   stopped_at=state.resolved_at)
    state = evolve(state, members=members)
    return _answered(state, e.handle, e.at, "joined") if e.status == "engaged" else state


@_on(ev.MemberStatusChanged)
def _member_status(state: IncidentState, e: ev.MemberStatusChanged) -> IncidentState:
    members = _ensure_member(state, e.handle, e.at)
    members[e.handle] = _set_member_status(members[e.handle], e.status, e.at)
    state = evolve(state, members=members)
    return _answered(state, e.handle, e.at, "engaged") if e.status == "engaged" else state


@_on(ev.AskStarted)
def _ask_started(state: IncidentState, e: ev.AskStarted) -> IncidentState:
    ask = Ask(e.seq, e.at, e.by, e.handle, e.task, e.minutes, stopped_at=state.resolved_at)
    return evolve(state, asks={**state.asks, e.seq: ask})


@_on(ev.AskDone)
def _ask_done(state: IncidentState, e: ev.AskDone) -> IncidentState:
    ask = state.asks.get(e.ask)
    if ask is None or not ask.open:
        return state
    return evolve(state, asks={**state.asks, e.ask: replace(ask, done_at=e.at)})


@_on(ev.HealthChanged)
def _health_changed(state: IncidentState, e: ev.HealthChanged) -> IncidentState:
    current = state.endpoints.get(e.endpoint) or EndpointStatus(e.endpoint)
    flaps = current.flaps if e.from_ == "unknown" else (*current.flaps, e.at)[-current.flap_changes:]
    updated = evolve(current, state=e.to, since=e.at, detail=e.detail, changes=current.changes + 1,
                     flaps=flaps)
    return evolve(state, endpoints={**state.endpoints, e.endpoint: updated})


@_on(ev.HealthSummary)
def _health_summary(state: IncidentState, e: ev.HealthSummary) -> IncidentState:
    endpoints = dict(state.endpoints)
    for name, window in e.endpoints.items():
        current = endpoints.get(name) or EndpointStatus(name)
        point = HealthPoint(e.at, window.state, window.p50_ms, window.p95_ms, window.ok_ratio)
        endpoints[name] = evolve(current, history=current.history.append(point))
    return evolve(state, endpoints=endpoints)


@_on(ev.AlertFiring)
@_on(ev.AlertResolved)
def _alert(state: IncidentState, e: ev.AlertFiring | ev.AlertResolved) -> IncidentState:
    firing = isinstance(e, ev.AlertFiring)
    before = state.alerts.get(e.fingerprint)
    again = firing and (before is None or not before.firing)
    alert = Alert(
        e.fingerprint, e.alertname, e.severity, e.summary, e.description, dict(e.labels),
        e.runbook_url, e.generator_url, e.starts_at, e.ends_at, firing,
        since=e.at if again or before is None else before.since,
        resolved_at=None if firing else e.at,
        episodes=before.episodes + again if before else 1,
        seq=e.seq,
    )
    return evolve(state, alerts={**state.alerts, e.fingerprint: alert})


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
    entry = Entry(e.seq, e.at, e.by, e.text, "retro", about=e.about, category=e.category or "")
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
    state = evolve(state, seats={**state.seats, e.handle: open_seats}, members=members)
    return state if e.read_only else _answered(state, e.handle, e.at, "opened a seat")


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


# -- pages and links -----------------------------------------------------------------------------


def _answered(state: IncidentState, handle: str, at: datetime, how: str) -> IncidentState:
    """``handle`` is engaged at ``at``: the pages waiting for them, and for the roles they hold
    now, are acknowledged. Costs nothing while nobody was paged."""
    if not state.pages:
        return state
    roles = set(state.roles_of(handle))
    if not any(p.waiting and (p.handle == handle or p.role in roles) for p in state.pages):
        return state
    pages = tuple(replace(p, acked_at=at, acked_by=handle, acked_how=how)
                  if p.waiting and (p.handle == handle or p.role in roles) else p for p in state.pages)
    return evolve(state, pages=pages)


@_on(ev.PageSent)
def _page_sent(state: IncidentState, e: ev.PageSent) -> IncidentState:
    page = Page(e.seq, e.at, e.by, e.handle or "", e.role or "", e.service, e.detail, e.message,
                e.dedup_key, e.ok)
    members = state.members
    if e.ok and e.handle is not None:  # a person called in shows as paged until they answer
        members = _ensure_member(state, e.handle, e.at, "paged")
        if members[e.handle].status in ("resting", "off"):
            members[e.handle] = _set_member_status(members[e.handle], "paged", e.at)
    return evolve(state, pages=state.pages + (page,), members=members)


@_on(ev.PageAcknowledged)
def _page_acknowledged(state: IncidentState, e: ev.PageAcknowledged) -> IncidentState:
    """By its key when the acknowledgement names one (the pager service's word), else every
    waiting page of the person or role."""
    def matches(p: Page) -> bool:
        if e.dedup_key:
            return p.dedup_key == e.dedup_key
        return (e.handle is not None and p.handle == e.handle) or (e.role is not None and p.role == e.role)

    if not any(p.waiting and matches(p) for p in state.pages):
        return state
    how = e.detail or "acknowledged"
    who = e.handle or e.by
    pages = tuple(replace(p, acked_at=e.at, acked_by=who, acked_how=how) if p.waiting and matches(p) else p
                  for p in state.pages)
    return evolve(state, pages=pages)


@_on(ev.UpdateDelivered)
def _update_delivered(state: IncidentState, e: ev.UpdateDelivered) -> IncidentState:
    delivery = Delivery(e.ok, e.detail, e.attempt, e.at, e.final, e.remote_id)
    deliveries = {**state.deliveries, e.update: {**state.deliveries.get(e.update, {}), e.destination: delivery}}
    remote_ids = {**state.remote_ids, e.destination: e.remote_id} if e.remote_id else state.remote_ids
    return evolve(state, deliveries=deliveries, remote_ids=remote_ids)


@_on(ev.LinkAdded)
def _link_added(state: IncidentState, e: ev.LinkAdded) -> IncidentState:
    link = Link(e.label or e.url, e.url, e.link_kind, "link", e.seq, e.at, e.by)
    return evolve(state, links=state.links.append(link))


# -- the postmortem's facts: key moments, action items, the review --------------------------------


@_on(ev.MomentMarked)
def _moment(state: IncidentState, e: ev.MomentMarked) -> IncidentState:
    before = state.moments.get(e.moment)
    if e.inferred and before is not None and not before.inferred:
        return state
    return evolve(state, moments={**state.moments, e.moment: MomentMark(e.at, e.seq, e.by, e.inferred)})


_ACTION_FIELDS = ("owner", "type", "priority", "due", "ticket", "status")


@_on(ev.ActionUpdated)
def _action_updated(state: IncidentState, e: ev.ActionUpdated) -> IncidentState:
    item = state.actions.get(e.action, ActionItem())
    given = {name: getattr(e, name).strip() for name in _ACTION_FIELDS if getattr(e, name) is not None}
    if given.get("status") == "":
        given["status"] = "open"
    item = replace(item, **given, updated_at=e.at, updated_by=e.by)
    return evolve(state, actions={**state.actions, e.action: item})


@_on(ev.ReviewUpdated)
def _review_updated(state: IncidentState, e: ev.ReviewUpdated) -> IncidentState:
    given: dict[str, object] = {name: getattr(e, name).strip() for name in ("owner", "date", "status")
                                if getattr(e, name) is not None}
    if e.reviewers is not None:
        given["reviewers"] = e.reviewer_list
    return evolve(state, review=replace(state.review, **given))
