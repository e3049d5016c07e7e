"""Headless summaries of a session: ``cockpit status`` and ``cockpit sessions``.

Events are told in the narrator's words (:mod:`cockpit.narrate`), times with the one set of
formatters (:mod:`cockpit.domain.durations`), every line through ``printable``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cockpit.domain.durations import clock_time, format_clock, format_offset, short_time
from cockpit.domain.roster import roster_warnings
from cockpit.domain.severity import HealthFacts, suggest_severity
from cockpit.narrate import HEALTH_BADGES, Context, narrate
from cockpit.paths import saved_sessions
from cockpit.session import Session
from cockpit.text import printable
from cockpit.tomlfmt import toml_datetime


def _iso(moment: datetime | None) -> str | None:
    return toml_datetime(moment) if moment else None


def status_document(session: Session, now: datetime) -> dict[str, Any]:
    state = session.state
    views = state.step_views(now)
    applicable = [v for v in views if v.applies]
    overdue = [v for v in applicable if v.overdue is not None]
    suggestion = suggest_severity(state.impact, health=HealthFacts.of(state))
    elapsed = None
    if state.declared_at:
        elapsed = ((state.resolved_at or now) - state.declared_at).total_seconds()
    return {
        "session": session.name,
        "path": str(session.path),
        "drill": session.drill,
        "title": state.title,
        "severity": state.severity,
        "status": state.status,
        "declared_at": _iso(state.declared_at),
        "resolved_at": _iso(state.resolved_at),
        "elapsed_s": elapsed,
        "commander": state.commander,
        "roles": {t.role: t.handle for t in state.roles if t.current and t.role != "sme"}
        | ({"sme": state.holders("sme")} if state.holders("sme") else {}),
        "impact": dict(state.impact),
        "suggested_severity": {"severity": suggestion.severity, "reasons": list(suggestion.reasons)},
        "protocol": {
            "names": [p.name for p in state.protocols],
            "done": sum(1 for v in applicable if v.state == "done" and not v.step.recurring),
            "total": sum(1 for v in applicable if not v.step.recurring),
            "overdue": [{"step": v.step.id, "text": v.step.text,
                         "overdue_s": v.overdue.total_seconds()} for v in overdue if v.overdue],
        },
        "next_update_due": _iso(state.next_update_due(now)),
        "next_update_audience": (state.next_update(now) or (None, None))[1],
        "members": [{"handle": m.handle, "status": m.status,
                     "engaged_s": m.engaged_for(state.clock_time(now)).total_seconds()}
                    for m in state.members.values()],
        "open_asks": [{"handle": a.handle, "task": a.task, "due_at": _iso(a.due_at)}
                      for a in state.open_asks()],
        "warnings": [w.text for w in roster_warnings(state, now)],
        "endpoints": [{"name": e.name, "state": e.state, "since": _iso(e.since), "detail": e.detail}
                      for e in state.endpoints.values()],
        "counts": {"events": state.event_count, "notes": len(state.notes),
                   "updates": len(state.updates)},
        "last_event_at": _iso(state.last_at),
        "last_event": _last_event(session),
    }


def _last_event(session: Session) -> dict[str, Any] | None:
    """The newest event in the fold's order, told as the timeline tells it."""
    events = session.events
    if not events:
        return None
    last = events[-1]
    steps = {step.id: step.text for _, step in session.state.all_steps()}
    return {"seq": last.seq, "at": _iso(last.at), "by": last.by, "kind": last.kind,
            "text": narrate(last, Context(steps, events))}


def status_text(session: Session, now: datetime) -> str:
    doc = status_document(session, now)
    lines = []
    drill = "  [DRILL]" if doc["drill"] else ""
    lines.append(f"{doc['severity'] or '----'}  {doc['title'] or '(not declared)'}{drill}")
    clock = format_offset(doc["elapsed_s"]) if doc["elapsed_s"] is not None else "not declared"
    lines.append(f"status {doc['status'].upper()}   {clock}   commander {doc['commander'] or '— unassigned'}")
    proto = doc["protocol"]
    lines.append(f"protocol {', '.join(proto['names']) or '—'}: {proto['done']}/{proto['total']} done"
                 + (f", {len(proto['overdue'])} overdue" if proto["overdue"] else ""))
    for item in proto["overdue"]:
        lines.append(f"  ! LATE {format_clock(item['overdue_s'])}  {item['text']}")
    state = session.state
    due = state.next_update_due(now)
    if due is not None:
        lines.append(f"next {doc['next_update_audience']} update due {short_time(due)} UTC"
                     f" ({_countdown(due - state.clock_time(now))})")
    for ask in state.open_asks():
        lines.append(f"  ask {ask.handle}: {ask.task} · {_countdown(state.ask_left(ask, now), 'left')}")
    suggestion = doc["suggested_severity"]
    if suggestion["severity"]:
        lines.append(f"suggested {suggestion['severity']}: {'; '.join(suggestion['reasons'])}")
    for endpoint in state.endpoints.values():
        since = f"  since {clock_time(endpoint.since)} UTC" if endpoint.since else ""
        lines.append(f"  {HEALTH_BADGES.get(endpoint.state, endpoint.state):11} {endpoint.name}"
                     + (f"  ({endpoint.detail})" if endpoint.detail else "") + since)
    for warning in doc["warnings"]:
        lines.append(f"  ⚠ {warning}")
    last = session.events[-1] if session.events else None
    if last is not None and doc["last_event"]:
        lines.append(f"last {clock_time(last.at)} UTC {last.by or '?'}: {doc['last_event']['text']}")
    counts = doc["counts"]
    lines.append(f"{counts['events']} events, {counts['notes']} notes, {counts['updates']} updates"
                 f" — {doc['path']}")
    return "\n".join(printable(line) for line in lines)


def _countdown(left: timedelta, word: str = "") -> str:
    """``in 4:59`` / ``4:59 left`` ahead, ``LATE 3:10`` past: how long, the way the screen says it."""
    seconds = left.total_seconds()
    if seconds < 0:
        return f"LATE {format_clock(-seconds)}"
    return f"{format_clock(seconds)} {word}" if word else f"in {format_clock(seconds)}"


def list_sessions() -> list[dict[str, Any]]:
    rows = []
    for path in saved_sessions():
        try:
            session = Session.open(path, read_only=True)
        except Exception as exc:  # noqa: BLE001 - one broken file must not hide the others
            rows.append({"path": str(path), "title": f"(unreadable: {exc})", "severity": None,
                         "status": "?", "drill": False, "declared_at": None})
            continue
        state = session.state
        rows.append({"path": str(path), "title": state.title, "severity": state.severity,
                     "status": state.status, "drill": session.drill,
                     "declared_at": _iso(state.declared_at)})
    return rows
