"""The postmortem report of a session: one document, written as JSON or as Markdown.

``build_report`` folds the session's events with the live cockpit's own fold and reads the
metrics off the final state and the events; ``render_json`` and ``cockpit.retro.markdown``
write the same document. No Textual here: ``cockpit report`` stays a fast headless command.

Definitions (every duration in seconds, ``None`` when the moment never came):

- ``time_to_declare_s``: first health change to degraded/down → declaration, when that change
  came before the declaration (else ``None``: people noticed first).
- ``time_to_acknowledge_s``: declaration → the first commander's term, as the fold has it.
- ``time_to_detect_s``, ``time_to_mitigate_s``, ``time_to_restore_s``, ``outage_s`` and the
  key moments (``impact_started_at``, ``detected_at``, ``mitigated_at``, ``restored_at``): see
  :mod:`cockpit.retro.postmortem` (a moment marked by hand wins over one read off the record;
  mitigated is the first status ``monitoring``, or ``resolved`` when the incident went there
  straight: a fix that ended it was its mitigation too).
- ``time_to_resolve_s``: declaration → status ``resolved`` (the last resolution, if reopened).
- ``time_in_severity_s``: seconds at each severity, declaration → resolution (or the end of the
  record when unresolved).
- ``health_downtime_s``, ``health_degraded_s``: per endpoint, seconds in ``down`` and in
  ``degraded`` until the end of the record.
- ``missed_update_cadence``: each gap between updates (or between the declaration or the last
  update and the resolution) longer than a recurring update step allows, and how late.
- ``alerts``: every alert the team's monitoring raised (by fingerprint, the latest word on it):
  ``duration_s`` from Alertmanager's ``startsAt`` to its ``endsAt`` (or to when the resolution was
  recorded), and for one ``still_firing`` at the end, to the end of the record.

Facts come from the fold, as every seat saw them: an event the fold took as no news (a second
``step.done`` of a one-off step when two seats raced, an assignment to the person already holding
the role, a release by someone who did not hold it) is not listed or credited.

The incident's record ends at its last event, leaving out what can be recorded later (retro
notes, seats, action-item and review updates). Retro notes choose their place with ``category``
(older ones with a ``question`` field or a ``happening:`` prefix); the postmortem's sections, key
moments and metrics are :mod:`cockpit.retro.postmortem`'s, which ``postmortem`` in the document
holds whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from cockpit.domain import events as ev
from cockpit.domain.durations import human_duration
from cockpit.domain.objectives import read_objectives, score as score_objectives
from cockpit.domain.objectives import summary as objective_summary
from cockpit.domain.protocol import StepProgress
from cockpit.domain.state import IncidentState, apply
from cockpit.domain.vocabulary import COCKPIT, SEVERITIES, SYSTEM_AUTHORS, severity_rank
from cockpit.narrate import Context, narrate, raw_fields
from cockpit.retro.postmortem import as_data, build_postmortem, category_of, question_of
from cockpit.retro.replay import AFTERWARDS
from cockpit.settings import Config, ConfigError, load_protocol
from cockpit import jsonfmt
from cockpit.tomlfmt import toml_datetime

_MISSING_STEP = re.compile(
    r"missing step|add (?:a|the|one) step|no step (?:for|to)|should be a step|"
    r"not (?:in|on) the (?:protocol|runbook|checklist)|(?:protocol|runbook|checklist) should",
    re.IGNORECASE)
"""How a note or retro note says the protocol lacks a step: "missing step: …", "add a step for …",
"not in the runbook", "the protocol should …"."""
TIMELINE_LEAVES_OUT = ("health.summary", "seat.joined", "seat.left", "retro.note", "action.updated",
                       "review.updated")
"""Periodic data and seat comings and goings stay out of the timeline; retro notes, action items
and the review have their own sections."""
UPDATE_TRIGGERS = ("internal-update", "external-update")


# -- the protocol in force ----------------------------------------------------------------------


def with_protocol_steps(events: Sequence[ev.Event], config: Config | None) -> tuple[list[ev.Event], list[str]]:
    """The events, a protocol recorded by name only filled in from the bundled file of that name.

    Returns the events and notes saying what was filled in or could not be found.
    """
    notes: list[str] = []
    out: list[ev.Event] = []
    for event in events:
        if isinstance(event, (ev.SessionConfigured, ev.ProtocolAdded)) and not event.steps:
            try:
                protocol = load_protocol(event.protocol, config)
            except ConfigError:
                notes.append(f"the session names protocol {event.protocol!r} without its steps, and no"
                             " protocol of that name was found: adherence is not assessed")
            else:
                notes.append(f"the session names protocol {event.protocol!r} without its steps: the"
                             " protocol file of that name was used")
                event = event.model_copy(update={"steps": protocol.steps})
        out.append(event)
    return out, notes


# -- small helpers ------------------------------------------------------------------------------


def _seconds(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds(), 3)


def _since(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return _seconds(max(end - start, timedelta(0)))


def _severity_at(state: IncidentState, moment: datetime) -> str | None:
    current = None
    for entry in state.severity_history:
        if entry.at <= moment:
            current = entry.severity
    return current or (state.severity_history[0].severity if state.severity_history else None)


def add_business_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def postmortem_due(worst: str | None, resolved: datetime) -> date | None:
    """SEV1: three calendar days after resolution; SEV2: five business days; else not required."""
    if worst == "SEV1":
        return resolved.date() + timedelta(days=3)
    if worst == "SEV2":
        return add_business_days(resolved.date(), 5)
    return None


# -- the sections -------------------------------------------------------------------------------


def _time_in_severity(state: IncidentState, closing: datetime) -> dict[str, float]:
    spent: dict[str, timedelta] = {}
    history = [e for e in state.severity_history if e.at <= closing]
    for entry, following in zip(history, history[1:] + [None]):
        start = max(entry.at, state.declared_at or entry.at)
        end = following.at if following else closing
        if end > start:
            spent[entry.severity] = spent.get(entry.severity, timedelta(0)) + (end - start)
        else:
            spent.setdefault(entry.severity, timedelta(0))
    return {sev: _seconds(spent[sev]) or 0.0 for sev in SEVERITIES if sev in spent}


def _time_in(state_name: str, events: Sequence[ev.Event], state: IncidentState,
             record_end: datetime) -> dict[str, float]:
    """Per endpoint, seconds spent in ``state_name`` (``down``, ``degraded``) until the end of
    the record."""
    spent: dict[str, timedelta] = {name: timedelta(0) for name in state.endpoints}
    since: dict[str, datetime] = {}
    for event in events:
        if not isinstance(event, ev.HealthChanged):
            continue
        spent.setdefault(event.endpoint, timedelta(0))
        if event.to == state_name and event.endpoint not in since:
            since[event.endpoint] = event.at
        elif event.to != state_name and event.endpoint in since:
            spent[event.endpoint] += max(event.at - since.pop(event.endpoint), timedelta(0))
    for name, start in since.items():
        spent[name] += max(record_end - start, timedelta(0))
    return {name: _seconds(value) or 0.0 for name, value in sorted(spent.items())}


def _missed_cadence(state: IncidentState, closing: datetime) -> list[dict[str, Any]]:
    """Every stretch without an update longer than a recurring update step allows."""
    declared = state.declared_at
    if declared is None:
        return []
    missed = []
    for protocol, step in state.all_steps():
        if not step.recurring or step.done_on not in UPDATE_TRIGGERS or step.every is None:
            continue
        times = [t for t in state.steps.get(step.id, StepProgress()).done_times if declared <= t <= closing]
        previous, allowed = declared, step.due if step.due is not None else step.every
        for moment, came in [(t, True) for t in times] + [(closing, False)]:
            gap = moment - previous
            if gap > allowed and step.applies_to(_severity_at(state, previous)):
                missed.append({
                    "step": step.id, "text": step.text, "audience": step.done_on.split("-")[0],
                    "from": previous, "to": moment, "update_came": came,
                    "gap_s": _seconds(gap), "allowed_s": _seconds(allowed),
                    "late_by_s": _seconds(gap - allowed),
                })
            previous, allowed = moment, step.every
    return missed


def _protocol(state: IncidentState, closing: datetime, missed: list[dict[str, Any]],
              notes: list[str], proved_at: dict[int, datetime] | None = None) -> dict[str, Any]:
    rows = []
    proofs = dict(state.proven_steps())
    for view in state.step_views(closing):
        step, progress = view.step, view.progress
        row = {
            "id": step.id, "text": step.text, "protocol": view.protocol, "owner": step.owner,
            "applies": view.applies, "recurring": step.recurring, "state": progress.state,
            "due_at": None if step.recurring else view.due_at,
            "at": progress.at, "by": progress.by or None, "reason": progress.reason or None,
            "late_by_s": _seconds(view.late_by),
            "overdue_s": None if step.recurring else _seconds(view.overdue),
            "times_done": len(progress.done_times),
        }
        proof = proofs.get(step.id)
        if proof is not None and (proved_at or {}).get(proof) is not None:
            # the record proves it, though no seat closed it (a file written by another tool,
            # or before the step had its done_when): done when its proof was recorded
            at = proved_at[proof]  # type: ignore[index]
            late = max(at - view.due_at, timedelta(0)) if view.due_at else timedelta(0)
            row.update(state="done", at=at, by=COCKPIT, evidence=proof, overdue_s=None,
                       late_by_s=_seconds(late), times_done=1)
        rows.append(row)
    one_off = [r for r in rows if r["applies"] and not r["recurring"]]
    return {
        "names": [p.name for p in state.protocols],
        "notes": notes,
        "steps": rows,
        "done": sum(1 for r in one_off if r["state"] == "done"),
        "total": len(one_off),
        "late": [r for r in one_off if r["late_by_s"]],
        "skipped": [r for r in one_off if r["state"] == "skipped"],
        "not_done": [r for r in one_off if r["state"] == "open"],
        "missed_update_cadence": missed,
    }


def _responders(state: IncidentState, events: Sequence[ev.Event], closing: datetime) -> list[dict[str, Any]]:
    """Everyone on the roster, and everyone else who wrote into the incident (a note through
    ``cockpit log --as carol``, an update from a script): a person who took part is a responder,
    whether or not a seat of theirs joined. The cockpit, the monitoring and a drill's script are
    not people."""
    out = []
    for member in sorted(state.members.values(), key=lambda m: (m.joined_at, m.handle)):
        terms = [{"role": t.role, "from": t.assumed_at, "to": t.released_at}
                 for t in state.roles if t.handle == member.handle]
        out.append({"handle": member.handle, "name": member.name or None, "roles": terms,
                    "joined_at": member.joined_at, "final_status": member.status,
                    "engaged_s": _seconds(member.engaged_for(closing))})
    first_word: dict[str, datetime] = {}
    for event in events:
        if event.by and event.by not in SYSTEM_AUTHORS and event.by not in state.members:
            first_word.setdefault(event.by, event.at)
    names = {person.handle: person.name for person in state.people}
    for handle, at in first_word.items():
        out.append({"handle": handle, "name": names.get(handle) or None, "roles": [],
                    "joined_at": at, "final_status": None, "engaged_s": None})
    return out


def _alerts(state: IncidentState, record_end: datetime) -> list[dict[str, Any]]:
    """The alerts, in the order they first fired: critical ones are not sorted first here, as
    a postmortem reads them as a story."""
    rows = []
    for alert in sorted(state.alerts.values(), key=lambda a: (a.starts_at or a.since, a.alertname)):
        rows.append({
            "fingerprint": alert.fingerprint, "alertname": alert.alertname,
            "severity": alert.severity or None, "summary": alert.summary or None,
            "runbook_url": alert.runbook_url or None, "generator_url": alert.generator_url or None,
            "labels": dict(alert.labels), "starts_at": alert.starts_at or alert.since,
            "ends_at": None if alert.firing else (alert.ends_at or alert.resolved_at),
            "still_firing": alert.firing, "episodes": alert.episodes,
            "duration_s": _seconds(alert.duration(record_end)),
        })
    return rows


def _entry(entry: Any) -> dict[str, Any]:
    return {"seq": entry.seq, "at": entry.at, "by": entry.by, "text": entry.text}


def _deliveries(state: IncidentState, update: int) -> list[dict[str, Any]]:
    """Where an update went (``update.delivered``): per destination, its latest attempt."""
    return [{"destination": name, "ok": d.ok, "detail": d.detail, "attempts": d.attempt, "at": d.at,
             "remote_id": d.remote_id or None}
            for name, d in sorted(state.deliveries.get(update, {}).items())]


def _suggestions(protocol: dict[str, Any], state: IncidentState) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in protocol["skipped"]:
        out.append({"kind": "skipped", "step": row["id"],
                    "suggestion": f"Review \"{row['text']}\": it was skipped in this incident; make it"
                                  " conditional (when = [...]) or drop it if it does not fit.",
                    "evidence": f"skipped by {row['by']}: {row['reason'] or 'no reason given'}"})
    for row in protocol["not_done"]:
        out.append({"kind": "not-done", "step": row["id"],
                    "suggestion": f"Review \"{row['text']}\": nobody marked it done or skipped.",
                    "evidence": "still open when the incident ended"})
    for row in protocol["late"]:
        out.append({"kind": "late", "step": row["id"],
                    "suggestion": f"\"{row['text']}\" was late: give it a later due time, or an owner"
                                  " who is free at that moment.",
                    "evidence": f"done {_clock(row['late_by_s'])} after it was due"})
    by_step: dict[str, list[dict[str, Any]]] = {}
    for gap in protocol["missed_update_cadence"]:
        by_step.setdefault(gap["step"], []).append(gap)
    for step_id, gaps in by_step.items():
        expected = next(r["times_done"] for r in protocol["steps"] if r["id"] == step_id) + 1
        if expected >= 2 and len(gaps) >= expected:
            out.append({"kind": "late", "step": step_id,
                        "suggestion": f"\"{gaps[0]['text']}\" was late every time: lengthen its"
                                      " cadence or hand updates to someone with the time for them.",
                        "evidence": f"{len(gaps)} of {expected} update intervals overran, by up to "
                                    f"{_clock(max(g['late_by_s'] for g in gaps))}"})
    notes = [("note.added", n) for n in state.notes] + [("retro.note", n) for n in state.retro_notes]
    for kind, note in sorted(notes, key=lambda pair: (pair[1].at, pair[1].seq)):
        if note.text and _MISSING_STEP.search(note.text):
            out.append({"kind": "missing", "step": None,
                        "suggestion": "Consider a new step for what this note describes.",
                        "evidence": f"{kind} by {note.by} at {toml_datetime(note.at)}: {note.text}",
                        "note": {"kind": kind, "by": note.by, "at": note.at, "text": note.text}})
    return out


def _clock(seconds: float | None) -> str:
    return human_duration(seconds or 0.0)


def taken_by_fold(before: IncidentState, after: IncidentState, event: ev.Event) -> bool:
    """Whether the fold took ``event`` as news. A second "done" of a one-off step (two seats
    racing), a skip of a step no longer open, an assignment to the person already holding the
    role, a release by someone who did not hold it, an answer to an answered ask, a protocol
    already in force: each changes nothing, so it is no fact of the incident."""
    if isinstance(event, (ev.StepDone, ev.StepSkipped)):
        return after.steps.get(event.step) != before.steps.get(event.step)
    if isinstance(event, (ev.RoleAssigned, ev.RoleReleased)):
        return after.roles != before.roles
    if isinstance(event, ev.AskDone):
        return after.asks != before.asks
    if isinstance(event, ev.ProtocolAdded):
        return after.protocols != before.protocols
    return True


# -- the document -------------------------------------------------------------------------------


def build_report(header: dict[str, Any], events: Sequence[ev.Event], *,
                 config: Config | None = None) -> dict[str, Any]:
    """The postmortem document of a session (its ``[cockpit]`` header and its events)."""
    events, protocol_notes = with_protocol_steps(events, config)
    state, taken = IncidentState(), []
    for event in events:  # the one fold, in the order it is given: (at, seq)
        before, state = state, apply(state, event)
        if taken_by_fold(before, state, event):
            taken.append(event)
    incident_events = [e for e in events if e.kind not in AFTERWARDS]
    record_end = max((e.at for e in incident_events), default=state.last_at)
    declared = state.declared_at
    closing = state.resolved_at or record_end
    first_bad = next((e for e in events if isinstance(e, ev.HealthChanged)
                      and e.to in ("degraded", "down")), None)
    acknowledged = min((t.assumed_at for t in state.roles if t.role == "commander"), default=None)
    worst = min((h.severity for h in state.severity_history), key=severity_rank, default=None)
    postmortem = build_postmortem(events, state, worst=worst)
    pm = postmortem.metrics
    missed = _missed_cadence(state, closing) if closing else []
    proved_at = {e.seq: e.at for e in events if e.seq}
    protocol = _protocol(state, closing, missed, protocol_notes, proved_at) if closing else {
        "names": [], "notes": protocol_notes, "steps": [], "done": 0, "total": 0, "late": [],
        "skipped": [], "not_done": [], "missed_update_cadence": []}
    downtime = _time_in("down", events, state, record_end) if record_end else {}
    degraded = _time_in("degraded", events, state, record_end) if record_end else {}
    time_in_severity = _time_in_severity(state, closing) if closing and declared else {}
    context = Context({step.id: step.text for _, step in state.all_steps()}, events)
    retro = [e for e in events if isinstance(e, ev.RetroNote)]
    return {
        "incident": {
            "title": state.title, "session": str(header.get("session", "")),
            "drill": bool(header.get("drill", False)),
            "drill_speed": header.get("speed") if header.get("drill") else None,
            "severity": state.severity, "worst_severity": worst, "status": state.status,
            "declared_by": state.declared_by or None, "commander": state.commander,
            "start": declared or (events[0].at if events else None),
            "end": state.resolved_at or record_end, "resolved": state.resolved_at is not None,
            "declared_at": declared, "resolved_at": state.resolved_at,
            "postmortem_due": postmortem_due(worst, closing) if closing else None,
        },
        "metrics": {
            "impact_started_at": pm.impact_started_at,
            "detected_at": pm.detected_at,
            "mitigated_at": pm.mitigated_at,
            "restored_at": pm.restored_at,
            "time_to_detect_s": pm.time_to_detect_s,
            "time_to_declare_s": _since(first_bad.at, declared)
            if first_bad and declared and first_bad.at < declared else None,
            "time_to_acknowledge_s": _since(declared, acknowledged),
            "time_to_mitigate_s": pm.time_to_mitigate_s,
            "time_to_restore_s": pm.time_to_restore_s,
            "outage_s": pm.outage_s,
            "time_to_resolve_s": _since(declared, state.resolved_at),
            "duration_s": _since(declared, closing),
            "time_in_severity_s": time_in_severity,
            "health_downtime_s": downtime,
            "health_degraded_s": degraded,
            "missed_update_cadence": missed,
            "updates": {"internal": sum(1 for u in state.updates if u.audience == "internal"),
                        "external": sum(1 for u in state.updates if u.audience == "external")},
        },
        "impact": {
            **{key: state.impact.get(key) for key in (
                "customer_facing", "users_affected", "functionality", "data", "revenue",
                "services", "regions")},
            "endpoints_affected": [
                {"name": e.name, "service": e.service or None, "downtime_s": downtime.get(e.name, 0.0),
                 "degraded_s": degraded.get(e.name, 0.0)}
                for e in state.endpoints.values()
                if downtime.get(e.name) or any(isinstance(x, ev.HealthChanged) and x.endpoint == e.name
                                               and x.to in ("down", "degraded") for x in events)],
        },
        "alerts": _alerts(state, record_end) if record_end else [],
        "responders": _responders(state, [e for e in taken if e.kind not in AFTERWARDS], closing)
        if closing else [],
        "timeline": [_timeline_row(e, context) for e in taken if e.kind not in TIMELINE_LEAVES_OUT],
        "protocol": protocol,
        "updates": [{**_entry(u), "audience": u.audience, "next_update_at": u.next_update_at,
                     "deliveries": _deliveries(state, u.seq)} for u in state.updates],
        "decisions": [_entry(n) for n in state.notes_tagged("decision")],
        "followups": [_entry(n) for n in state.notes_tagged("action")],
        "action_items": [as_data(item) for item in postmortem.action_items],
        "postmortem": postmortem.document(),
        "retro_notes": [_retro_row(e) for e in retro],
        "suggestions": _suggestions(protocol, state),
        "objectives": _objectives(header, state),
    }


def _objectives(header: dict[str, Any], state: IncidentState) -> dict[str, Any] | None:
    """A drill's objectives (kept in its header) scored against the record, in scenario time
    at the drill's speed; None for a session that states none."""
    objectives, notes = read_objectives(header.get("objectives"))
    if not objectives and not notes:
        return None
    speed = header.get("speed")
    speed = float(speed) if isinstance(speed, (int, float)) and speed > 0 else 1.0
    scores = score_objectives(objectives, state, speed=speed)
    return {"speed": speed, "scores": [s.document() for s in scores], **objective_summary(scores),
            "notes": notes}


def _timeline_row(event: ev.Event, context: Context) -> dict[str, Any]:
    row: dict[str, Any] = {"seq": event.seq, "at": event.at, "by": event.by, "kind": event.kind,
                           "text": narrate(event, context)}
    if type(event) is ev.RawEvent or event.kind not in ev.KINDS:
        row["raw"] = raw_fields(event)
    return row


def _retro_row(event: ev.Event) -> dict[str, Any]:
    question, text = question_of(event)
    category = category_of(event)
    return {"seq": event.seq, "at": event.at, "by": event.by, "about": getattr(event, "about", None),
            "question": question, "category": category, "text": text}


def report_for_session(session: Any, *, config: Config | None = None) -> dict[str, Any]:
    """The report of a read session: a :class:`~cockpit.retro.replay.SavedSession` or a Session."""
    return build_report(session.header, session.events, config=config)


def render_json(report: dict[str, Any]) -> str:
    return jsonfmt.dumps(report, indent=2)
