"""The closed vocabularies of the session file: severities, statuses, roles, tags, states."""

from __future__ import annotations

from typing import Literal

Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]
SEVERITIES: tuple[Severity, ...] = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
Status = Literal["investigating", "identified", "monitoring", "resolved"]
STATUSES: tuple[Status, ...] = ("investigating", "identified", "monitoring", "resolved")
Role = Literal["commander", "deputy", "scribe", "ops", "comms", "liaison", "sme"]
ROLES: tuple[Role, ...] = ("commander", "deputy", "scribe", "ops", "comms", "liaison", "sme")
MemberStatus = Literal["paged", "engaged", "resting", "off"]
MEMBER_STATUSES: tuple[MemberStatus, ...] = ("paged", "engaged", "resting", "off")
HealthState = Literal["unknown", "up", "degraded", "down"]
HEALTH_STATES: tuple[HealthState, ...] = ("unknown", "up", "degraded", "down")
NoteTag = Literal["note", "decision", "action", "hypothesis"]
NOTE_TAGS: tuple[NoteTag, ...] = ("note", "decision", "action", "hypothesis")
ImpactField = Literal[
    "customer_facing", "users_affected", "functionality", "data", "revenue", "services", "regions",
    "quantified",
]
"""The size-up fields (``IMPACT_FIELDS``), and ``quantified``: the figure the team puts on the
impact for the postmortem ("1.21B queries lost"), which the size-up does not ask for."""
IMPACT_FIELDS: tuple[ImpactField, ...] = (
    "customer_facing", "users_affected", "functionality", "data", "revenue", "services", "regions",
)
Audience = Literal["internal", "external"]
Moment = Literal["impact_started", "detected", "mitigated", "restored"]
MOMENTS: tuple[Moment, ...] = ("impact_started", "detected", "mitigated", "restored")
"""The key moments of an incident's story (``moment.marked``), in the order they happen."""
MOMENT_LABELS: dict[str, str] = {
    "impact_started": "impact started", "detected": "detected", "mitigated": "mitigated",
    "restored": "service restored",
}
ActionType = Literal["prevent", "mitigate", "detect", "process", "other"]
ACTION_TYPES: tuple[ActionType, ...] = ("prevent", "mitigate", "detect", "process", "other")
ActionStatus = Literal["open", "done", "wontfix"]
ACTION_STATUSES: tuple[ActionStatus, ...] = ("open", "done", "wontfix")
RetroCategory = Literal[
    "happening", "how", "impact", "went_well", "went_wrong", "lucky", "root_cause", "trigger",
    "contributing", "summary", "detection", "resolution",
]
RETRO_CATEGORIES: tuple[RetroCategory, ...] = (
    "happening", "how", "impact", "went_well", "went_wrong", "lucky", "root_cause", "trigger",
    "contributing", "summary", "detection", "resolution",
)
"""Where a retro note belongs: the three size-up questions, then the postmortem's sections."""
RETRO_CATEGORY_LABELS: dict[str, str] = {
    "happening": "What's happening?", "how": "How did we get here?",
    "impact": "What's the immediate impact?", "went_well": "What went well",
    "went_wrong": "What went wrong", "lucky": "Where we got lucky", "root_cause": "Root cause",
    "trigger": "Trigger", "contributing": "Contributing factor", "summary": "Summary",
    "detection": "Detection", "resolution": "Resolution",
}
ReviewStatus = Literal["draft", "in_review", "reviewed", "closed"]
REVIEW_STATUSES: tuple[ReviewStatus, ...] = ("draft", "in_review", "reviewed", "closed")

COCKPIT = "cockpit"
"""The author of what the cockpit records itself: steps the record proves done."""
HEALTH = "health"
"""The author of health changes and summaries: the seat that polls."""
ALERTS = "alerts"
"""The author of alerts: the team's monitoring, through the receiver."""
DRILL = "drill"
"""The author of a drill's script: its injects and its simulated responders' moves."""
SYSTEM_AUTHORS = frozenset({COCKPIT, HEALTH, ALERTS, DRILL})
"""Authors that are not people: never counted as responders."""

IMPACT_LABELS: dict[str, str] = {
    **{field: field.replace("_", " ") for field in IMPACT_FIELDS}, "quantified": "quantified impact"}
"""How people read each impact field: ``customer facing`` for ``customer_facing``."""

IMPACT_CHOICES: dict[str, tuple[str, ...]] = {
    "customer_facing": ("unknown", "yes", "no"),
    "users_affected": ("unknown", "none", "few", "some", "most", "all"),
    "functionality": ("unknown", "none", "degraded", "partial", "outage"),
    "data": ("unknown", "none", "at-risk", "loss", "exposure"),
    "revenue": ("unknown", "none", "minor", "major"),
}
"""The answers offered for each enumerated size-up field; ``services`` and ``regions`` are free text."""

ROLE_TITLES: dict[str, str] = {
    "commander": "Incident Commander",
    "deputy": "Deputy",
    "scribe": "Scribe",
    "ops": "Ops lead",
    "comms": "Comms lead",
    "liaison": "Internal liaison",
    "sme": "Subject-matter expert",
}


def severity_rank(severity: str) -> int:
    """1 for SEV1 (worst) … 5 for SEV5."""
    return int(severity[3:])
