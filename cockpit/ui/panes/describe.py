"""The timeline's filters, and the narrator's words under the names the panes know them by.

Every event is described by :func:`cockpit.narrate.narrate`, the one voice of the timeline, the
report, the replay and the drill follower; ``describe`` is that function.
"""

from __future__ import annotations

from cockpit.domain import events as ev
from cockpit.narrate import SEVERITY_WORDS, Context, narrate

describe = narrate
"""What an event says, in plain, printable words: :func:`cockpit.narrate.narrate`."""

__all__ = ["SEVERITY_WORDS", "TIMELINE_GROUPS", "Context", "describe", "matches_group"]

TIMELINE_GROUPS: dict[str, tuple[str, ...]] = {
    "people's entries": ("note.added", "update.posted", "retro.note"),
    "decisions": ("note.added:decision",),
    "actions": ("note.added:action", "action.updated"),
    "hypotheses": ("note.added:hypothesis",),
    "health": ("health.changed",),
    "severity and status": ("incident.declared", "incident.retitled", "severity.changed",
                            "status.changed", "impact.assessed", "moment.marked"),
    "protocol": ("step.done", "step.skipped", "step.reopened", "protocol.added"),
    "team": ("role.assigned", "role.released", "member.joined", "member.status", "ask.started",
             "ask.done", "seat.joined", "seat.left"),
    "updates": ("update.posted", "update.delivered"),
    "drill injects": ("drill.inject",),
    "health summaries": ("health.summary",),
}
"""The timeline's filters: a kind, or ``kind:tag`` for one kind of scribe entry."""


def matches_group(event: ev.Event, group: tuple[str, ...]) -> bool:
    tag = getattr(event, "tag", None)
    return event.kind in group or (tag is not None and f"{event.kind}:{tag}" in group)
