"""Drill objectives: what a scenario expects of the team, and how the record scores it.

A scenario states objectives (``[[objectives]]`` in its file): *severity SEV1 within 5m*,
*commander named within 2m*, *step failover done within 15m*, *first external update within
10m*, *status monitoring within 30m*. Each is a kind, a target and a deadline in **scenario
time** counted from the declaration: a drill played at ``--speed 10`` runs ten scenario seconds
per real second, so "within 5m" there means 30 real seconds. The drill session keeps its
objectives and its speed in its header, so a report scores them against the record whatever the
scenario file says later.

Scoring is a fold over the incident's state: for each objective, the first moment the record
shows it achieved. ``met`` when that came by the deadline, ``late`` when it came after, ``missed``
when it never came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cockpit.domain.durations import Duration, format_duration
from cockpit.domain.vocabulary import ROLES, SEVERITIES, STATUSES, severity_rank

ObjectiveKind = Literal["severity", "role", "step", "update", "status"]
Outcome = Literal["met", "late", "missed"]

_TARGETS: dict[str, tuple[str, ...]] = {
    "severity": SEVERITIES,
    "role": ROLES,
    "update": ("internal", "external", "any"),
    "status": STATUSES[1:],
}
"""The targets each kind accepts (a step's target is a step id of the drill's protocol)."""


class Objective(BaseModel):
    """One thing a drill expects: ``kind`` reaching ``target`` within ``within`` of scenario time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ObjectiveKind
    target: str = Field(min_length=1, max_length=100)
    within: Duration
    text: str = Field(default="", max_length=200,
                      description="how the report names it; by default said from kind and target")

    @model_validator(mode="after")
    def _target_fits_the_kind(self) -> Objective:
        allowed = _TARGETS.get(self.kind)
        if allowed is not None and self.target not in allowed:
            raise ValueError(f"a {self.kind!r} objective's target is one of {', '.join(allowed)}"
                             f" (got {self.target!r})")
        if self.kind == "step" and not all(c.isalnum() or c in "._-" for c in self.target):
            raise ValueError(f"a 'step' objective's target is a step id such as failover"
                             f" (got {self.target!r})")
        if self.within <= timedelta(0):
            raise ValueError("within must be more than 0s")
        return self

    @property
    def label(self) -> str:
        if self.text:
            return self.text
        deadline = format_duration(self.within)
        return {
            "severity": f"severity {self.target} within {deadline}",
            "role": f"{self.target} named within {deadline}",
            "step": f"step {self.target} done within {deadline}",
            "update": (f"first {'' if self.target == 'any' else self.target + ' '}update"
                       f" within {deadline}"),
            "status": f"status {self.target} within {deadline}",
        }[self.kind]

    def record(self) -> dict[str, Any]:
        """How the drill session's header keeps it (``within`` written as the files write it)."""
        return {"kind": self.kind, "target": self.target, "within": format_duration(self.within),
                **({"text": self.text} if self.text else {})}


@dataclass(frozen=True, slots=True)
class Score:
    """One objective against the record. Times are scenario seconds from the declaration."""

    objective: Objective
    outcome: Outcome
    achieved_at: datetime | None
    achieved_s: float | None
    deadline_s: float

    def document(self) -> dict[str, Any]:
        late = None if self.achieved_s is None else max(self.achieved_s - self.deadline_s, 0.0)
        return {"kind": self.objective.kind, "target": self.objective.target,
                "objective": self.objective.label, "within_s": self.deadline_s,
                "outcome": self.outcome, "achieved_at": self.achieved_at,
                "achieved_s": self.achieved_s, "late_by_s": late if late else None}


def read_objectives(raw: Any) -> tuple[tuple[Objective, ...], list[str]]:
    """The objectives a session header keeps, and a note for each one that no longer reads."""
    out: list[Objective] = []
    notes: list[str] = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            out.append(Objective.model_validate(item))
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            notes.append(f"objective {index + 1} in the header does not read: "
                         f"{str(exc).splitlines()[-1].strip()}")
    return tuple(out), notes


def achieved(objective: Objective, state: Any) -> datetime | None:
    """The first moment the record (an :class:`~cockpit.domain.state.IncidentState`) shows the
    objective achieved, or None."""
    target = objective.target
    if objective.kind == "severity":
        rank = severity_rank(target)
        return next((h.at for h in state.severity_history if severity_rank(h.severity) <= rank), None)
    if objective.kind == "role":
        return min((t.assumed_at for t in state.roles if t.role == target), default=None)
    if objective.kind == "step":
        progress = state.steps.get(target)
        if progress is None:
            return None
        if progress.done_times:
            return progress.done_times[0]
        return progress.at if progress.state == "done" else None
    if objective.kind == "update":
        return next((u.at for u in state.updates if target == "any" or u.audience == target), None)
    reached = STATUSES.index(target)  # status: that status or one past it (resolved mitigates too)
    return next((s.at for s in state.status_history if STATUSES.index(s.status) >= reached), None)


def score(objectives: tuple[Objective, ...], state: Any, *, speed: float) -> list[Score]:
    """Each objective against the record of a drill played at ``speed``."""
    start = state.declared_at
    scores = []
    for objective in objectives:
        deadline = objective.within.total_seconds()
        moment = achieved(objective, state) if start is not None else None
        if moment is None:
            scores.append(Score(objective, "missed", None, None, deadline))
            continue
        played = round(max((moment - start).total_seconds(), 0.0) * speed, 3)
        scores.append(Score(objective, "met" if played <= deadline else "late", moment, played, deadline))
    return scores


def summary(scores: list[Score]) -> dict[str, Any]:
    """The drill's score: how many objectives were met, of how many."""
    met = sum(1 for s in scores if s.outcome == "met")
    return {"met": met, "total": len(scores),
            "ratio": round(met / len(scores), 3) if scores else None}
