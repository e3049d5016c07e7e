"""Recording from the command line: ``cockpit new`` (``declare_from_args``, which the screen's
``cockpit new`` shares) and ``cockpit record``, any event of the vocabulary, checked as the screen
checks it, for scripts, pipelines and incidents typed up afterwards (``--at``).

Everything goes through ``Session.record``, the one write path: a step, a role, a severity or a
status that another seat has just changed is refused the same way, and a back-filled event takes
its place in time in every view.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from cockpit.domain import events as ev
from cockpit.domain.clock import utc_ms
from cockpit.domain.durations import MomentProblem, read_moment
from cockpit.domain.state import IncidentState
from cockpit.errors import UsageError
from cockpit.journals import database, target_for_new
from cockpit.session import Session, new_incident
from cockpit.settings import Config, load_config, load_protocol
from cockpit.text import handle_problem, printable

NOT_RECORDED_BY_HAND = {"session.configured", "seat.joined", "seat.left", "health.summary"}
"""Kinds only the cockpit itself records: the configuration in force, presence, health windows."""


def recordable_kinds() -> list[str]:
    return sorted(kind for kind in ev.KINDS if kind not in NOT_RECORDED_BY_HAND)


def parse_moment(text: str, declared_at: datetime | None) -> datetime:
    """A UTC time (``2015-10-21T15:01:00Z``) or ``T+MM:SS`` / ``T+H:MM:SS`` from the declaration."""
    text = text.strip()
    try:
        return utc_ms(read_moment(text, declared_at))
    except MomentProblem as problem:
        raise UsageError({
            "no-origin": f"--at {text}: T+ counts from the declaration, and this session has"
                         " none yet; give a UTC time such as 2026-11-27T04:10:00Z",
            "not-a-time": f"--at {text!r} is not a time: give a UTC time such as"
                          " 2026-11-27T04:10:00Z, or T+12:30 from the declaration",
            "no-zone": f"--at {text}: say the zone (end with Z for UTC), so the record means"
                       " one moment wherever it is read",
        }.get(problem.reason, f"--at {text} is not a plausible time")) from None


def parse_fields(pairs: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{pair!r}: give fields as FIELD=VALUE (for example severity=SEV1)")
        fields[name.strip()] = value
    return fields


def build_event(kind: str, fields: dict[str, Any], state: IncidentState) -> ev.Event:
    """The event ``kind`` with ``fields``, checked against the vocabulary and the incident."""
    model = ev.KINDS.get(kind)
    if model is None or kind in NOT_RECORDED_BY_HAND:
        raise UsageError(f"{kind!r} is not a kind that can be recorded; use one of: "
                         + ", ".join(recordable_kinds()))
    for reserved in ("seq", "at", "by", "kind"):
        if reserved in fields:
            hint = {"at": "--at TIME", "by": "--as HANDLE"}.get(reserved, "nothing: it is assigned")
            raise UsageError(f"{reserved}= is not a field of {kind}; for it use {hint}")
    known = {name for name, info in model.model_fields.items()} | {
        info.alias for info in model.model_fields.values() if info.alias}
    unknown = sorted(set(fields) - known)
    if unknown:
        offered = sorted(known - {"seq", "at", "by", "kind", "id", "from_"})
        raise UsageError(f"{kind} has no field {unknown[0]!r}; its fields: {', '.join(offered)}")
    try:
        event = model.model_validate({"kind": kind, **fields})
    except ValidationError as exc:
        raise UsageError(f"{kind}: " + "; ".join(_field_problem(e) for e in exc.errors())) from None
    for name in ("text", "title", "task"):
        value = getattr(event, name, None)
        if isinstance(value, str) and not value.strip():
            raise UsageError(f"{kind}: {name}= is empty; say what to record")
    handle = getattr(event, "handle", None)
    problem = handle_problem(handle) if isinstance(handle, str) else None
    if problem:
        raise UsageError(f"{kind}: handle= {printable(handle)!r}: {problem}")
    step = getattr(event, "step", None)
    if step is not None and state.find_step(step) is None:
        known = ", ".join(s.id for _, s in state.all_steps()) or "none"
        raise UsageError(f"{kind}: there is no step {step!r} in this incident's protocols"
                         f" (steps: {known})")
    if isinstance(event, ev.AskDone) and event.ask not in state.asks:
        raise UsageError(f"ask.done: there is no ask #{event.ask} (asks: "
                         + (", ".join(f"#{s}" for s in state.asks) or "none") + ")")
    if isinstance(event, ev.ActionUpdated) and event.action not in {n.seq for n in state.notes_tagged("action")}:
        raise UsageError(f"action.updated: there is no action #{event.action} (actions: "
                         + (", ".join(f"#{n.seq}" for n in state.notes_tagged("action")) or "none")
                         + "); record one with cockpit log SESSION TEXT --kind action")
    return event


def _field_problem(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())) or "fields"
    if error.get("type") == "missing":
        return f"{where}= is needed"
    if error.get("type") == "literal_error":
        return f"{where}= {error.get('input')!r} is not one of {error['ctx']['expected']}"
    return f"{where}= {error.get('input')!r}: {error.get('msg', 'not valid').lower()}"


def declare_from_args(args: argparse.Namespace, *, drill: bool = False) -> tuple[Session, Config]:
    """Create a session from ``new``-style arguments; returns (session, config)."""
    config = load_config(getattr(args, "config", None))
    protocol = load_protocol(args.protocol or config.incident.default_protocol, config)
    title = (args.title or "").strip()
    if not title:
        raise UsageError("an incident needs a title: cockpit new --title \"Checkout API returning 500s\"")
    severity = args.severity or config.incident.default_severity
    at = parse_moment(args.at, None) if getattr(args, "at", None) else None
    # a drill stays in a file: its runner and fleet are this host's alone
    db = None if drill else database(getattr(args, "journal", None), config)
    target = target_for_new(args.session, db)
    session = new_incident(config=config, protocol=protocol, title=title, severity=severity,
                           path=target, handle=getattr(args, "handle", None), drill=drill,
                           at=at)
    return session, config
