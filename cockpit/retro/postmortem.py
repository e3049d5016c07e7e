"""The postmortem: a typed model of what a review reads, filled from the record, with gaps named.

The sections follow PagerDuty's postmortem template and the Google SRE book's example postmortem:
summary, impact, detection, trigger, root cause, contributing factors, resolution, key moments and
metrics, what went well / wrong / where we got lucky, action items, supporting links, the
communications sent, and the review (owner, reviewers, date, status). ``cockpit report`` writes
it as JSON (``postmortem`` in the document) and as Markdown (``cockpit.retro.markdown``), both from
this one model.

Where the facts come from (docs/postmortem.md):

- **Key moments** (:func:`key_moments`): a ``moment.marked`` by hand always wins; otherwise the
  moment is inferred from the record and says so: *impact started* = the first alert's start or
  the first health change to degraded/down; *detected* = the first alert, the first health change
  to degraded/down, or the declaration, whichever came first; *mitigated* = the first status
  ``monitoring``, else ``resolved``; *restored* = every endpoint that went bad back up and every
  alert resolved (the last of those changes, before the resolution), else the resolution.
- **Metrics** (:func:`incident_metrics`), in seconds: time to detect (impact started → detected),
  to acknowledge (declared → first commander), to mitigate (declared → mitigated, as the SRE book
  counts), to restore (declared → restored), outage (impact started → restored) and incident
  (declared → resolved).
- **Sections written by people** are retro notes with a ``category`` (``summary``, ``root_cause``,
  ``trigger``, ``contributing``, ``detection``, ``resolution``, ``impact``, ``went_well``,
  ``went_wrong``, ``lucky``; ``how`` answers count as contributing factors); the quantified impact
  is ``impact.assessed`` with ``field = "quantified"``; action items are notes tagged ``action``
  with what ``action.updated`` says of them; the review is ``review.updated``.

Insight across incidents reads :func:`incident_metrics` (one :class:`Metrics` per session) and
:func:`action_items`; nothing here imports Textual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.durations import human_duration
from cockpit.domain.links import every_link
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import IMPACT_FIELDS, MOMENT_LABELS, MOMENTS

SECTION_CATEGORIES: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "impact": ("impact",),
    "detection": ("detection",),
    "trigger": ("trigger",),
    "root_cause": ("root_cause",),
    "contributing": ("contributing", "how"),
    "resolution": ("resolution",),
    "went_well": ("went_well",),
    "went_wrong": ("went_wrong",),
    "lucky": ("lucky",),
}
"""Which retro-note categories fill each written section of the postmortem."""

FILL_HINT = ("in replay press r at the moment it is about and choose the section, or: cockpit record"
             " SESSION retro.note text=\"…\" category={category}")
"""How to fill a written section that the record leaves empty."""


@dataclass(frozen=True, slots=True)
class KeyMoment:
    """One moment of the incident's story: marked by someone, or read off the record."""

    moment: str
    at: datetime | None
    inferred: bool
    source: str
    """What says so: ``marked by jennifer``, ``alert ManyHttp500s firing``, ``payments-api down``."""

    @property
    def label(self) -> str:
        return MOMENT_LABELS[self.moment]


@dataclass(frozen=True, slots=True)
class Metrics:
    """The incident's times (UTC) and the durations between them, in seconds (None: unknown)."""

    impact_started_at: datetime | None
    detected_at: datetime | None
    declared_at: datetime | None
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    restored_at: datetime | None
    resolved_at: datetime | None
    time_to_detect_s: float | None
    time_to_acknowledge_s: float | None
    time_to_mitigate_s: float | None
    time_to_restore_s: float | None
    outage_s: float | None
    incident_s: float | None


@dataclass(frozen=True, slots=True)
class Written:
    """A retro note placed in a section."""

    seq: int
    at: datetime
    by: str
    text: str
    about: datetime | None
    category: str


@dataclass(frozen=True, slots=True)
class Section:
    """A section people write: its notes, or the gap and how to fill it."""

    notes: tuple[Written, ...]
    gap: str | None


@dataclass(frozen=True, slots=True)
class ActionItemRow:
    """A follow-up action: the note that named it and what is tracked of it."""

    seq: int
    at: datetime
    by: str
    text: str
    owner: str | None
    type: str | None
    priority: str | None
    due: str | None
    ticket: str | None
    status: str


@dataclass(frozen=True, slots=True)
class Delivered:
    destination: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Communication:
    """An update sent, and where it arrived."""

    seq: int
    at: datetime
    by: str
    audience: str
    text: str
    deliveries: tuple[Delivered, ...]


@dataclass(frozen=True, slots=True)
class SupportingLink:
    label: str
    url: str
    kind: str


@dataclass(frozen=True, slots=True)
class Impact:
    customer_facing: str | None
    users_affected: str | None
    functionality: str | None
    data: str | None
    revenue: str | None
    services: str | None
    regions: str | None
    quantified: str | None
    """The figure the team put on it (``impact.assessed`` ``quantified``): "1.21B queries lost"."""
    notes: Section


@dataclass(frozen=True, slots=True)
class Detection:
    by: str | None
    """Who or what noticed: an alert, an endpoint's health, a person."""
    at: datetime | None
    inferred: bool
    time_to_detect_s: float | None
    notes: Section


@dataclass(frozen=True, slots=True)
class ReviewInfo:
    owner: str | None
    reviewers: tuple[str, ...]
    date: str | None
    status: str
    """``draft`` until someone says otherwise."""


@dataclass(frozen=True, slots=True)
class Postmortem:
    """The whole document. ``gaps`` lists, in reading order, what the record does not say."""

    title: str
    summary: Section
    generated_summary: str
    """A sentence from the record, shown when nobody wrote the summary."""
    impact: Impact
    detection: Detection
    trigger: Section
    root_cause: Section
    contributing: Section
    resolution: Section
    went_well: Section
    went_wrong: Section
    lucky: Section
    moments: tuple[KeyMoment, ...]
    metrics: Metrics
    action_items: tuple[ActionItemRow, ...]
    links: tuple[SupportingLink, ...]
    communications: tuple[Communication, ...]
    review: ReviewInfo
    gaps: tuple[str, ...] = field(default_factory=tuple)

    def document(self) -> dict[str, Any]:
        """The model as JSON-ready data (times stay datetimes: ``jsonfmt`` writes them)."""
        return as_data(self)


def as_data(value: Any) -> Any:
    """Dataclasses as dicts and tuples as lists, all the way down. Not ``dataclasses.asdict``:
    it deep-copies every value, and the times pydantic parsed carry a zone it cannot copy."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [as_data(item) for item in value]
    return value


# -- key moments and metrics -------------------------------------------------------------------


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max(end - start, timedelta(0)).total_seconds(), 3)


def _first_trouble(events: Sequence[ev.Event]) -> tuple[datetime, str] | None:
    """The first sign of trouble in the record: an alert starting, a health change to bad."""
    signs: list[tuple[datetime, str]] = []
    for event in events:
        if isinstance(event, ev.AlertFiring):
            name = event.alertname or event.fingerprint
            signs.append((min(event.starts_at or event.at, event.at), f"alert {name} firing"))
            break
    for event in events:
        if isinstance(event, ev.HealthChanged) and event.to in ("degraded", "down"):
            signs.append((event.at, f"{event.endpoint} {event.to}"))
            break
    return min(signs, key=lambda sign: sign[0]) if signs else None


def _first_noticed(events: Sequence[ev.Event], state: IncidentState) -> tuple[datetime, str] | None:
    """Who or what noticed first: an alert received, a health check failing, the declaration."""
    signs: list[tuple[datetime, str]] = []
    alert = next((e for e in events if isinstance(e, ev.AlertFiring)), None)
    if alert is not None:
        signs.append((alert.at, f"alert {alert.alertname or alert.fingerprint}"))
    health = next((e for e in events if isinstance(e, ev.HealthChanged) and e.to in ("degraded", "down")), None)
    if health is not None:
        signs.append((health.at, f"health check of {health.endpoint} ({health.to})"))
    if state.declared_at is not None:
        signs.append((state.declared_at, f"{state.declared_by or 'someone'}, declaring the incident"))
    return min(signs, key=lambda sign: sign[0]) if signs else None


def _restored(events: Sequence[ev.Event], state: IncidentState) -> tuple[datetime, str] | None:
    """When every endpoint that went bad was back up and every alert resolved (before the
    resolution), else the resolution itself."""
    bad: set[str] = set()
    firing: set[str] = set()
    last: tuple[datetime, str] | None = None
    for event in events:
        if state.resolved_at is not None and event.at > state.resolved_at:
            break
        if isinstance(event, ev.HealthChanged):
            if event.to in ("degraded", "down"):
                bad.add(event.endpoint)
            elif event.to == "up" and event.endpoint in bad:
                bad.discard(event.endpoint)
                if not bad and not firing:
                    last = (event.at, f"{event.endpoint} back up")
        elif isinstance(event, ev.AlertFiring):
            firing.add(event.fingerprint)
        elif isinstance(event, ev.AlertResolved) and event.fingerprint in firing:
            firing.discard(event.fingerprint)
            if not bad and not firing:
                last = (event.ends_at or event.at, f"alert {event.alertname or event.fingerprint} resolved")
    if last is not None and not bad and not firing:
        return last
    if state.resolved_at is not None:
        return state.resolved_at, "the resolution"
    return None


def key_moments(events: Sequence[ev.Event], state: IncidentState) -> tuple[KeyMoment, ...]:
    """The four key moments, each marked by hand, inferred from the record, or unknown."""
    inferred: dict[str, tuple[datetime, str] | None] = {
        "impact_started": _first_trouble(events),
        "detected": _first_noticed(events, state),
        "mitigated": next(((s.at, f"status {s.status}") for s in state.status_history
                           if s.status in ("monitoring", "resolved")), None),
        "restored": _restored(events, state),
    }
    out = []
    for name in MOMENTS:
        mark = state.moments.get(name)
        if mark is not None and not mark.inferred:
            out.append(KeyMoment(name, mark.at, False, f"marked by {mark.by}"))
        elif mark is not None:
            out.append(KeyMoment(name, mark.at, True, f"recorded as inferred by {mark.by}"))
        elif inferred[name] is not None:
            at, source = inferred[name]  # type: ignore[misc]
            out.append(KeyMoment(name, at, True, source))
        else:
            out.append(KeyMoment(name, None, True, "not in the record"))
    return tuple(out)


def incident_metrics(events: Sequence[ev.Event], state: IncidentState,
                     moments: Sequence[KeyMoment] | None = None) -> Metrics:
    """The incident's times and durations: what the report, and insight across incidents, count."""
    at = {m.moment: m.at for m in (moments if moments is not None else key_moments(events, state))}
    declared = state.declared_at
    acknowledged = min((t.assumed_at for t in state.roles if t.role == "commander"), default=None)
    return Metrics(
        impact_started_at=at["impact_started"], detected_at=at["detected"], declared_at=declared,
        acknowledged_at=acknowledged, mitigated_at=at["mitigated"], restored_at=at["restored"],
        resolved_at=state.resolved_at,
        time_to_detect_s=_seconds(at["impact_started"], at["detected"]),
        time_to_acknowledge_s=_seconds(declared, acknowledged),
        time_to_mitigate_s=_seconds(declared, at["mitigated"]),
        time_to_restore_s=_seconds(declared, at["restored"]),
        outage_s=_seconds(at["impact_started"], at["restored"]),
        incident_s=_seconds(declared, state.resolved_at),
    )


# -- the sections --------------------------------------------------------------------------------


QUESTIONS: dict[str, str] = {
    "happening": "What's happening?",
    "how": "How did we get here?",
    "impact": "What's the immediate impact?",
}
_QUESTION_PREFIX = re.compile(r"^\s*(happening|how|impact)\s*:\s*", re.IGNORECASE)


def question_of(event: ev.Event) -> tuple[str | None, str]:
    """(question key or None, text without its prefix) of a retro note: its ``category`` when
    that is a question; in notes written before categories, a ``question`` field or a
    ``happening:``-style prefix."""
    text = str(getattr(event, "text", ""))
    category = getattr(event, "category", None)
    if category:
        return (category if category in QUESTIONS else None), text
    chosen = (event.model_extra or {}).get("question")
    if isinstance(chosen, str) and chosen.lower() in QUESTIONS:
        return chosen.lower(), text
    match = _QUESTION_PREFIX.match(text)
    if match:
        return match.group(1).lower(), text[match.end():]
    return None, text


def category_of(note: Any) -> str | None:
    """A retro note's category: its ``category``, else the question an older note answers."""
    category = getattr(note, "category", None)
    return str(category) if category else question_of(note)[0]


def _section(retro: Sequence[ev.RetroNote], name: str) -> Section:
    categories = SECTION_CATEGORIES[name]
    notes = tuple(Written(n.seq, n.at, n.by, question_of(n)[1], n.about, category_of(n) or "")
                  for n in retro if category_of(n) in categories)
    gap = None if notes else FILL_HINT.format(category=categories[0])
    return Section(notes, gap)


def action_items(state: IncidentState) -> tuple[ActionItemRow, ...]:
    """Every follow-up action (notes tagged ``action``) with what is tracked of it."""
    rows = []
    for note in state.notes_tagged("action"):
        item = state.actions.get(note.seq)
        rows.append(ActionItemRow(
            note.seq, note.at, note.by, note.text,
            owner=(item.owner or None) if item else None, type=(item.type or None) if item else None,
            priority=(item.priority or None) if item else None, due=(item.due or None) if item else None,
            ticket=(item.ticket or None) if item else None, status=item.status if item else "open"))
    return tuple(rows)


def _links(state: IncidentState) -> tuple[SupportingLink, ...]:
    """The incident's links: those people added, the steps' runbooks, the endpoints' dashboards."""
    return tuple(SupportingLink(link.label, link.url, link.kind) for link in every_link(state))


def _communications(state: IncidentState) -> tuple[Communication, ...]:
    out = []
    for update in state.updates:
        delivered = tuple(Delivered(name, d.ok, d.detail)
                          for name, d in sorted(state.deliveries.get(update.seq, {}).items()))
        out.append(Communication(update.seq, update.at, update.by, update.audience, update.text, delivered))
    return tuple(out)


def _generated_summary(state: IncidentState, metrics: Metrics, worst: str | None) -> str:
    if state.declared_at is None:
        return "No incident was declared in this session."
    parts = [f"{state.title}: {worst or state.severity}"]
    if metrics.outage_s is not None:
        parts.append(f"service affected for {_minutes(metrics.outage_s)}")
    if metrics.time_to_mitigate_s is not None:
        parts.append(f"mitigated {_minutes(metrics.time_to_mitigate_s)} after the declaration")
    parts.append(f"resolved after {_minutes(metrics.incident_s)}" if metrics.incident_s is not None
                 else "not resolved when the record ends")
    return ", ".join(parts) + "."


def _minutes(seconds: float) -> str:
    return human_duration(seconds)


def build_postmortem(events: Sequence[ev.Event], state: IncidentState, *, worst: str | None = None) -> Postmortem:
    """The postmortem of a folded session (``events`` in fold order, ``state`` their fold)."""
    retro = [e for e in events if isinstance(e, ev.RetroNote)]
    moments = key_moments(events, state)
    metrics = incident_metrics(events, state, moments)
    sections = {name: _section(retro, name) for name in SECTION_CATEGORIES}
    detected = next(m for m in moments if m.moment == "detected")
    noticed = _first_noticed(events, state)
    noticed_by = noticed[1] if noticed else (None if detected.inferred else detected.source)
    impact = Impact(**{name: state.impact.get(name) or None for name in IMPACT_FIELDS},
                    quantified=state.impact.get("quantified") or None, notes=sections["impact"])
    review = ReviewInfo(state.review.owner or None, state.review.reviewers, state.review.date or None,
                        state.review.status or "draft")
    gaps = [f"{name.replace('_', ' ')}: {section.gap}" for name, section in sections.items()
            if section.gap and name not in ("impact", "detection", "lucky")]
    if impact.quantified is None:
        gaps.append("quantified impact: cockpit record SESSION impact.assessed field=quantified"
                    " value=\"…\" (for example \"1.21B queries lost\")")
    for moment in moments:
        if moment.at is None:
            gaps.append(f"{moment.label}: not in the record; cockpit record SESSION moment.marked"
                        f" moment={moment.moment} --at TIME, or m in the cockpit or replay")
    for item in action_items(state):
        if item.owner is None:
            gaps.append(f"action #{item.seq} has no owner: cockpit record SESSION action.updated"
                        f" action={item.seq} owner=HANDLE, or A in the cockpit or replay")
    if review.owner is None:
        gaps.append("review owner: cockpit record SESSION review.updated owner=HANDLE reviewers=… date=YYYY-MM-DD")
    return Postmortem(
        title=state.title, summary=sections["summary"],
        generated_summary=_generated_summary(state, metrics, worst), impact=impact,
        detection=Detection(noticed_by, detected.at, detected.inferred, metrics.time_to_detect_s,
                            sections["detection"]),
        trigger=sections["trigger"], root_cause=sections["root_cause"],
        contributing=sections["contributing"], resolution=sections["resolution"],
        went_well=sections["went_well"], went_wrong=sections["went_wrong"], lucky=sections["lucky"],
        moments=moments, metrics=metrics, action_items=action_items(state), links=_links(state),
        communications=_communications(state), review=review, gaps=tuple(gaps),
    )
