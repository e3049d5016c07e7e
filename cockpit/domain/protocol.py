"""Protocol steps and their timing: what is due, what is late and by how much, what comes next.

A step may have an owner role, a ``due`` time after the declaration, an ``every`` cadence that
makes it recurring (the external update every 20 minutes), ``when`` severities it applies to, and
``done_on`` the moment that completes it by itself (posting an external update ticks the
"external update" step; assigning a commander ticks "assign a commander").

``done_when`` is a condition of the record instead of a moment: "impact answered", "roles filled:
deputy, scribe", "update posted: external", "decision recorded". When the record satisfies it,
the cockpit closes the step itself (``step.done`` by ``cockpit``, with ``evidence`` naming the
event that proves it), so the protocol is never blamed for what the record shows was done. The
two differ on purpose: ``done_on`` is folded (the event completes the step in the state, credited
to whoever recorded it, and drives the cadence of recurring steps), while ``done_when`` is proved
after the fact and written down, so a replay or a report shows why the step counts as done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, ValidationInfo, field_validator,
    model_serializer, model_validator,
)

from cockpit.domain.durations import Duration
from cockpit.domain.links import url_problem
from cockpit.domain.log import Log
from cockpit.domain.vocabulary import IMPACT_FIELDS, ROLES, Role, Severity

StepState = Literal["open", "done", "skipped"]
Trigger = Literal[
    "declared", "commander-assigned", "internal-update", "external-update", "monitoring", "resolved"
]
"""Moments that complete a step without anyone ticking it."""

SIZE_UP_FIELDS: tuple[str, ...] = ("customer_facing", "users_affected", "functionality", "data")
"""What ``impact answered`` asks for when it names no fields: the answers that decide the
severity (who is affected, what is broken, is data at risk). ``revenue``, ``services`` and
``regions`` are often unknowable in the first minutes, or do not apply (a global outage has no
region); a protocol that needs them names them: ``impact answered: services, regions``."""

DONE_WHEN_PHRASES: tuple[str, ...] = (
    "impact answered",
    "impact answered: FIELD, ...",
    "roles filled: ROLE, ...",
    "update posted: internal",
    "update posted: external",
    "decision recorded",
    "decision recorded: WORD, ...",
)
"""The conditions ``done_when`` may name, as a protocol author writes them."""


@dataclass(frozen=True, slots=True)
class DoneWhen:
    """A parsed ``done_when``: what the record must show for the step to be done.

    ``kind`` is ``impact``, ``roles``, ``update`` or ``decision``; ``items`` are the fields, the
    roles, the audience (empty: either) or the words one of which the decision must mention
    (empty: any decision)."""

    kind: str
    items: tuple[str, ...] = ()


def _listed(rest: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip().lower() for i in rest.split(",") if i.strip()))


@lru_cache(maxsize=256)
def parse_done_when(text: str) -> DoneWhen:
    """``"roles filled: deputy, scribe"`` → DoneWhen("roles", ("deputy", "scribe")).

    Raises ValueError saying what is wrong and which phrases exist."""
    phrase, colon, rest = " ".join(text.split()).lower().partition(":")
    phrase = phrase.strip()
    items = _listed(rest)
    if colon and not items:
        raise ValueError(f"done_when {text!r}: nothing listed after the colon")
    if phrase == "impact answered":
        items = tuple(i.replace(" ", "_").replace("-", "_") for i in items)
        unknown = [i for i in items if i not in IMPACT_FIELDS]
        if unknown:
            raise ValueError(f"done_when {text!r}: {', '.join(unknown)} is not a size-up field "
                             f"(fields: {', '.join(IMPACT_FIELDS)})")
        return DoneWhen("impact", tuple(i for i in IMPACT_FIELDS if i in items) or SIZE_UP_FIELDS)
    if phrase == "roles filled":
        if not items:
            raise ValueError(f"done_when {text!r}: name the roles, e.g. roles filled: deputy, scribe")
        unknown = [i for i in items if i not in ROLES]
        if unknown:
            raise ValueError(f"done_when {text!r}: {', '.join(unknown)} is not a role "
                             f"(roles: {', '.join(ROLES)})")
        return DoneWhen("roles", items)
    if phrase == "update posted":
        if len(items) > 1 or (items and items[0] not in ("internal", "external")):
            raise ValueError(f"done_when {text!r}: the audience is internal or external")
        return DoneWhen("update", items)
    if phrase == "decision recorded":
        return DoneWhen("decision", items)
    raise ValueError(f"done_when {text!r} is not a condition the cockpit can check; "
                     f"write one of: {'; '.join(DONE_WHEN_PHRASES)}")


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
    done_when: str | None = Field(default=None, description="a condition of the record that "
                                  "proves the step done; see DONE_WHEN_PHRASES")
    runbook: str | None = Field(default=None, description="an http(s) link to how the step is done")

    @field_validator("runbook")
    @classmethod
    def _runbook_is_a_link(cls, value: str | None) -> str | None:
        problem = url_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("done_when")
    @classmethod
    def _known_condition(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            parse_done_when(value)
        except ValueError as exc:
            step = info.data.get("id")
            raise ValueError(f"step {step}: {exc}" if step else str(exc)) from None
        return value.strip()

    @model_validator(mode="after")
    def _one_off_condition(self) -> Step:
        if self.done_when is not None and self.every is not None:
            raise ValueError(f"step {self.id}: done_when is for one-off steps; a recurring step "
                             "is completed each time by done_on")
        return self

    @model_serializer(mode="wrap")
    def _compact(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out unset fields, so session files stay readable."""
        return {k: v for k, v in handler(self).items() if v is not None and v != () and v != []}

    @property
    def recurring(self) -> bool:
        return self.every is not None

    def applies_to(self, severity: str | None) -> bool:
        return not self.when or severity in self.when

    @property
    def condition(self) -> DoneWhen | None:
        """``done_when``, parsed (it was checked when the step was read)."""
        return parse_done_when(self.done_when) if self.done_when else None


def protocol_version(steps: Iterable[Step]) -> str:
    """The version of a protocol: a short content hash of its steps in a canonical form.

    The steps as the session file records them (unset fields left out), as JSON with sorted keys
    and durations in their one written form (``90s`` → ``1m30s``): the same steps give the same version whatever the file's layout,
    comments, title or description, and any change to a step's id, text, owner, timing or
    condition gives another. Twelve hex digits of sha256 tell versions apart in a team's history.
    """
    canonical = [step.model_dump(mode="json") for step in steps]
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(slots=True)  # not frozen: made per event (cockpit.domain.state.PER_EVENT_VALUES)
class StepProgress:
    """What the events say about one step so far."""

    state: StepState = "open"
    at: datetime | None = None
    by: str = ""
    reason: str = ""
    done_times: Log[datetime] = field(default_factory=Log)
    """Every time a recurring step was done: a :class:`Log`, so a long incident's hundredth status
    update does not copy the ninety-nine before it (the fold stays linear)."""
    seq: int = 0
    """The seq of the event that set ``state`` (for a reopened step, the reopening: only what
    the record shows after it can prove the step done again)."""
    evidence: int | None = None
    """For a step the cockpit closed itself, the seq of the event that proves it."""


@dataclass(frozen=True, slots=True)
class StepView:
    """A step as it stands at one moment: the row the Protocol pane and the report show.

    ``at`` is the incident's clock at that moment, stopped at the resolution: every time a view
    tells (due in, late by) is measured from it, so nothing counts on after the incident ends."""

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
    at: datetime | None = None
    """The incident's clock for this view: the moment asked about, or the resolution."""
    stopped: bool = False
    """True once the incident is resolved: deadlines and cadences no longer run."""

    @property
    def state(self) -> StepState:
        return self.progress.state

    @property
    def is_open(self) -> bool:
        """Still asks for attention: an applicable one-off step not done, or a cadence that
        still runs (none does once the incident is resolved)."""
        if self.step.recurring:
            return self.applies and not self.stopped
        return self.applies and self.progress.state == "open"

    @property
    def due_in(self) -> timedelta | None:
        """Time left before ``due_at`` on the incident's clock (negative once past it)."""
        if self.due_at is None or self.at is None:
            return None
        return self.due_at - self.at


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
    stopped = resolved_at is not None and now >= resolved_at
    if stopped:
        now = resolved_at  # type: ignore[assignment]
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
    if live and due_at is not None and now > due_at:
        overdue = now - due_at
    if not step.recurring and progress.state == "done" and due_at is not None and progress.at:
        if progress.at > due_at:
            late_by = progress.at - due_at
    return StepView(step, protocol, progress, applies, due_at, overdue, late_by, now, stopped)
