"""Deciding once what two seats did at the same moment.

A person acts on the state their screen showed (the *basis*). By the time the event is written,
under the journal's lock, another seat may have changed the same thing: taken the role, checked
the step, set the severity. Then writing the event anyway would give two outcomes (both "took
incident commander"), so the event is refused and the person told what happened instead.
An event that would change nothing (the step is already done) is refused the same way.

The things decided once: single-holder roles, steps, severity, status and asks. Everything else
(notes, health, members' statuses) composes, so it is never refused.
"""

from __future__ import annotations

from collections.abc import Callable

from cockpit.domain import events as ev
from cockpit.domain.durations import clock_time
from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import ROLE_TITLES


def refusal(basis: IncidentState, current: IncidentState, event: ev.Event) -> str | None:
    """Why ``event``, decided on ``basis``, must not be written on top of ``current``; None
    when it may. The sentence is for the person who acted (it starts with a capital or a
    handle, as written)."""
    check = _CHECKS.get(type(event))
    return check(basis, current, event) if check is not None else None


def _title(role: str) -> str:
    return ROLE_TITLES.get(role, role)


def _role_assigned(basis: IncidentState, current: IncidentState, e: ev.RoleAssigned) -> str | None:
    if e.handle in current.holders(e.role):
        return f"{e.handle} already holds {_title(e.role)}"
    if e.role == "sme" or basis.holders(e.role) == current.holders(e.role):
        return None
    term = next((t for t in reversed(current.roles) if t.role == e.role), None)
    if term is None or not term.current:
        who = "released" if term is None else f"released by {term.handle}"
        return f"{_title(e.role)} was {who} meanwhile; look again before assigning it"
    return (f"{term.handle} took {_title(e.role)} at {clock_time(term.assumed_at)}"
            f" (assigned by {term.assigned_by}) while you were choosing")


def _role_released(basis: IncidentState, current: IncidentState, e: ev.RoleReleased) -> str | None:
    if e.handle in current.holders(e.role):
        return None
    return f"{e.handle} no longer holds {_title(e.role)}"


def _step(basis: IncidentState, current: IncidentState,
          e: ev.StepDone | ev.StepSkipped | ev.StepReopened) -> str | None:
    step = current.find_step(e.step)
    if step is None:
        return None  # an unknown step is the caller's check, not a race
    now = current.steps.get(e.step)
    before = basis.steps.get(e.step)
    if isinstance(e, ev.StepReopened):
        if now is None or now.state == "open":
            return "That step is already open" + _by(now)
        return None
    if step.recurring and isinstance(e, ev.StepDone):
        if now is not None and before != now and now.at is not None and now.state == "done":
            return f"That step was just marked done{_by(now)}"
        return None
    if now is not None and now.state in ("done", "skipped"):
        return f"That step was already {now.state}{_by(now)}"
    return None


def _by(progress: object) -> str:
    by, at = getattr(progress, "by", ""), getattr(progress, "at", None)
    if not by or at is None:
        return ""
    return f" by {by} at {clock_time(at)}"


def _one_value(field: str, history: str, already: str) -> Callable[..., str | None]:
    """The check for a value the incident has one of (severity, status): refused when it would
    change nothing, or when someone changed it since the person looked."""

    def check(basis: IncidentState, current: IncidentState, e: ev.Event) -> str | None:
        value = getattr(e, field)
        if value == getattr(current, field):
            return already.format(value=value)
        entries = getattr(current, history)
        if getattr(basis, field) != getattr(current, field) and entries:
            last = entries[-1]
            return (f"{last.by} set the {field} to {getattr(last, field)} at {clock_time(last.at)}"
                    " while you were choosing")
        return None

    return check


def _ask_done(basis: IncidentState, current: IncidentState, e: ev.AskDone) -> str | None:
    ask = current.asks.get(e.ask)
    if ask is None or ask.open:
        return None
    return f"That ask was already answered at {clock_time(ask.done_at)}"


_CHECKS = {
    ev.RoleAssigned: _role_assigned,
    ev.RoleReleased: _role_released,
    ev.StepDone: _step,
    ev.StepSkipped: _step,
    ev.StepReopened: _step,
    ev.SeverityChanged: _one_value("severity", "severity_history", "The severity is already {value}"),
    ev.StatusChanged: _one_value("status", "status_history", "The incident is already {value}"),
    ev.AskDone: _ask_done,
}
