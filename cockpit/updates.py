"""Status updates: when the next one is owed, and for which audience.

The drafts themselves, one for each audience, are written by :mod:`cockpit.drafts`; sending an
update to where each audience reads it is :mod:`cockpit.delivery`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cockpit.domain.state import IncidentState
from cockpit.domain.vocabulary import Audience
from cockpit.settings import UpdateSettings

# -- timing -----------------------------------------------------------------------------------


def update_cadence(state: IncidentState, settings: UpdateSettings, audience: Audience) -> timedelta:
    """How long until the next update of this audience is owed.

    The stricter of the protocol's recurring update step and the team's ``[updates]`` setting:
    promising the earlier time never leaves either of them late.
    """
    configured = settings.external_every if audience == "external" else settings.internal_every
    cadences = [configured]
    for _, step in state.all_steps():
        if step.done_on == f"{audience}-update" and step.every is not None:
            cadences.append(step.every)
    return min(cadences)


def due_audience(state: IncidentState, now: datetime) -> Audience:
    """The audience whose update the protocol asks for soonest (or most overdue); else internal."""
    due = [(view.due_at, view.step.done_on) for view in state.step_views(now)
           if view.is_open and view.due_at is not None
           and view.step.done_on in ("internal-update", "external-update")]
    return "external" if due and min(due)[1] == "external-update" else "internal"
