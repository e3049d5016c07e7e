"""Roster guardrails: the warnings an experienced commander would want to be told about.

The commander holding another role, too many people reporting to the commander, nobody in
command, someone engaged too long without a break, and a role held by someone who is off or
resting (the role is then held by nobody who can act on it). Times are read on the incident's
clock, which stops at the resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from cockpit.domain.durations import Duration, format_clock
from cockpit.domain.state import IncidentState


class RosterLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_direct_reports: int = Field(default=7, ge=1)
    engaged_limit: Duration = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class RosterWarning:
    rule: str
    text: str
    handle: str = ""


def roster_warnings(state: IncidentState, now: datetime,
                    limits: RosterLimits | None = None) -> list[RosterWarning]:
    limits = limits or RosterLimits()
    warnings: list[RosterWarning] = []
    commander = state.commander
    if commander:
        others = [r for r in state.roles_of(commander) if r != "commander"]
        if others:
            warnings.append(RosterWarning(
                "commander-hands-on", f"commander {commander} also holds {', '.join(others)}",
                commander))
        reports = [m for m in state.members.values()
                   if m.handle != commander and m.status in ("engaged", "paged")]
        if len(reports) > limits.max_direct_reports:
            warnings.append(RosterWarning(
                "span-of-control",
                f"{len(reports)} people report to the commander (limit {limits.max_direct_reports}):"
                " appoint leads", commander))
    elif state.declared_at and not state.resolved_at:
        warnings.append(RosterWarning("no-commander", "nobody holds the commander role"))
    if not state.resolved_at:  # once it is over, people go off with their roles: no news
        for member in sorted(state.members.values(), key=lambda m: m.handle):
            held = state.roles_of(member.handle)
            if held and member.status in ("off", "resting"):
                warnings.append(RosterWarning(
                    "holder-unavailable",
                    f"{', '.join(held)} holder {member.handle} is {member.status}: hand over",
                    member.handle))
    for member in state.members.values():
        stretch = state.stretch(member.handle, now)
        if member.status == "engaged" and stretch > limits.engaged_limit:
            warnings.append(RosterWarning(
                "engaged-too-long",
                f"{member.handle} engaged for {format_clock(stretch.total_seconds())}: time for a rest",
                member.handle))
    return warnings
