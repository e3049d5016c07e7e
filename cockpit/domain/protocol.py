"""Protocol steps and their timing: what is due, what is late and by how much, what comes next.

A step may have an owner role, a ``due`` time after the declaration, an ``every`` cadence that
makes it recurring (the external update every 20 minutes), ``when`` severities it applies to, and
``done_on`` the moment that completes it by itself (posting an external update ticks the
"external update" step; assigning a commander ticks "assign a commander").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from cockpit.domain.durations import Duration
from cockpit.domain.vocabulary import Role, Severity

StepState = Literal["open", "done", "skipped"]
Trigger = Literal[
    "declared", "commander-assigned", "internal-update", "external-update", "monitoring", "resolved"
]
"""Moments that complete a step without anyone ticking it."""


class Step(BaseModel):
    """One line of a runbook checklist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="stable id used by step events")
    text: str = Field(min_length=1, description="one imperative line")
    owner: Role | None = None
    due: Duration | None = None
    every: Duration | None = None
    when: tuple[Severity, ...] = ()
    done_on: Trigger | None = None

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out unset fields, so session files stay readable."""
        return {k: v for k, v in handler(self).items() if v is not None and v != () and v != []}

    @property
    def recurring(self) -> bool:
        return self.every is not None

    def applies_to(self, severity: str | None) -> bool:
        return not self.when or severity in self.when


@dataclass(frozen=True, slots=True)
class StepProgress:
    """What the events say about one step so far."""

    state: StepState = "open"
    at: datetime | None = None
    by: str = ""
    reason: str = ""
    done_times: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class StepView:
    """A step as it stands at one moment: the row the Protocol pane and the report show."""

    step: Step
    protocol: str
    progress: StepProgress
    applies: bool
    due_at: datetime | None
    """The next deadline: for a recurring step the next occurrence, else the one deadline."""
    overdue: timedelta | None
    """How late the step is at that moment (None when not late)."""
    late_by: timedelta | None
    """For a one-off step done after its deadline, by how much."""

    @property
    def state(self) -> StepState:
        return self.progress.state

    @property
    def is_open(self) -> bool:
        """Still asks for attention: an applicable one-off step not done, or any live cadence."""
        return self.applies and (self.step.recurring or self.progress.state == "open")


def view_step(
    step: Step,
    protocol: str,
    progress: StepProgress,
    *,
    declared_at: datetime | None,
    severity: str | None,
    now: datetime,
    resolved_at: datetime | None = None,
) -> StepView:
    """The timing of one step at ``now`` (frozen at ``resolved_at`` once the incident is over)."""
    applies = step.applies_to(severity)
    if resolved_at is not None and now > resolved_at:
        now = resolved_at
    due_at: datetime | None = None
    if declared_at is not None:
        if step.recurring:
            last = progress.done_times[-1] if progress.done_times else None
            if last is not None:
                due_at = last + step.every  # type: ignore[operator]
            else:
                due_at = declared_at + (step.due if step.due is not None else step.every)  # type: ignore[operator]
        elif step.due is not None:
            due_at = declared_at + step.due
    overdue = None
    late_by = None
    live = applies and (step.recurring or progress.state == "open")
    if live and due_at is not None and now > due_at and resolved_at is None:
        overdue = now - due_at
    if live and due_at is not None and resolved_at is not None and now >= resolved_at > due_at:
        overdue = resolved_at - due_at
    if not step.recurring and progress.state == "done" and due_at is not None and progress.at:
        if progress.at > due_at:
            late_by = progress.at - due_at
    return StepView(step, protocol, progress, applies, due_at, overdue, late_by)
