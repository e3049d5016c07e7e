"""Suggested severity from the structured size-up.

The suggestion is the worst severity any matching rule gives (SEV1 is worst). When key answers
are still unknown the suggestion errs high: it is raised one level, and the reason says why. The
lead sets the severity; this only suggests it, with the answers that drove it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from cockpit.domain.vocabulary import ImpactField, Severity, severity_rank


class SeverityRule(BaseModel):
    """Matches when every listed field has one of the listed answers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    when: dict[ImpactField, tuple[str, ...]] = Field(min_length=1)
    severity: Severity
    reason: str = Field(min_length=1)

    def matches(self, impact: Mapping[str, str]) -> bool:
        return all(impact.get(field, "").lower() in values for field, values in self.when.items())


DEFAULT_RULES: tuple[SeverityRule, ...] = tuple(
    SeverityRule(when=when, severity=sev, reason=reason)
    for when, sev, reason in [
        ({"data": ("exposure",)}, "SEV1", "customer data exposed"),
        ({"data": ("loss",)}, "SEV1", "data lost"),
        ({"users_affected": ("most", "all"), "functionality": ("outage",)}, "SEV1",
         "most users face a full outage"),
        ({"revenue": ("major",)}, "SEV1", "major revenue impact"),
        ({"users_affected": ("most", "all")}, "SEV2", "most users affected"),
        ({"users_affected": ("some",), "functionality": ("partial", "outage")}, "SEV2",
         "some users lose functionality"),
        ({"customer_facing": ("yes",), "functionality": ("outage",)}, "SEV2",
         "customer-facing outage"),
        ({"data": ("at-risk",)}, "SEV2", "data at risk"),
        ({"users_affected": ("few", "some")}, "SEV3", "some users affected"),
        ({"customer_facing": ("yes",), "functionality": ("degraded", "partial")}, "SEV3",
         "customer-facing degradation"),
        ({"revenue": ("minor",)}, "SEV3", "minor revenue impact"),
        ({"functionality": ("degraded", "partial", "outage")}, "SEV4", "internal functionality impaired"),
        ({"customer_facing": ("no",)}, "SEV4", "internal only"),
        ({"users_affected": ("none",), "functionality": ("none",)}, "SEV5", "no user impact"),
    ]
)


class SeverityMatrix(BaseModel):
    """The rules in force; configurable under ``[severity]`` in cockpit.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[SeverityRule, ...] = DEFAULT_RULES
    unsure_fields: tuple[ImpactField, ...] = ("users_affected", "functionality", "data")
    floor: Severity = "SEV4"


@dataclass(frozen=True, slots=True)
class Suggestion:
    severity: Severity | None
    reasons: tuple[str, ...]

    def describe(self) -> str:
        if self.severity is None:
            return "answer the size-up to get a suggestion"
        return f"{self.severity}: " + "; ".join(self.reasons)


def suggest_severity(impact: Mapping[str, str], matrix: SeverityMatrix | None = None) -> Suggestion:
    """The suggested severity for these size-up answers, with the reasons that drove it."""
    matrix = matrix or SeverityMatrix()
    answered = {k: v.strip().lower() for k, v in impact.items() if v and v.strip()}
    if not answered or all(v == "unknown" for v in answered.values()):
        return Suggestion(None, ())
    matching = [rule for rule in matrix.rules if rule.matches(answered)]
    if matching:
        worst = min(severity_rank(rule.severity) for rule in matching)
        reasons = [rule.reason for rule in matching if severity_rank(rule.severity) == worst]
    else:
        worst = severity_rank(matrix.floor)
        reasons = ["no impact rule matched"]
    unsure = [f for f in matrix.unsure_fields if answered.get(f, "unknown") == "unknown"]
    if unsure and worst > 1:
        worst -= 1
        names = ", ".join(f.replace("_", " ") for f in unsure)
        reasons.append(f"{names} not known yet: erring high")
    return Suggestion(f"SEV{worst}", tuple(dict.fromkeys(reasons)))  # type: ignore[arg-type]
