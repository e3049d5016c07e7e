"""The narrator: every event in plain words, one voice for every surface.

The timeline pane, the strip under the tabs, an entry opened in full, the replay's time bar and key
moments, the postmortem report, ``cockpit status`` and the drill follower all say what an event
means with :func:`narrate`. A surface chooses *which* events it shows and what it puts around
them (time, author, columns), never the words for the event.

``narrate(event, context)`` says what happened without the time and the author. Kinds this
version does not know, and events that no longer validate, are shown raw: their kind and fields,
so a session written by a newer version still reads and nothing is hidden.

The narration is safe for a terminal: it is one line, passed through
:func:`cockpit.text.printable` here, once, so text from people and endpoints can never move the
cursor or change colours. (Markdown escapes it again for Markdown.) Headless: no Textual, no Rich.

:class:`Context` is what the narrator may know beyond the event: the text of each step (it *is*
a mapping of step ids to text, so it goes wherever step texts go) and the record, so a step
closed by the cockpit names the event that proves it, and a handover shows its briefing once, on
the assignment.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.durations import short_time
from cockpit.domain.vocabulary import (
    COCKPIT, IMPACT_LABELS, MOMENT_LABELS, RETRO_CATEGORY_LABELS, ROLE_TITLES,
)
from cockpit.text import printable
from cockpit.tomlfmt import toml_datetime

SEVERITY_WORDS = {"SEV1": "critical", "SEV2": "major", "SEV3": "moderate", "SEV4": "minor",
                  "SEV5": "low"}
"""The word shown beside each severity, so the level never depends on colour or memory."""

HEALTH_BADGES = {"up": "▲ UP", "degraded": "◆ DEGRADED", "down": "▼ DOWN", "unknown": "? UNKNOWN"}
"""An endpoint's state as a badge, for lists of endpoints where a shape helps the eye."""

SHORT = 60
"""How many characters a short narration (the evidence named by a step) keeps."""

_BASE_FIELDS = ("seq", "at", "by", "kind")


class Context(Mapping[str, str]):
    """Step ids to their text, plus the record the narrated events belong to.

    ``add`` takes events as they arrive (a live timeline, a replay growing); looking an event up
    by its ``seq`` is what names a step's evidence.
    """

    def __init__(self, steps: Mapping[str, str] | None = None, events: Iterable[ev.Event] = ()) -> None:
        self._steps = dict(steps or {})
        self._by_seq: dict[int, ev.Event] = {}
        self._assigned: set[tuple[str, str]] = set()
        """(role, briefing) of every assignment that carries a briefing."""
        self.add(events)

    def add(self, events: Iterable[ev.Event]) -> None:
        for event in events:
            if event.seq:
                self._by_seq.setdefault(event.seq, event)
            if isinstance(event, ev.RoleAssigned) and event.briefing:
                self._assigned.add((event.role, event.briefing))

    def with_steps(self, steps: Mapping[str, str]) -> Context:
        """The same record with other step texts (a protocol added mid-incident)."""
        other = Context(steps)
        other._by_seq, other._assigned = self._by_seq, self._assigned
        return other

    def event(self, seq: int) -> ev.Event | None:
        return self._by_seq.get(seq)

    def briefing_taken(self, role: str, briefing: str) -> bool:
        """Whether an assignment of ``role`` carries ``briefing``: the release was a handover."""
        return (role, briefing) in self._assigned

    # Mapping[str, str]: the step texts
    def __getitem__(self, key: str) -> str:
        return self._steps[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._steps)

    def __len__(self) -> int:
        return len(self._steps)


def narrate(event: ev.Event, context: Mapping[str, str] | None = None) -> str:
    """What ``event`` says, in one line of plain, printable words.

    ``context`` maps step ids to their text (a :class:`Context` also knows the record).
    """
    handler = _NARRATORS.get(type(event))
    text = handler(event, {} if context is None else context) if handler is not None else narrate_raw(event)
    return printable(text, one_line=True)


def narrate_short(event: ev.Event, context: Mapping[str, str] | None = None, *, limit: int = SHORT) -> str:
    """:func:`narrate`, cut to ``limit`` characters with "…"."""
    text = narrate(event, context)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def raw_fields(event: ev.Event) -> dict[str, Any]:
    """The fields of an event beyond seq/at/by/kind, as they would be written."""
    return {k: v for k, v in event.to_record().items() if k not in _BASE_FIELDS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return toml_datetime(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _value(value: Any) -> str:
    return json.dumps(value, default=_jsonable, ensure_ascii=False, sort_keys=True)


def narrate_raw(event: ev.Event) -> str:
    """``pager.escalated: level=2, team="dba"``: an event shown as it is written."""
    fields = raw_fields(event)
    shown = ", ".join(f"{key}={_value(value)}" for key, value in fields.items())
    kind = event.kind if isinstance(event.kind, str) else _value(event.kind)
    return f"{kind}: {shown}" if shown else kind


# -- the words -------------------------------------------------------------------------------------


def role_name(role: str) -> str:
    """``incident commander``, ``ops lead``, ``SME``: a role inside a sentence."""
    return "SME" if role == "sme" else ROLE_TITLES.get(role, role).lower()


def severity_name(severity: str) -> str:
    """``SEV1 (critical)``."""
    word = SEVERITY_WORDS.get(severity)
    return f"{severity} ({word})" if word else severity


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


LINE_BREAK = " ↵ "
"""Where a text written over several lines (a note, a briefing) breaks, in a one-line narration."""


def written(text: str) -> str:
    """A text as written, on one line: its lines joined with ↵, so a note of several lines
    still reads as several, on the timeline and everywhere else."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return LINE_BREAK.join(line for line in lines if line)


def _because(reason: str | None) -> str:
    return f" because {reason}" if reason else ""


def _in_brackets(text: str | None) -> str:
    return f" ({text})" if text else ""


def _step(step: str, context: Mapping[str, str]) -> str:
    return context.get(step, step)


def _configured(e: ev.SessionConfigured, _: Mapping[str, str]) -> str:
    parts = [f"protocol {e.protocol} ({count(len(e.steps), 'step')})"]
    if e.people:
        parts.append(f"{count(len(e.people), 'person', 'people')} on the roster")
    if e.endpoints:
        parts.append(f"{count(len(e.endpoints), 'endpoint')} watched")
    return "configured: " + ", ".join(parts)


def _step_done(e: ev.StepDone, context: Mapping[str, str]) -> str:
    """``step done: …``; closed by the cockpit: ``closed by the record: … (evidence: #12 …)``."""
    evidence = ""
    if e.evidence is not None:
        proof = context.event(e.evidence) if isinstance(context, Context) else None
        # the proof is named without its own context: a chain of evidence stays one line
        said = f" {narrate_short(proof, dict(context))}" if proof is not None else ""
        evidence = f" (evidence: #{e.evidence}{said})"
    opening = "closed by the record" if e.by == COCKPIT else "step done"
    return f"{opening}: {_step(e.step, context)}{evidence}"


def _assigned(e: ev.RoleAssigned, _: Mapping[str, str]) -> str:
    line = f"{e.handle} took {role_name(e.role)}"
    return f"{line} — briefing: {written(e.briefing)}" if e.briefing else line


def _released(e: ev.RoleReleased, context: Mapping[str, str]) -> str:
    """A handover's briefing is said once, on the assignment; a release alone keeps its own."""
    line = f"{e.handle} released {role_name(e.role)}"
    handed_over = isinstance(context, Context) and e.briefing and context.briefing_taken(e.role, e.briefing)
    return f"{line} — briefing: {written(e.briefing)}" if e.briefing and not handed_over else line


def _ask_done(e: ev.AskDone, context: Mapping[str, str]) -> str:
    ask = context.event(e.ask) if isinstance(context, Context) else None
    about = f" ({ask.handle}: {ask.task})" if isinstance(ask, ev.AskStarted) else ""
    return f"ask #{e.ask} answered{about}"


def _summary(e: ev.HealthSummary, _: Mapping[str, str]) -> str:
    parts = []
    for name, window in sorted(e.endpoints.items()):
        latency = f" p50 {window.p50_ms:.0f} ms" if window.p50_ms is not None else ""
        parts.append(f"{name} {window.state}{latency}")
    return "health summary: " + ("; ".join(parts) or "no endpoints")


def _update(e: ev.UpdatePosted, _: Mapping[str, str]) -> str:
    due = f" (next by {short_time(e.next_update_at)})" if e.next_update_at else ""
    return f"{e.audience} update{due}: {written(e.text)}"


def _delivered(e: ev.UpdateDelivered, context: Mapping[str, str]) -> str:
    """``external update #12 delivered to status-page (HTTP 201 from api.statuspage.io)``; a
    failed attempt says why and whether it is tried again."""
    update = context.event(e.update) if isinstance(context, Context) else None
    which = f"{update.audience} update #{e.update}" if isinstance(update, ev.UpdatePosted) else f"update #{e.update}"
    if e.ok:
        return f"{which} delivered to {e.destination}" + _in_brackets(e.detail)
    then = "stopped trying" if e.final else "trying again"
    return f"{which} not delivered to {e.destination} (attempt {e.attempt}): {e.detail or 'failed'}; {then}"


def _alert(e: ev.AlertFiring | ev.AlertResolved, _: Mapping[str, str]) -> str:
    """``alert firing: HighErrorRate (critical) — checkout 5xx above 5%``."""
    word = "firing" if isinstance(e, ev.AlertFiring) else "resolved"
    name = e.alertname or e.labels.get("alertname") or e.fingerprint
    severity = f" ({e.severity})" if e.severity else ""
    about = e.summary or e.description
    return f"alert {word}: {name}{severity}" + (f" — {about}" if about else "")


PAGE_SERVICES = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie", "command": "the paging command",
                 "manual": "hand"}


def _page_sent(e: ev.PageSent, _: Mapping[str, str]) -> str:
    """``paged alice through PagerDuty: checkout down``; a page that did not go out says why."""
    how = "by hand" if e.service == "manual" else f"through {PAGE_SERVICES.get(e.service, e.service)}"
    if not e.ok:
        return f"page to {e.target} {how} failed" + (f": {e.detail}" if e.detail else "")
    said = f": {e.message}" if e.message else ""
    return f"paged {e.target} {how}{said}" + _in_brackets(e.detail)


def _page_acknowledged(e: ev.PageAcknowledged, _: Mapping[str, str]) -> str:
    return f"page to {e.target} acknowledged" + _in_brackets(e.detail)


def _link(e: ev.LinkAdded, _: Mapping[str, str]) -> str:
    """``link (bridge): War room — https://meet.example.com/abc``."""
    label = f"{e.label} — " if e.label and e.label != e.url else ""
    return f"link ({e.link_kind}): {label}{e.url}"


def _retro(e: ev.RetroNote, _: Mapping[str, str]) -> str:
    """``retro note (what went well): …``."""
    place = f" ({RETRO_CATEGORY_LABELS[e.category].rstrip('?').lower()})" if e.category else ""
    return f"retro note{place}: {written(e.text)}"


def _moment(e: ev.MomentMarked, _: Mapping[str, str]) -> str:
    """``key moment: impact started``; read off the record: ``key moment (inferred): …``."""
    return f"key moment{' (inferred)' if e.inferred else ''}: {MOMENT_LABELS[e.moment]}"


def _action_updated(e: ev.ActionUpdated, context: Mapping[str, str]) -> str:
    """``action #12 (plug the leak): owner agoogler, type prevent, status done``."""
    note = context.event(e.action) if isinstance(context, Context) else None
    about = f" ({narrate_short(note, dict(context), limit=40)})" if isinstance(note, ev.NoteAdded) else ""
    said = [f"{name} {value or '—'}" for name in ("owner", "type", "priority", "due", "ticket", "status")
            if (value := getattr(e, name)) is not None]
    return f"action #{e.action}{about} updated: " + (", ".join(said) or "nothing changed")


def _review_updated(e: ev.ReviewUpdated, _: Mapping[str, str]) -> str:
    """``postmortem review: owner jennifer, reviewers martym, agoogler, date 2015-10-23``."""
    said = [f"{name} {value.replace('_', ' ') or '—'}" for name in ("owner", "reviewers", "date", "status")
            if (value := getattr(e, name)) is not None]
    return "postmortem review: " + (", ".join(said) or "nothing changed")


def _seat(verb: str) -> Callable[[Any, Mapping[str, str]], str]:
    def text(e: ev.SeatJoined | ev.SeatLeft, _: Mapping[str, str]) -> str:
        return f"{e.handle} {verb} a seat" + (" (read-only)" if e.read_only else "")

    return text


_NARRATORS: dict[type[ev.Event], Callable[[Any, Mapping[str, str]], str]] = {
    ev.SessionConfigured: _configured,
    ev.ProtocolAdded: lambda e, _: f"added protocol {e.protocol} ({count(len(e.steps), 'step')})",
    ev.IncidentDeclared: lambda e, _: f"declared {severity_name(e.severity)}: {e.title}",
    ev.IncidentRetitled: lambda e, _: f"retitled: {e.title}",
    ev.SeverityChanged: lambda e, _: f"severity → {severity_name(e.severity)}{_because(e.reason)}",
    ev.StatusChanged: lambda e, _: f"status → {e.status.upper()}",
    ev.ImpactAssessed: lambda e, _: f"impact: {IMPACT_LABELS.get(e.field, e.field)} = {e.value}",
    ev.StepDone: _step_done,
    ev.StepSkipped: lambda e, c: f"step skipped: {_step(e.step, c)}{_because(e.reason)}",
    ev.StepReopened: lambda e, c: f"step reopened: {_step(e.step, c)}",
    ev.RoleAssigned: _assigned,
    ev.RoleReleased: _released,
    ev.MemberJoined: lambda e, _: f"{e.handle} joined ({e.status})",
    ev.MemberStatusChanged: lambda e, _: f"{e.handle} is now {e.status}",
    ev.AskStarted: lambda e, _: f"ask {e.handle}: {e.task} · back in {e.minutes:g} min",
    ev.AskDone: _ask_done,
    ev.HealthChanged: lambda e, _: f"{e.endpoint} {e.from_} → {e.to}{_in_brackets(e.detail)}",
    ev.HealthSummary: _summary,
    ev.NoteAdded: lambda e, _: written(e.text) if e.tag == "note" else f"{e.tag}: {written(e.text)}",
    ev.UpdatePosted: _update,
    ev.RetroNote: _retro,
    ev.SeatJoined: _seat("opened"),
    ev.SeatLeft: _seat("closed"),
    ev.DrillInject: lambda e, _: f"drill inject: {written(e.text)}",
    ev.AlertFiring: _alert,
    ev.AlertResolved: _alert,
    ev.PageSent: _page_sent,
    ev.PageAcknowledged: _page_acknowledged,
    ev.LinkAdded: _link,
    ev.UpdateDelivered: _delivered,
    ev.MomentMarked: _moment,
    ev.ActionUpdated: _action_updated,
    ev.ReviewUpdated: _review_updated,
}


def narrated_kinds() -> frozenset[str]:
    """The kinds the narrator has words for; any other kind is shown raw."""
    return frozenset(cls.model_fields["kind"].default for cls in _NARRATORS)
