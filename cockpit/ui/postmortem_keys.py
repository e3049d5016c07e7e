"""The postmortem's facts from the screen: a key moment (``m``), an action item (``i``), a retro
note's section, the same prompts on the live cockpit and in replay.

``m`` asks which moment (impact started, detected, mitigated, service restored) happened at the
time in view: now on the live cockpit, the cursor's time in replay. ``i`` asks which follow-up
action, then one line of its fields, shown as they stand (``owner=bob type=prevent
priority=P1 due=2026-12-04 ticket=INC-12 status=open``): change what you know, Enter records
one ``action.updated`` with what changed. A retro note begins with its section when it has one
(``went well: …``, ``root cause: …``); see :func:`split_category`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from textual.screen import Screen

from cockpit.domain import events as ev
from cockpit.domain.durations import clock_time
from cockpit.domain.state import ActionItem, IncidentState
from cockpit.domain.vocabulary import MOMENT_LABELS, MOMENTS, RETRO_CATEGORIES
from cockpit.narrate import narrate_short
from cockpit.ui.prompts import ChoicePrompt, TextPrompt

Ask = Callable[[Screen[Any]], Awaitable[Any]]
"""How a screen opens a prompt and waits for its answer."""

ACTION_FIELDS = ("owner", "type", "priority", "due", "ticket", "status")
_FIELD = re.compile(r"\b(" + "|".join(ACTION_FIELDS) + r")=")
_CATEGORY_PREFIX = re.compile(
    r"^\s*(" + "|".join(c.replace("_", "[ _]") for c in sorted(RETRO_CATEGORIES, key=len, reverse=True))
    + r")\s*:\s*", re.IGNORECASE)

RETRO_PLACEHOLDER = ("begin with a section: happening: how: impact: went well: went wrong: lucky:"
                     " root cause: trigger: contributing: summary: detection: resolution:")


class NotAnUpdate(ValueError):
    """What was typed for an action item does not say fields this cockpit can record."""


def split_category(text: str) -> tuple[str | None, str]:
    """``went well: the rollback was rehearsed`` → (``went_well``, ``the rollback was rehearsed``)."""
    match = _CATEGORY_PREFIX.match(text)
    if not match:
        return None, text
    return match.group(1).lower().replace(" ", "_"), text[match.end():]


def fields_line(item: ActionItem | None) -> str:
    """An action item's fields as one line to edit."""
    item = item or ActionItem()
    return " ".join(f"{name}={getattr(item, name)}" for name in ACTION_FIELDS)


def parse_fields_line(text: str) -> dict[str, str]:
    """``owner=bob ticket=INC 12 status=done`` → the fields; a value runs to the next field."""
    marks = list(_FIELD.finditer(text))
    if not marks or text[: marks[0].start()].strip():
        raise NotAnUpdate("write the fields as owner=… type=… priority=… due=… ticket=… status=…")
    out = {}
    for mark, following in zip(marks, [*marks[1:], None]):
        end = following.start() if following else len(text)
        out[mark.group(1)] = text[mark.end():end].strip()
    return out


def action_update(seq: int, typed: str, before: ActionItem | None) -> ev.ActionUpdated | None:
    """The ``action.updated`` that says what changed from ``before``; None when nothing did."""
    fields = parse_fields_line(typed)
    before = before or ActionItem()
    changed = {name: value for name, value in fields.items() if value != getattr(before, name)}
    if not changed:
        return None
    if changed.get("status") == "":
        changed["status"] = "open"
    try:
        return ev.ActionUpdated(action=seq, **changed)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise NotAnUpdate(problems) from None


async def ask_moment(ask: Ask, at: datetime) -> ev.MomentMarked | None:
    """Which key moment happened at ``at``."""
    options = [(name, MOMENT_LABELS[name]) for name in MOMENTS]
    chosen = await ask(ChoicePrompt(f"Mark a key moment at {clock_time(at)} UTC", options))
    return ev.MomentMarked(moment=chosen, at=at) if chosen else None


async def ask_action_item(ask: Ask, state: IncidentState) -> ev.ActionUpdated | None:
    """Which follow-up action, then its fields; raises :class:`NotAnUpdate` on what cannot be
    recorded (the screen says why)."""
    actions = state.notes_tagged("action")
    if not actions:
        raise NotAnUpdate("there is no follow-up action yet: press a to record one")
    options = [(str(n.seq), f"#{n.seq} {narrate_short(ev.NoteAdded(text=n.text), limit=50)}"
                + (f" · {state.actions[n.seq].status}" if n.seq in state.actions else ""))
               for n in actions]
    chosen = await ask(ChoicePrompt("Update an action item", options))
    if not chosen:
        return None
    seq = int(chosen)
    before = state.actions.get(seq)
    typed = await ask(TextPrompt(f"Action #{seq}: owner, type (prevent, mitigate, detect, process,"
                                 " other), priority, due (YYYY-MM-DD), ticket, status (open, done,"
                                 " wontfix)", value=fields_line(before)))
    if not typed:
        return None
    return action_update(seq, typed, before)
