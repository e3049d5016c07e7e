"""Headless summaries of a session: ``cockpit status`` (``cockpit sessions`` is ``cockpit.listing``).

Events are told in the narrator's words (:mod:`cockpit.narrate`), times with the one set of
formatters (:mod:`cockpit.domain.durations`), every line through ``printable``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


from cockpit.domain.durations import clock_time, format_clock, format_offset, short_time
from cockpit.domain.links import every_link
from cockpit.domain.paging import page_status
from cockpit.domain.roster import roster_warnings
from cockpit.domain.severity import HealthFacts, suggest_severity
from cockpit.narrate import HEALTH_BADGES, Context, narrate
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
        "links": [{"label": link.label, "url": link.url, "kind": link.kind, "source": link.source}
                  for link in every_link(state)],
        "pages": [{"handle": p.handle or None, "role": p.role or None, "service": p.service,
                   "at": _iso(p.at), "ok": p.ok, "detail": p.detail, "dedup_key": p.dedup_key,
                   "acked_at": _iso(p.acked_at), "acked_by": p.acked_by or None,
                   "acked_how": p.acked_how or None,
                   "status": page_status(p, state.clock_time(now)).text} for p in state.pages],
        "counts": {"events": state.event_count, "notes": len(state.notes),
                   "updates": len(state.updates)},
        "last_event_at": _iso(state.last_at),
        "last_event": _last_event(session),
    }


def _last_event(session: Session) -> dict[str, Any] | None:
    """The newest event in the fold's order, told as the timeline tells it."""
    last = session.newest
    if last is None:
        return None
    steps = {step.id: step.text for _, step in session.state.all_steps()}
    return {"seq": last.seq, "at": _iso(last.at), "by": last.by, "kind": last.kind,
            "text": narrate(last, Context(steps, session.in_memory))}


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
    latest = {p.target: p for p in state.pages}
    for page in latest.values():
        said = page_status(page, state.clock_time(now))
        lines.append(f"  {'⚠' if said.warn else '◌'} {page.target}: {said.text}")
    if doc["links"]:
        lines.append("links:")
        for link in doc["links"]:
            label = f"{link['label']}  " if link["label"] != link["url"] else ""
            lines.append(f"  {link['kind']:10} {label}{link['url']}")
    last = session.newest
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
